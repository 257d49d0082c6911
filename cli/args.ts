// Strict argument parsing for every operator command: every flag is known, every value is
// checked, and a mistake is a UsageError (exit 2, with the usage line) raised before anything
// is read or changed. Messages name the flag or argument and what is allowed.
//
// Hand-written rather than node's util.parseArgs, because that one lets a flag be given twice
// (the last silently wins), refuses `--timeout -1` as "ambiguous" instead of checking the value,
// and leaves every value a string to be cast. The old shell scripts rejected the tenant name
// itself as an "Unknown option"; here only leading dashes make an option.
import { NODE_NAME_PATTERN, NODE_NAME_RULE, SERVICES, ServiceName, tenantNameProblem } from "../components/naming";

/** A mistake in how a command was called: printed with the usage line, exit 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** Checks one value and returns it parsed; `what` names where it came from (`--timeout`, `<port>`). */
export type Check<T> = (value: string, what: string) => T;

export type FlagSpec =
    | {
          readonly kind: "boolean";
          /** What the flag does, for --help. */
          readonly about: string;
      }
    | {
          readonly kind: "value";
          readonly about: string;
          /** The value in the usage line: `N|all`, `<rev>`. */
          readonly arg: string;
          /** What the value must be, for "needs a value" (`sqlite or postgres`). */
          readonly help: string;
          /** Default: the value as given. */
          readonly parse?: Check<unknown>;
          /** May be given more than once (`--domain a --domain b`); otherwise twice is an error. */
          readonly multiple?: boolean;
          /** Set when the flag must be given: why (`the domain nginx serves the tenant on`). */
          readonly required?: string;
      };

type ValueOf<F> = F extends { parse: Check<infer T> } ? T : string;
type FlagValue<F> = F extends { kind: "boolean" }
    ? boolean
    : F extends { multiple: true }
      ? ValueOf<F>[]
      : F extends { required: string }
        ? ValueOf<F>
        : ValueOf<F> | undefined;

export interface Parsed<S> {
    /** In the order given; optional ones not given are absent. */
    readonly positionals: string[];
    /** Booleans are false and multiple flags [] when not given; other values undefined. */
    readonly flags: { [K in keyof S]: FlagValue<S[K]> };
}

/**
 * `positionals` are written as in the usage line: `<tenant>` required, `[service]` optional
 * (after the required ones). `--flag=value` and `--flag value` both work; `--` ends the options.
 */
export function parse<S extends Record<string, FlagSpec>>(argv: readonly string[], spec: S, positionals: readonly string[]): Parsed<S> {
    const found = new Map<string, unknown>();
    const pos: string[] = [];
    let optionsEnded = false;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--" && !optionsEnded) {
            optionsEnded = true;
        } else if (optionsEnded || !arg.startsWith("-") || arg === "-" || /^-\d/.test(arg)) {
            // `-1` is a (bad) number for the positional's check to name, not an unknown option.
            if (pos.length >= positionals.length) {
                throw new UsageError(
                    `unexpected argument "${arg}"; ${positionals.length ? `expected only ${positionals.join(" ")}` : "this command takes no arguments"}`,
                );
            }
            pos.push(arg);
        } else {
            const [name, inline] = arg.slice(2).split(/=(.*)/s, 2);
            // hasOwn: `--constructor` must be unknown, not Object.prototype's.
            const flag = arg.startsWith("--") && Object.hasOwn(spec, name) ? spec[name] : undefined;
            // Only the option's name is echoed: `--db-password=secret` must not print the secret.
            if (!flag) throw new UsageError(`unknown option "${arg.startsWith("--") ? `--${name}` : arg}"; allowed: ${allowed(spec)}`);
            if (found.has(name) && !(flag.kind === "value" && flag.multiple)) throw new UsageError(`option --${name} given twice`);
            if (flag.kind === "boolean") {
                if (inline !== undefined) throw new UsageError(`option --${name} takes no value (got "${inline}")`);
                found.set(name, true);
                continue;
            }
            // A separate value may start with one dash (`--timeout -1` is then checked as a
            // number); one with two is the next option, so the value is missing.
            const value = inline ?? argv[++i];
            if (value === undefined || (inline === undefined && value.startsWith("--")))
                throw new UsageError(`option --${name} needs a value: ${flag.help}`);
            const parsed = flag.parse ? flag.parse(value, `--${name}`) : value;
            found.set(name, flag.multiple ? [...((found.get(name) as unknown[]) ?? []), parsed] : parsed);
        }
    }
    const required = positionals.filter((p) => p.startsWith("<")).length;
    if (pos.length < required) throw new UsageError(`missing argument ${positionals[pos.length]}`);
    for (const [name, f] of Object.entries(spec)) {
        if (f.kind === "value" && f.required && !found.has(name)) throw new UsageError(`${flagUsage(name, f)} is required (${f.required})`);
    }
    const flags: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(spec))
        flags[name] = found.get(name) ?? (f.kind === "boolean" ? false : f.multiple ? [] : undefined);
    return { positionals: pos, flags: flags as Parsed<S>["flags"] };
}

/** `--tail N|all`, `--json`: a flag as the usage line writes it. */
export function flagUsage(name: string, f: FlagSpec): string {
    return f.kind === "value" ? `--${name} ${f.arg}` : `--${name}`;
}

function allowed(spec: Record<string, FlagSpec>): string {
    return (
        Object.entries(spec)
            .map(([name, f]) => (f.kind === "value" ? `--${name} <value>` : `--${name}`))
            .join(", ") || "none"
    );
}

/** `--listen "0": must be a whole number from 1 to 65535`: the one shape of a rejected value. */
export function invalid(what: string, value: string, problem: string): UsageError {
    return new UsageError(`${what} "${value}": ${problem}`);
}

export function integer(min: number, max: number): Check<number> {
    return (value, what) => {
        const n = Number(value);
        if (!/^\d+$/.test(value) || n < min || n > max) throw invalid(what, value, `must be a whole number from ${min} to ${max}`);
        return n;
    };
}

export function oneOf<T extends string>(allowedValues: readonly T[]): Check<T> {
    return (value, what) => {
        if (!(allowedValues as readonly string[]).includes(value)) throw invalid(what, value, `must be one of ${allowedValues.join(", ")}`);
        return value as T;
    };
}

/** A tenant name, checked before it reaches a label filter or a file name. */
export function tenantArg(value: string, what = "<tenant>"): string {
    const problem = tenantNameProblem(value);
    if (problem) throw invalid(what, value, problem);
    return value;
}

/** A swarm node's hostname or ID, checked as `frontbase:node` is. */
export function nodeArg(value: string, what = "<node>"): string {
    if (!NODE_NAME_PATTERN.test(value)) throw invalid(what, value, NODE_NAME_RULE);
    return value;
}

/** One of the tenant's services (`backend`, `redis-http`, ...). */
export const serviceArg: Check<ServiceName> = oneOf(SERVICES);
