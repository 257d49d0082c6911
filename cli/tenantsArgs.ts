// Strict argument parsing for the tenant commands: every flag is known, every value is
// checked, and a mistake is reported (exit 2) before anything is read or written. The old
// scripts rejected the tenant name itself as an "Unknown option"; here positionals and
// flags are told apart by their leading dashes only.

/** A mistake in how a command was called: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export type FlagSpec =
    | { readonly kind: "boolean"; readonly help: string }
    | { readonly kind: "value"; readonly help: string; readonly parse: (value: string, flag: string) => unknown };

export interface Parsed {
    readonly positionals: string[];
    readonly flags: Record<string, unknown>;
}

export function parseArgs(argv: readonly string[], spec: Readonly<Record<string, FlagSpec>>, positionals: readonly string[]): Parsed {
    const out: Parsed = { positionals: [], flags: {} };
    const allowed = () => Object.keys(spec).map((f) => `--${f}`).join(", ") || "none";
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (!arg.startsWith("-") || arg === "-") {
            if (out.positionals.length >= positionals.length) throw new UsageError(`unexpected argument "${arg}"${positionals.length ? `; only ${positionals.map((p) => `<${p}>`).join(" ")} is expected` : "; this command takes no arguments"}`);
            out.positionals.push(arg);
            continue;
        }
        const [name, inline] = arg.replace(/^--?/, "").split(/=(.*)/s, 2);
        const flag = spec[name];
        if (!arg.startsWith("--") || !flag) throw new UsageError(`unknown option "${arg}"; allowed: ${allowed()}`);
        if (name in out.flags) throw new UsageError(`option --${name} given twice`);
        if (flag.kind === "boolean") {
            if (inline !== undefined) throw new UsageError(`option --${name} takes no value (got "${inline}")`);
            out.flags[name] = true;
            continue;
        }
        const value = inline ?? argv[++i];
        if (value === undefined || (inline === undefined && value.startsWith("--"))) throw new UsageError(`option --${name} needs a value: ${flag.help}`);
        out.flags[name] = flag.parse(value, name);
    }
    if (out.positionals.length < positionals.length) throw new UsageError(`missing <${positionals[out.positionals.length]}>`);
    return out;
}

export function oneOf<T extends string>(allowed: readonly T[]) {
    return (value: string, flag: string): T => {
        if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`option --${flag}: "${value}" is not allowed; use ${allowed.join(" or ")}`);
        return value as T;
    };
}

export function integer(min: number, max: number) {
    return (value: string, flag: string): number => {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < min || n > max) throw new UsageError(`option --${flag}: "${value}" is not allowed; use an integer from ${min} to ${max}`);
        return n;
    };
}

/** Run a command's body, turning a UsageError into its message, the usage line and exit 2. */
export async function withUsage(usage: string, err: (text: string) => void, body: () => Promise<number>): Promise<number> {
    try {
        return await body();
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        err(`${e.message}\nusage: npm run tenant -- ${usage}`);
        return 2;
    }
}
