// The checks of a value given from outside (a command-line argument, an API request's field):
// each takes the text and the name of where it came from (`--timeout`, `<tenant>`, `name`) and
// returns it parsed, or throws a UsageError naming that place and what is allowed. The CLI's
// parser (cli/args.ts) and the dashboard's API apply the same ones, so they accept the same.
import { domainProblem } from "../components/proxy/domains";
import { NODE_NAME_PATTERN, NODE_NAME_RULE, SERVICES, ServiceName, tenantNameProblem } from "../components/naming";
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
