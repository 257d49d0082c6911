// Docker names and labels for one tenant. Pure: no Pulumi, no Docker.
//
// The names follow the design document's Docker Compose conventions on purpose, so that
// its operational commands (`docker compose ls`, `docker ps --filter label=...`,
// `docker volume rm tenant1_frontbase_backend_data`) keep working on Pulumi-made tenants.

/** Every service a tenant can run, in start order. */
export const SERVICES = ["postgres", "redis", "redis-http", "backend", "edge", "frontend"] as const;
export type ServiceName = (typeof SERVICES)[number];
/** The tenant's one-shot containers (components/jobs.ts). */
export type JobName = "redis-token";

/** Services that publish a host port, keyed as in the `frontbase:ports` config object. */
export const PORT_KEYS = ["backend", "edge", "frontend", "redisHttp"] as const;
export type PortKey = (typeof PORT_KEYS)[number];

/**
 * The second slot's host ports, for a tenant served through the host's proxy (components/slots.ts):
 * its backend, edge and frontend run in slot 1 or 2, and an update starts the other slot beside
 * the one that serves. `tenant new` pins them with the others (same ranges as their services).
 */
export const SLOT_PORT_KEYS = ["backend2", "edge2", "frontend2"] as const;
export type SlotPortKey = (typeof SLOT_PORT_KEYS)[number];
export type AnyPortKey = PortKey | SlotPortKey;
export const ALL_PORT_KEYS: readonly AnyPortKey[] = [...PORT_KEYS, ...SLOT_PORT_KEYS];

/** A tenant's host ports: the four, and the second slot's when it has one. */
export type TenantPorts = Record<PortKey, number> & Partial<Record<SlotPortKey, number>>;

export const SERVICE_OF_PORT: Record<AnyPortKey, ServiceName> = {
    backend: "backend",
    edge: "edge",
    frontend: "frontend",
    redisHttp: "redis-http",
    backend2: "backend",
    edge2: "edge",
    frontend2: "frontend",
};

/** `frontend2` -> `frontend`: the key whose range (`frontbase:portRanges`) a port key allocates from. */
export function baseKeyOf(key: AnyPortKey): PortKey {
    return key.endsWith("2") ? (key.slice(0, -1) as PortKey) : (key as PortKey);
}

/** A slot of a tenant's app services (backend, edge, frontend): 1, or 2 beside it during an update. */
export type Slot = 1 | 2;

/** The key of `key`'s port in `slot` (slot 1 uses the four keys as they are). */
export function slotPortKey(key: PortKey, slot: Slot): AnyPortKey {
    return slot === 2 && (SLOT_PORT_KEYS as readonly string[]).includes(`${key}2`) ? (`${key}2` as SlotPortKey) : key;
}

/** Labels of a tenant's app containers in slot mode: which slot, and the revision of the app tier they run. */
export const SLOT_LABEL = "frontbase.slot";
export const REVISION_LABEL = "frontbase.revision";

/** Label that marks every Docker object of a tenant; `tenant ls` and cleanup select by it. */
export const TENANT_LABEL = "frontbase.tenant";
export const COMPOSE_PROJECT_LABEL = "com.docker.compose.project";
export const COMPOSE_SERVICE_LABEL = "com.docker.compose.service";

export const TENANT_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
export const TENANT_NAME_MAX = 40;

/** Why `name` cannot be a tenant name, or undefined when it can. */
/** The stack named `proxy` is the host's proxy (stacks/proxy.ts), never a tenant. */
export const PROXY_STACK = "proxy";

export function tenantNameProblem(name: string): string | undefined {
    if (name.length === 0) return "must not be empty";
    if (name === PROXY_STACK)
        return `is the host's proxy stack (Pulumi.${PROXY_STACK}.yaml), not a tenant: npm run deploy -- ${PROXY_STACK} deploys it, npm run tenant -- verify ${PROXY_STACK} checks it`;
    if (name.length > TENANT_NAME_MAX) return `must be at most ${TENANT_NAME_MAX} characters (got ${name.length})`;
    if (!TENANT_NAME_PATTERN.test(name)) {
        return "must start with a lowercase letter and contain only lowercase letters, digits and '-'";
    }
    return undefined;
}

/** A swarm node's hostname (RFC 1123 labels) or its 25-character ID. */
export const NODE_NAME_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
export const NODE_NAME_RULE = "must be a swarm node's hostname or ID (letters, digits, . and -)";

/** `tenant1` -> `tenant1_frontbase`, the Compose project name. */
export function projectName(tenant: string): string {
    return `${tenant}_frontbase`;
}

/** Compose's `<project>-<service>-<n>`: n is the slot (1 unless a second slot runs beside it). */
export function containerName(tenant: string, service: ServiceName, slot: Slot = 1): string {
    return `${projectName(tenant)}-${service}-${slot}`;
}

/** A one-shot job's container (Compose marks such containers `oneoff`); in slot mode, one per slot. */
export function jobContainerName(tenant: string, job: string, slot?: Slot): string {
    return `${projectName(tenant)}-${job}-job${slot ? `-${slot}` : ""}`;
}

/** Labels that mark a tenant's one-shot job container. */
export const JOB_LABEL = "frontbase.job";
export const ONEOFF_LABEL = "com.docker.compose.oneoff";

export function networkName(tenant: string): string {
    return `${projectName(tenant)}_frontbase`;
}

/** A slot's own network: where its frontend's nginx resolves `backend` and `edge` to that slot's. */
export function slotNetworkName(tenant: string, slot: Slot): string {
    return `${projectName(tenant)}_slot${slot}`;
}

export function volumeName(tenant: string, service: ServiceName): string {
    return `${projectName(tenant)}_${service}_data`;
}

/** Labels for a tenant's object; `service` is omitted for objects shared by all services. */
export function labels(tenant: string, service?: ServiceName): Record<string, string> {
    const out: Record<string, string> = {
        [COMPOSE_PROJECT_LABEL]: projectName(tenant),
        [TENANT_LABEL]: tenant,
    };
    if (service) out[COMPOSE_SERVICE_LABEL] = service;
    return out;
}

/**
 * The tenant a Docker object belongs to, from its labels: `frontbase.tenant`, else the Compose
 * project of a tenant made by the old scripts. Tenant names contain no "_", so
 * "<tenant>_frontbase" maps back to exactly one tenant. Undefined for objects of no tenant.
 */
export function tenantOfLabels(labels: Readonly<Record<string, string>> | null | undefined): string | undefined {
    if (!labels) return undefined;
    if (labels[TENANT_LABEL]) return labels[TENANT_LABEL];
    return /^([a-z][a-z0-9-]*)_frontbase$/.exec(labels[COMPOSE_PROJECT_LABEL] ?? "")?.[1];
}

/** The TenantStack component's type token (declared here so that pure code can build URNs). */
export const TENANT_STACK_TYPE = "frontbase:index:TenantStack";

/** Logical (Pulumi) resource names: stable, prefixed by the component's name. */
export function logicalName(component: string, service: ServiceName | string, kind: string): string {
    return `${component}-${service}-${kind}`;
}

/** A service's address as printed next to it: `http://<publicHost>:<port>`, or "-" for none. */
export function url(publicHost: string, port: number | undefined): string {
    return port === undefined ? "-" : `http://${publicHost}:${port}`;
}
