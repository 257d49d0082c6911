// The REST API under /api/v1: each route reads and acts through the operations the commands
// call (tenants/: opening a tenant, the one container reader, making a tenant, restarting it,
// its logs), with typed fields checked by the commands' own checks (dashboard/fields.ts), so
// the API and the CLI cannot disagree, and an error carries the message the CLI would print.
import { DEFAULT_PORT_RANGES } from "../components/config";
import { SERVICES } from "../components/naming";
import { affectedStacks } from "../gitops/affected";
import { readHostState } from "../ports/hostState";
import { hostFiles } from "../ports/lock";
import { listStackFiles, stackFileName, stackNameOf } from "../project/stackFiles";
import { readStackPins } from "../project/stackPins";
import { databaseArg, domainArg, integer, serviceArg, tailArg, tenantArg } from "../tenants/checks";
import { connect, requireProject } from "../tenants/context";
import { ConflictError } from "../tenants/errors";
import { readLogs, followLogs } from "../tenants/logs";
import { formatLogLine } from "../tenants/logStream";
import { describeCredentials, newTenant } from "../tenants/newTenant";
import { isUnknown, openTenant, readHostWorkloads, targetContainers, unknownTenant } from "../tenants/open";
import { describeRestart, restartTenant } from "../tenants/restart";
import { tenantRows } from "../tenants/rows";
import { assessOpenTenant } from "../tenants/status";
import { ApiError } from "./errors";
import { list, readBody, text } from "./fields";
import { portMap } from "./portMap";
import { DEFAULT_RESERVATION_TTL_MS, release, reservationRequest, reservations, reserve } from "./reservations";
import { dispatch, Route, route, tenantParam } from "./route";

export type { ApiCall, ApiState, Reply } from "./route";

const NEW_TENANT = {
    name: text(tenantArg, "the new tenant's name", { required: true, code: "bad_tenant_name" }),
    database: text(databaseArg, '"sqlite" or "postgres"'),
    domains: list(domainArg, "host names the proxy routes to it"),
};
const SERVICE = text(serviceArg, `one of ${SERVICES.join(", ")}`);
const LOGS = { tail: text(tailArg, 'a whole number or "all", default 200'), service: SERVICE };
const STREAM = { tail: text(integer(0, 10_000), "a whole number from 0 to 10000, default 100"), service: SERVICE };

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
        const { name, database, domains } = readBody(await call.body(), NEW_TENANT);
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
    // What `stats` shows, from the reading the dashboard takes every 15 s, with the last hour of each tenant's and the host's CPU and memory.
    route("GET", "/api/v1/stats", async (_ctx, _call, state) => ({ status: 200, body: await state.usage.view() })),
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
        const status = assessOpenTenant(t);
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
    route(
        "GET",
        "/api/v1/tenants/{name}/logs/stream",
        async (ctx, call) => {
            // `logs --follow` as server-sent events: one `line` event per log line, `end` when the containers stop.
            const t = await openTenant(ctx, tenantParam(call));
            if (isUnknown(t)) throw new ApiError(404, "unknown_tenant", (await unknownTenant(ctx, t.tenant, t.engine)).message);
            const { tail = 100, service } = call.query;
            const containers = t.containers.filter((c) => !c.job && (service === undefined || c.service === service));
            if (containers.length === 0)
                throw new ApiError(
                    404,
                    "no_containers",
                    `tenant "${t.tenant}" has no containers${service ? ` for service ${service}` : ""} on ${t.engine.host}`,
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
                                    lines.forEach((l) =>
                                        send("line", { service: l.service, stream: l.stream, time: l.time, text: l.text }),
                                    ),
                                signal,
                            ),
                        ),
                    );
                    send("end", { reason: "the containers' log streams ended" });
                },
            };
        },
        STREAM,
    ),
    route("POST", "/api/v1/tenants/{name}/restart", async (ctx, call) => {
        const results = await restartTenant(ctx, tenantParam(call));
        if (results.some((r) => !r.ok)) throw new ApiError(502, "restart_failed", results.map(describeRestart).join("\n"));
        return { status: 200, body: { restarted: results.map(describeRestart) } };
    }),
    route(
        "GET",
        "/api/v1/tenants/{name}/logs",
        async (ctx, call) => {
            const { tail = 200, service } = call.query;
            const t = await openTenant(ctx, tenantParam(call));
            const containers = await targetContainers(ctx, t, service, ", so no logs (is it deployed?)");
            const prefixWidth = containers.length > 1 ? Math.max(...containers.map((c) => c.service.length)) : undefined;
            const lines = await readLogs(t.engine, containers, tail);
            return { status: 200, body: { lines: lines.map((l) => formatLogLine(l, { prefixWidth })) } };
        },
        LOGS,
    ),
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

/** What the audit trail calls a change through the API: the CLI command it does, else `<method> <path>`. */
export function auditName(method: string, path: string): string {
    const names: Record<string, string> = {
        "POST /api/v1/tenants": "new",
        "POST /api/v1/tenants/{name}/restart": "restart",
        "POST /api/v1/reservations": "reserve",
        "DELETE /api/v1/reservations/{name}": "release",
    };
    return names[`${method} ${path}`] ?? `${method} ${path}`;
}

/** The route for a request: its handler, path parameters and query; 404, 405 or 400 otherwise. */
export function match(method: string, url: URL): ReturnType<typeof dispatch> {
    return dispatch(ROUTES, method, url);
}
