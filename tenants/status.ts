// A tenant's health as `status`, `verify` and the dashboard judge it, from its containers and
// stack file: each service's state, health, ports and URLs, and what is wrong. Pure.
import { SERVICE_OF_PORT, SERVICES, ServiceName, url } from "../components/naming";
import type { PortBinding, TenantContainer } from "../docker/containers";
import type { OpenTenant } from "./open";

export interface ServiceStatus {
    readonly service: string;
    /** Set for a one-shot job (see components/services.ts JobSpec). */
    readonly job?: string;
    /** Restarts by Docker's restart policy since the container was created. */
    readonly restarts?: number;
    /** Container name, or undefined when the service has no container (missing). */
    readonly container?: string;
    readonly state: string;
    readonly health: string;
    readonly ports: readonly string[];
    readonly urls: readonly string[];
    /** A swarm task's node. */
    readonly node?: string;
}

export interface TenantStatus {
    readonly tenant: string;
    readonly host: string;
    readonly stackFile?: string;
    readonly services: readonly ServiceStatus[];
    /**
     * Every expected service has a running container that is healthy or has no health check; for a
     * suspended tenant, no service runs (each is created, exited or, on a swarm, without a task).
     */
    readonly healthy: boolean;
    /** The stack file says `frontbase:suspended: true`. */
    readonly suspended: boolean;
    readonly problems: readonly string[];
}

/** Services a stack file deploys: postgres only with `frontbase:database: postgres`. */
export function expectedServices(stackConfig: Readonly<Record<string, string>> | undefined): ServiceName[] {
    if (!stackConfig) return [];
    return SERVICES.filter((s) => s !== "postgres" || stackConfig["frontbase:database"] === "postgres");
}

const PUBLISHED = new Set<string>(Object.values(SERVICE_OF_PORT));

export function formatPort(p: PortBinding): string {
    return `${p.hostIp}:${p.hostPort}->${p.containerPort}/${p.protocol}`;
}

/** An opened tenant (tenants/open.ts) judged as `status`, `verify` and the dashboard judge it. */
export function assessOpenTenant(t: Pick<OpenTenant, "tenant" | "engine" | "stack" | "containers">): TenantStatus {
    return assessTenant({
        tenant: t.tenant,
        host: t.engine.host,
        stackFile: t.stack?.file,
        stackConfig: t.stack?.config,
        containers: t.containers,
    });
}

export function assessTenant(args: {
    tenant: string;
    host: string;
    stackFile?: string;
    stackConfig?: Readonly<Record<string, string>>;
    containers: readonly TenantContainer[];
}): TenantStatus {
    const publicHost = args.stackConfig?.["frontbase:publicHost"] ?? "localhost";
    const suspended = isSuspended(args.stackConfig);
    const problems: string[] = [];
    const services: ServiceStatus[] = args.containers.map((c) => {
        // A job is fine while it runs and once it has exited with 0; it has no health check.
        // Suspended: a service is fine when it does not run, a job also when never started.
        const ok =
            c.job !== undefined
                ? c.state === "running" || (c.state === "exited" && c.exitCode === 0) || (suspended && c.state === "created")
                : suspended
                  ? c.state !== "running"
                  : c.state === "running" && (c.health === "healthy" || c.health === "none");
        const restarted = c.restarts > 0 ? ` (restarted ${c.restarts} times)` : "";
        const why = c.error ? ` (${c.error})` : "";
        if (!ok && suspended && c.job === undefined)
            problems.push(`${c.service}: running, but the stack file says suspended (not deployed yet: npm run deploy -- <stack>)`);
        else if (!ok)
            problems.push(
                c.job !== undefined
                    ? `${c.service}: ${c.state}, exit code ${c.exitCode}`
                    : `${c.service}: ${c.state}${c.health === "none" ? "" : `, ${c.health}`}${restarted}${why}`,
            );
        return {
            service: c.service,
            job: c.job,
            restarts: c.restarts,
            container: c.name,
            state: c.job !== undefined && c.state === "exited" ? `exited (${c.exitCode})` : c.state,
            health: c.health === "none" ? "-" : c.health,
            ports: c.ports.map(formatPort),
            urls: PUBLISHED.has(c.service) ? c.ports.map((p) => url(publicHost, p.hostPort)) : [],
            ...(c.node ? { node: c.node } : {}),
        };
    });
    const present = new Set(args.containers.map((c) => c.service));
    for (const s of expectedServices(args.stackConfig)) {
        if (present.has(s)) continue;
        if (!suspended) problems.push(`${s}: no container`);
        services.push({ service: s, state: "missing", health: "-", ports: [], urls: [] });
    }
    return {
        tenant: args.tenant,
        host: args.host,
        stackFile: args.stackFile,
        services,
        healthy: problems.length === 0,
        suspended,
        problems,
    };
}

/** Whether a stack file's config suspends its tenant (`frontbase:suspended: true`, as Pulumi hands it over). */
export function isSuspended(stackConfig: Readonly<Record<string, string>> | undefined): boolean {
    return stackConfig?.["frontbase:suspended"] === "true";
}
