// What a swarm tenant's services are made of, as plain data: names, durations, resources and
// policies in the exact forms the Docker provider reads back (docs/swarm-audit.md), so an
// untouched tenant shows no diff. Pure: no Pulumi import.
import { PublishMode, TenantConfig } from "../config";
import { projectName, ServiceName } from "../naming";
import { goDuration, Healthcheck } from "../healthChecks";

/** `tenant1` + `backend` -> `tenant1_frontbase_backend`, the way `docker stack deploy` names a stack's services. */
export function swarmServiceName(tenant: string, service: ServiceName): string {
    return `${projectName(tenant)}_${service}`;
}

/** Label on a swarm tenant's services and task containers: the node it is pinned to. */
export const NODE_LABEL = "frontbase.node";

/**
 * Go's `time.Duration.String()` text -> the provider's `shortDur` (upstream
 * resource_docker_service_structures.go `shortDur`): a trailing "m0s" becomes "m", then a
 * trailing "h0m" becomes "h". Read writes every service duration in this form, so any other
 * spelling ("1m0s", "60s") is a diff on every run.
 */
export function shortDur(goText: string): string {
    let s = goText;
    if (s.endsWith("m0s")) s = s.slice(0, -2);
    if (s.endsWith("h0m")) s = s.slice(0, -2);
    return s;
}

/** Seconds -> the provider's short duration text ("1m", "1m30s", "20s", "0s"). */
export function seconds(n: number): string {
    return shortDur(goDuration(n));
}

/** A container health check in the service's form: the same test, durations in shortDur. */
export function serviceHealthcheck(h: Healthcheck) {
    return {
        tests: [...h.tests],
        interval: shortDur(h.interval),
        timeout: shortDur(h.timeout),
        retries: h.retries,
        startPeriod: shortDur(h.startPeriod),
    };
}

/** The node the tenant is pinned to, as the manager reported it when the program ran. */
export interface PlacedNode {
    readonly id: string;
    readonly hostname: string;
    /** The placement constraint (`nodeConstraint`). */
    readonly constraint: string;
    /** Published through the routing mesh (`publishMode: ingress`): its ports are every node's. */
    readonly ingress?: boolean;
}

/** Where the tenant's tasks may run: its node, by ID when the stack names it by ID, else by hostname. */
export function nodeConstraint(node: { readonly id: string; readonly hostname: string }, named: string): string {
    return named === node.id ? `node.id==${node.id}` : `node.hostname==${node.hostname}`;
}

const MIB = 1024 * 1024;

/**
 * Memory as the provider takes it (bytes; it reads back the same integers). The reservation
 * equals the limit: the scheduler places a tenant only where all of its memory is free, and
 * a node is never promised more than it has.
 */
export function serviceResources(cfg: Pick<TenantConfig, "memory">, imageKey: keyof TenantConfig["memory"]) {
    const bytes = cfg.memory[imageKey] * MIB;
    return { limits: { memoryBytes: bytes }, reservation: { memoryBytes: bytes } };
}

/** The whole tenant's memory reservation, in bytes (what placement and the capacity check count). */
export function tenantReservationBytes(cfg: Pick<TenantConfig, "memory" | "database">): number {
    const keys: (keyof TenantConfig["memory"])[] = [
        "backend",
        "edge",
        "frontend",
        "redis",
        "redisHttp",
        ...(cfg.database === "postgres" ? (["postgres"] as const) : []),
    ];
    return keys.reduce((sum, k) => sum + cfg.memory[k] * MIB, 0);
}

/**
 * Restarted whatever the exit, 5 s apart. All three fields are set: the provider sends 0 for
 * an unset delay or window and reads them back as "0s", and an unset condition reads back as
 * "any" (createRestartPolicy / flattenTaskRestartPolicy): a diff on every run otherwise.
 */
export const RESTART_POLICY = { condition: "any", delay: "5s", window: "0s" } as const;

/**
 * One task at a time, the old one stopped first: a tenant's data volume must never have two
 * writers (start-first would run both against one sqlite file). Every field is set, each in
 * the form flattenServiceUpdateOrRollbackConfig reads back (maxFailureRatio with one decimal).
 */
export const UPDATE_CONFIG = {
    parallelism: 1,
    delay: "0s",
    failureAction: "pause",
    monitor: "5s",
    maxFailureRatio: "0.0",
    order: "stop-first",
} as const;

/** The provider's wait after create (its converge config): tasks running, and healthy where checked. */
export function convergeConfig(waitTimeoutSeconds: number) {
    return { delay: "2s", timeout: seconds(waitTimeoutSeconds) };
}

/**
 * How a service is reached. `host` (the default): its port on its node only, and its name by DNS
 * round robin (`dnsrr`), which needs no IPVS. `ingress`: the routing mesh publishes the port on
 * every node and balances through the service's virtual IP; swarmkit refuses an ingress port on
 * a `dnsrr` service ("port published with ingress mode can't be used with dnsrr mode",
 * manager/controlapi/service.go validateEndpointSpec), so a published service gets `vip`. Both
 * the mesh and a virtual IP need IPVS on every node. A service without a port stays `dnsrr`.
 */
export function endpointSpec(mode: PublishMode, port?: { readonly target: number; readonly published: number }) {
    if (!port) return { mode: "dnsrr", ports: [] };
    return {
        mode: mode === "ingress" ? "vip" : "dnsrr",
        ports: [{ targetPort: port.target, publishedPort: port.published, publishMode: mode, protocol: "tcp" }],
    };
}
