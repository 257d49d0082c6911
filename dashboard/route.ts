// The shape of the API's routes: a method, a path with `{name}` parameters, the query it takes
// (declared, so anything else is a 400; dashboard/fields.ts) and a handler; and the dispatch of a
// request to one, with its path decoded (a malformed escape is the client's error, 400).
import type { Context } from "../tenants/context";
import { tenantArg } from "../tenants/checks";
import { UsageError } from "../tenants/errors";
import { ApiError } from "./errors";
import { Field, Fields, readQuery } from "./fields";
import type { LastBackups } from "./lastBackups";
import type { UsageSampler } from "./usageHistory";

export interface ApiCall<Q = Record<string, unknown>> {
    readonly method: string;
    readonly params: Readonly<Record<string, string>>;
    /** The query, read against the route's declaration. */
    readonly query: Q;
    /** The JSON body; a 400 when it is not JSON. */
    body(): Promise<unknown>;
}

export interface Reply {
    readonly status: number;
    readonly body?: unknown;
    /** A long answer written as server-sent events until it ends or the client goes (the signal aborts). */
    readonly events?: (send: (event: string, data: unknown) => void, signal: AbortSignal) => Promise<void>;
}

/** What the server keeps between calls. */
export interface ApiState {
    readonly lastBackups: () => Promise<LastBackups>;
    /** The usage readings of the last hour (usageHistory.ts). */
    readonly usage: UsageSampler;
}

type Handler<Q> = (ctx: Context, call: ApiCall<Q>, state: ApiState) => Promise<Reply>;

export interface Route {
    readonly method: string;
    readonly path: string;
    readonly pattern: RegExp;
    readonly names: readonly string[];
    readonly query: Record<string, Field<unknown>>;
    readonly handler: Handler<Record<string, unknown>>;
}

export function route<const Q extends Record<string, Field<unknown>> = Record<never, Field<unknown>>>(
    method: string,
    path: string,
    handler: Handler<Fields<Q>>,
    query?: Q,
): Route {
    const names: string[] = [];
    const pattern = new RegExp(`^${path.replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), "([^/]+)"))}$`);
    return { method, path, pattern, names, query: query ?? {}, handler: handler as Route["handler"] };
}

/** A `{name}` in a path: a tenant name by the CLI's rules, or a 400 naming them. */
export function tenantParam(call: ApiCall<unknown>): string {
    try {
        return tenantArg(call.params.name, "tenant name");
    } catch (e) {
        if (e instanceof UsageError) throw new ApiError(400, "bad_tenant_name", e.message);
        throw e;
    }
}

/** The route for a request, its path parameters decoded and its query read; 404, 405 or 400 otherwise. */
export function dispatch(
    routes: readonly Route[],
    method: string,
    url: URL,
): { handler: Route["handler"]; params: Record<string, string>; query: Record<string, unknown>; path: string } {
    const path = url.pathname;
    const candidates = routes.filter((r) => r.pattern.test(path));
    if (candidates.length === 0) throw new ApiError(404, "not_found", `no API route ${path}; see docs/api.md`);
    const r = candidates.find((c) => c.method === method);
    if (!r)
        throw new ApiError(
            405,
            "method_not_allowed",
            `${method} is not allowed on ${path}; allowed: ${candidates.map((c) => c.method).join(", ")}`,
        );
    const m = r.pattern.exec(path)!;
    const params = Object.fromEntries(r.names.map((n, i) => [n, decodePart(m[i + 1], n)]));
    return { handler: r.handler, params, query: readQuery(url.searchParams, r.query), path: r.path };
}

function decodePart(text: string, name: string): string {
    try {
        return decodeURIComponent(text);
    } catch {
        throw new ApiError(400, "bad_path", `the path's {${name}} "${text}" is not valid percent-encoding (URI malformed)`);
    }
}
