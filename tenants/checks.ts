// The checks of a value given from outside (a command-line argument, an API request's field):
// each takes the text and the name of where it came from (`--timeout`, `<tenant>`, `name`) and
// returns it parsed, or throws a UsageError naming that place and what is allowed. The CLI's
// parser (cli/args.ts) and the dashboard's API apply the same ones, so they accept the same.
import { domainProblem } from "../components/proxy/domains";
import { NODE_NAME_PATTERN, NODE_NAME_RULE, PROXY_STACK, SERVICES, ServiceName, tenantNameProblem } from "../components/naming";
import { UsageError } from "./errors";

/** Checks one value and returns it parsed; `what` names where it came from (`--timeout`, `<port>`). */
export type Check<T> = (value: string, what: string) => T;

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

/** A stack to deploy: a tenant's, or the host's proxy stack (`proxy`). */
export function stackArg(value: string, what = "<stack>"): string {
    return value === PROXY_STACK ? value : tenantArg(value, what);
}

/** A swarm node's hostname or ID, checked as `frontbase:node` is. */
export function nodeArg(value: string, what = "<node>"): string {
    if (!NODE_NAME_PATTERN.test(value)) throw invalid(what, value, NODE_NAME_RULE);
    return value;
}

/** One of the tenant's services (`backend`, `redis-http`, ...). */
export const serviceArg: Check<ServiceName> = oneOf(SERVICES);

/** A domain the host's proxy would route to a tenant (frontbase:domains). */
export function domainArg(value: string, what: string): string {
    const problem = domainProblem(value);
    if (problem) throw invalid(what, value, problem);
    return value;
}

/** Lines from the end of each log; undefined for "all". */
export const tailArg: Check<number | undefined> = (value, what) => {
    if (value === "all") return undefined;
    if (!/^\d+$/.test(value)) throw invalid(what, value, 'must be a whole number or "all"');
    return integer(0, 1_000_000)(value, what);
};

export const DATABASES = ["sqlite", "postgres"] as const;
export const databaseArg: Check<(typeof DATABASES)[number]> = oneOf(DATABASES);

/** `30s`, `90m`, `26h`, `2d` -> milliseconds. */
export function parseAge(value: string, what: string): number {
    const m = /^(\d{1,5})([smhd])$/.exec(value);
    if (!m) throw invalid(what, value, "must be a whole number of seconds, minutes, hours or days, like 90m, 26h or 2d");
    return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
}

/** An age as the commands print it: `45m`, `26.0h`, `3.5d`. */
export function age(ms: number): string {
    if (ms < 3_600_000) return `${Math.max(0, Math.round(ms / 60_000))}m`;
    if (ms < 172_800_000) return `${(ms / 3_600_000).toFixed(1)}h`;
    return `${(ms / 86_400_000).toFixed(1)}d`;
}

/** A check that also takes `off` (null), for a threshold that can be switched off. */
export function orOff<T>(check: Check<T>): Check<T | null> {
    return (value, what) => (value === "off" ? null : check(value, what));
}

const SIZE_UNITS = { MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 } as const;

/** `500MiB`, `10GiB`, `1TiB` -> bytes. */
export function parseSize(value: string, what: string): number {
    const m = /^(\d{1,6})(MiB|GiB|TiB)$/.exec(value);
    if (!m || Number(m[1]) === 0) throw invalid(what, value, "must be a whole number above 0 of MiB, GiB or TiB, like 500MiB or 10GiB");
    return Number(m[1]) * SIZE_UNITS[m[2] as keyof typeof SIZE_UNITS];
}
