// The REST API under /api/v1: each route reads and acts through the operations the commands
// call (tenants/: opening a tenant, the one container reader, making a tenant, restarting it,
// its logs), with typed arguments checked by the commands' own checks, so the API and the CLI
// cannot disagree, and an error carries the message the CLI would print.
import type { Context } from "../tenants/context";
import { connect, requireProject } from "../tenants/context";
import { databaseArg, domainArg, serviceArg, tailArg, tenantArg } from "../tenants/checks";
import { formatLogLine } from "../tenants/logStream";
import { readLogs, followLogs } from "../tenants/logs";
import { describeCredentials, newTenant } from "../tenants/newTenant";
import { isUnknown, openTenant, readHostWorkloads, targetContainers, unknownTenant } from "../tenants/open";
import { describeRestart, restartTenant } from "../tenants/restart";
import { tenantRows } from "../tenants/rows";
import { assessTenant } from "../tenants/status";
import { ConflictError } from "../tenants/errors";
import { readStackPins } from "../project/stackPins";
import { listStackFiles, stackFileName, stackNameOf } from "../project/stackFiles";
import { affectedStacks } from "../gitops/affected";
import { tenantNameProblem } from "../components/naming";
import { ApiError } from "./errors";
import type { LastBackups } from "./lastBackups";
import { portMap } from "./portMap";
import { readHostState } from "../ports/hostState";
import { hostFiles } from "../ports/lock";
import { DEFAULT_PORT_RANGES } from "../components/config";
import { DEFAULT_RESERVATION_TTL_MS, release, reservationRequest, reservations, reserve } from "./reservations";

export interface ApiCall {
    readonly method: string;
    readonly params: Readonly<Record<string, string>>;
    readonly query: URLSearchParams;
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
}

type Handler = (ctx: Context, call: ApiCall, state: ApiState) => Promise<Reply>;

interface Route {
    readonly method: string;
    readonly pattern: RegExp;
    readonly names: readonly string[];
    readonly handler: Handler;
}

function route(method: string, path: string, handler: Handler): Route {
    const names: string[] = [];
    const pattern = new RegExp(`^${path.replace(/\{(\w+)\}/g, (_, n: string) => (names.push(n), "([^/]+)"))}$`);
    return { method, pattern, names, handler };
}

/** A `{name}` in a path: a tenant name by the CLI's rules, or a 400 naming them. */
function tenantParam(call: ApiCall): string {
    const name = call.params.name;
    const problem = tenantNameProblem(name);
    if (problem) throw new ApiError(400, "bad_tenant_name", `tenant name "${name}": ${problem}`);
    return name;
}

