// Strict argument parsing for every operator command: every flag is known, every value is
// checked, and a mistake is a UsageError (exit 2, with the usage line) raised before anything
// is read or changed. Messages name the flag or argument and what is allowed.
//
// Hand-written rather than node's util.parseArgs, because that one lets a flag be given twice
// (the last silently wins), refuses `--timeout -1` as "ambiguous" instead of checking the value,
// and leaves every value a string to be cast. The old shell scripts rejected the tenant name
// itself as an "Unknown option"; here only leading dashes make an option.
import { Check, serviceArg, tenantArg } from "../tenants/checks";
import { UsageError } from "../tenants/errors";

// The value checks and the error are the operations' own (tenants/), shared with the dashboard's
// API; the commands take them from here with the parser.
export { type Check, integer, invalid, nodeArg, oneOf, serviceArg, stackArg, tenantArg } from "../tenants/checks";
/** A mistake in how a command was called: printed with the usage line, exit 2. */
export { UsageError } from "../tenants/errors";

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
 * (after the required ones), `[stack...]` any number (last). `--flag=value` and `--flag value`
 * both work; `--` ends the options.
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
            if (pos.length >= positionals.length && !positionals.at(-1)?.endsWith("...]")) {
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
        // has(): a value a check parsed to null (`--backup-age off`) is given, not missing.
        flags[name] = found.has(name) ? found.get(name) : f.kind === "boolean" ? false : f.multiple ? [] : undefined;
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

/** The per-tenant commands' `<tenant>` argument. */
export const TENANT_ARG = { name: "tenant", about: "the tenant's name (frontbase:tenant, else the stack name)", parse: tenantArg } as const;
/** Their optional `[service]`: one of the tenant's services. */
export const SERVICE_ARG = { name: "service", about: "only this service's container", optional: true, parse: serviceArg } as const;
