// Request fields are data: a JSON body or a query string is read against a declaration of its
// fields, each checked by the same check the CLI applies to the matching argument
// (tenants/checks.ts). An unknown field, a wrong type or a value a check refuses is a 400 that
// names the field and what is allowed, before anything is read or changed; nothing a client
// sends ever reaches a command line.
import type { Check } from "../tenants/checks";
import { UsageError } from "../tenants/errors";
import { ApiError } from "./errors";

export interface Field<T> {
    /** What the field takes, for messages: `a tenant name`, `a list of host names`. */
    readonly about: string;
    readonly required?: boolean;
    /** The error code when its check refuses the value; default bad_request. */
    readonly code?: string;
    /** The value (already of the right JSON type) checked and converted; throws a UsageError. */
    read(value: unknown, name: string): T;
}

/** The values a declaration of fields reads: required ones always there, the others when given. */
export type Fields<S extends Record<string, Field<unknown>>> = {
    [K in keyof S]: S[K] extends Field<infer T> ? (S[K] extends { required: true } ? T : T | undefined) : never;
};

/** A JSON string, checked by `check`. */
export function text<T, const R extends boolean = false>(
    check: Check<T>,
    about: string,
    o: { required?: R; code?: string } = {},
): Field<T> & { readonly required: R } {
    return {
        about,
        required: (o.required ?? false) as R,
        code: o.code,
        read: (v, name) => {
            if (typeof v !== "string") throw new UsageError(`${name}: must be a string, ${about}`);
            return check(v, name);
        },
    };
}

/** A JSON list of strings, each checked by `check` (named `name[i]`). */
export function list<T>(check: Check<T>, about: string, o: { nonEmpty?: true } = {}): Field<T[]> {
    return {
        about,
        read: (v, name) => {
            if (!Array.isArray(v) || v.some((x) => typeof x !== "string") || (o.nonEmpty && v.length === 0))
                throw new UsageError(`${name}: must be a ${o.nonEmpty ? "non-empty " : ""}list of ${about}`);
            return (v as string[]).map((x, i) => check(x, `${name}[${i}]`));
        },
    };
}

/** A JSON whole number from `min` to `max`. */
export function whole(min: number, max: number, about: string): Field<number> {
    return {
        about,
        read: (v, name) => {
            if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
                throw new UsageError(`${name}: must be a whole number from ${min} to ${max} (${about})`);
            return v;
        },
    };
}

function shape(spec: Record<string, Field<unknown>>): string {
    return Object.entries(spec)
        .map(([name, f]) => `${name}${f.required ? "" : "?"} (${f.about})`)
        .join(", ");
}

function readAll<S extends Record<string, Field<unknown>>>(given: Record<string, unknown>, spec: S, where: string): Fields<S> {
    const unknown = Object.keys(given).filter((k) => !Object.hasOwn(spec, k));
    if (unknown.length > 0)
        throw new ApiError(400, "unknown_field", `${where}: unknown field(s) ${unknown.join(", ")}; allowed: ${shape(spec) || "none"}`);
    const out: Record<string, unknown> = {};
    for (const [name, f] of Object.entries(spec)) {
        if (given[name] === undefined) {
            if (f.required) throw new ApiError(400, "bad_request", `${where}: ${name} is required (${f.about}); fields: ${shape(spec)}`);
            continue;
        }
        try {
            out[name] = f.read(given[name], name);
        } catch (e) {
            if (e instanceof UsageError) throw new ApiError(400, f.code ?? "bad_request", e.message);
            throw e;
        }
    }
    return out as Fields<S>;
}

/** A request body: a JSON object holding only the declared fields. */
export function readBody<S extends Record<string, Field<unknown>>>(body: unknown, spec: S): Fields<S> {
    if (typeof body !== "object" || body === null || Array.isArray(body))
        throw new ApiError(400, "bad_request", `the body must be a JSON object: ${shape(spec)}`);
    return readAll(body as Record<string, unknown>, spec, "body");
}

/** A query string: each declared parameter at most once (a string), no other. */
export function readQuery<S extends Record<string, Field<unknown>>>(query: URLSearchParams, spec: S): Fields<S> {
    const given: Record<string, unknown> = {};
    for (const key of new Set(query.keys())) {
        const all = query.getAll(key);
        if (all.length > 1 && Object.hasOwn(spec, key)) throw new ApiError(400, "bad_request", `query: ${key} given ${all.length} times`);
        given[key] = all[0];
    }
    return readAll(given, spec, "query");
}