export const ROUTES: readonly Route[] = [
    route("GET", "/api/v1/tenants", async (ctx, _call, state) => {
        const projectDir = requireProject(ctx);
        const engine = await connect(ctx);
        const [stacks, containers, backups] = await Promise.all([
            readStackPins(projectDir, { lenient: true }),
            readHostWorkloads(engine.docker),
            state.lastBackups(),
        ]);
        const domainsOf = (tenant: string) => stacks.find((f) => f.tenant === tenant && f.config)?.config?.domains ?? [];
        const tenants = tenantRows(stacks, containers).map((t) => ({
            ...t,
            domains: domainsOf(t.tenant),
            lastBackup: backups.last[t.tenant] ?? null,
        }));
        return { status: 200, body: { dockerHost: engine.host, tenants, ...(backups.problem ? { backups: backups.problem } : {}) } };
    }),
    route("POST", "/api/v1/tenants", async (ctx, call) => {
        // The page's form: a new tenant's stack file, written as `tenant new` writes it.
        const body = (await call.body()) as { name?: unknown; database?: unknown; domains?: unknown };
        if (typeof body !== "object" || body === null || typeof body.name !== "string")
            throw new ApiError(
                400,
                "bad_request",
                'the body must be {"name": "...", "database"?: "sqlite" | "postgres", "domains"?: [...]}',
            );
        if (body.database !== undefined && typeof body.database !== "string")
            throw new ApiError(400, "bad_request", 'database: must be "sqlite" or "postgres"');
        if (body.domains !== undefined && (!Array.isArray(body.domains) || body.domains.some((d) => typeof d !== "string")))
            throw new ApiError(400, "bad_request", "domains: must be a list of host names");
        const name = tenantArg(body.name, "name");
        const database = body.database === undefined ? undefined : databaseArg(body.database, "database");
        const domains = ((body.domains ?? []) as string[]).map((d, i) => domainArg(d, `domains[${i}]`));
        const notes: string[] = [];
        let made;
        try {
            made = await newTenant(ctx, { name, database, domains }, (l) => notes.push(l));
        } catch (e) {
            if (e instanceof ConflictError) throw new ApiError(409, "tenant_exists", e.message);
            throw e;
        }
        if (made.credentials) notes.push(describeCredentials(made.credentials));
        notes.push(`next: npm run deploy -- ${name}   (pulumi up, after checking config, Docker host and images)`);
        // What a pull request with this stack file would preview, by the rule CI's matrices use.
        const stacks = (await listStackFiles(requireProject(ctx))).map(stackNameOf);
        const affected = affectedStacks([stackFileName(name)], stacks, new Set());
        return {
            status: 201,
            body: {
                tenant: name,
                ports: made.resolution.ports,
                deploy: `npm run deploy -- ${name}`,
                affected: affected.stacks.map((s) => ({ stack: s, why: affected.reasons[s] })),
                notes,
            },
        };
    }),
    route("GET", "/api/v1/ports", async (ctx) => {
        const engine = await connect(ctx);
        const host = await readHostState({
            dockerHost: engine.host,
            projectDir: ctx.projectDir,
            docker: engine.docker,
            lenient: true,
            procRoot: ctx.procRoot,
            ledgerFile: hostFiles(engine.host, ctx.lockDir).ledger,
        });
        return {
            status: 200,
            body: { dockerHost: engine.host, listeners: host.listeners, ranges: portMap(DEFAULT_PORT_RANGES, host.holders) },
        };
    }),
    route("GET", "/api/v1/tenants/{name}", async (ctx, call, state) => {
        const t = await openTenant(ctx, tenantParam(call));
        if (isUnknown(t)) throw new ApiError(404, "unknown_tenant", (await unknownTenant(ctx, t.tenant, t.engine)).message);
        const status = assessTenant({
            tenant: t.tenant,
            host: t.engine.host,
            stackFile: t.stack?.file,
            stackConfig: t.stack?.config,
            containers: t.containers,
        });
        const domains = t.stack?.config["frontbase:domains"];
        const backups = await state.lastBackups();
        return {
            status: 200,
            body: {
                ...status,
                domains: domains ? (JSON.parse(domains) as string[]) : [],
                volumes: t.volumes.map((v) => v.Name),
                lastBackup: backups.last[t.tenant] ?? null,
            },
        };
    }),
    route("GET", "/api/v1/tenants/{name}/logs/stream", async (ctx, call) => {
        // `logs --follow` as server-sent events: one `line` event per log line, `end` when the containers stop.
        const t = await openTenant(ctx, tenantParam(call));
        if (isUnknown(t)) throw new ApiError(404, "unknown_tenant", (await unknownTenant(ctx, t.tenant, t.engine)).message);
        const tail = Number(call.query.get("tail") ?? "100");
        if (!Number.isInteger(tail) || tail < 0 || tail > 10_000)
            throw new ApiError(400, "bad_request", "tail: must be a whole number from 0 to 10000");
        const containers = t.containers.filter((c) => !c.job && (!call.query.get("service") || c.service === call.query.get("service")));
        if (containers.length === 0)
            throw new ApiError(
                404,
                "no_containers",
                `tenant "${t.tenant}" has no containers${call.query.get("service") ? ` for service ${call.query.get("service")}` : ""} on ${t.engine.host}`,
            );
        return {
            status: 200,
            events: async (send, signal) => {
                await Promise.all(
                    containers.map((c) =>
                        followLogs(
                            t.engine,
                            c,
                            tail,
                            (lines) =>
                                lines.forEach((l) => send("line", { service: l.service, stream: l.stream, time: l.time, text: l.text })),
                            signal,
                        ),
                    ),
                );
                send("end", { reason: "the containers' log streams ended" });
            },
        };
    }),
    route("POST", "/api/v1/tenants/{name}/restart", async (ctx, call) => {
        const results = await restartTenant(ctx, tenantParam(call));
        if (results.some((r) => !r.ok)) throw new ApiError(502, "restart_failed", results.map(describeRestart).join("\n"));
        return { status: 200, body: { restarted: results.map(describeRestart) } };
    }),
    route("GET", "/api/v1/tenants/{name}/logs", async (ctx, call) => {
        const tenant = tenantParam(call);
        const tail = tailArg(call.query.get("tail") ?? "200", "tail");
        const service = call.query.has("service") ? serviceArg(call.query.get("service")!, "service") : undefined;
        const t = await openTenant(ctx, tenant);
        const containers = await targetContainers(ctx, t, service, ", so no logs (is it deployed?)");
        const prefixWidth = containers.length > 1 ? Math.max(...containers.map((c) => c.service.length)) : undefined;
        const lines = await readLogs(t.engine, containers, tail);
        return { status: 200, body: { lines: lines.map((l) => formatLogLine(l, { prefixWidth })) } };
    }),
    route("POST", "/api/v1/reservations", async (ctx, call) => ({
        status: 201,
        body: await reserve(ctx, reservationRequest(await call.body(), DEFAULT_RESERVATION_TTL_MS)),
    })),
    route("GET", "/api/v1/reservations", async (ctx) => ({ status: 200, body: { reservations: await reservations(ctx) } })),
    route("DELETE", "/api/v1/reservations/{name}", async (ctx, call) => ({
        status: 200,
        body: { released: await release(ctx, tenantParam(call)) },
    })),
];

/** The route for a request: its handler and path parameters; 404 or 405 otherwise. */
export function match(method: string, path: string): { handler: Handler; params: Record<string, string> } {
    const candidates = ROUTES.filter((r) => r.pattern.test(path));
    if (candidates.length === 0) throw new ApiError(404, "not_found", `no API route ${path}; see docs/api.md`);
    const r = candidates.find((c) => c.method === method);
    if (!r)
        throw new ApiError(
            405,
            "method_not_allowed",
            `${method} is not allowed on ${path}; allowed: ${candidates.map((c) => c.method).join(", ")}`,
        );
    const m = r.pattern.exec(path)!;
    return { handler: r.handler, params: Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
}
