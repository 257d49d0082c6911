// Argument parsing for the operations commands: every mistake becomes a UsageError (exit 2)
// naming the argument and what is allowed, raised before anything is read or changed.
import { parseArgs } from "util";
import type { Io } from "../main";
import { SERVICES, ServiceName, tenantNameProblem } from "../../components/naming";

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export type FlagSpec = Record<string, { type: "boolean" | "string"; multiple?: boolean }>;

export interface Parsed {
    readonly positionals: string[];
    readonly flags: Record<string, string | boolean | string[] | undefined>;
}

/** Strict parse: unknown flags, missing values and surplus positionals are usage errors. */
export function parse(argv: string[], flags: FlagSpec, positionals: { min: number; max: number; names: string }): Parsed {
    let result: ReturnType<typeof parseArgs>;
    try {
        result = parseArgs({ args: argv, options: flags, allowPositionals: true, strict: true });
    } catch (e) {
        const allowed = Object.entries(flags).map(([name, f]) => (f.type === "string" ? `--${name} <value>` : `--${name}`));
        // Node's message names the offending option; keep its first sentence and add the allowed set.
        const first = (e as Error).message.split(/\.\s/)[0].replace(/\.$/, "");
        throw new UsageError(`${first}; allowed: ${allowed.join(", ") || "no options"}`);
    }
    const pos = result.positionals;
    if (pos.length < positionals.min) throw new UsageError(`missing argument: expected ${positionals.names}`);
    if (pos.length > positionals.max) throw new UsageError(`unexpected argument "${pos[positionals.max]}": expected ${positionals.names}`);
    return { positionals: pos, flags: result.values as Parsed["flags"] };
}

export function tenantArg(value: string): string {
    const problem = tenantNameProblem(value);
    if (problem) throw new UsageError(`<tenant> "${value}" ${problem}`);
    return value;
}

export function serviceArg(value: string | undefined): ServiceName | undefined {
    if (value === undefined) return undefined;
    if (!(SERVICES as readonly string[]).includes(value)) throw new UsageError(`[service] "${value}" is not a service; allowed: ${SERVICES.join(", ")}`);
    return value as ServiceName;
}

/** A whole number in [min, max] given to `--<flag>`. */
export function intFlag(flag: string, value: string | undefined, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
        throw new UsageError(`--${flag} "${value}": must be a whole number from ${min} to ${max}`);
    }
    return Number(value);
}

/** Run a command body: usage errors print the usage line and exit 2; other errors propagate. */
export async function withUsage(usage: string, io: Io, body: () => Promise<number>): Promise<number> {
    try {
        return await body();
    } catch (e) {
        if (e instanceof UsageError) {
            io.err(`${e.message}\nusage: npm run tenant -- ${usage}`);
            return 2;
        }
        throw e;
    }
}
