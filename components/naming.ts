// Docker names and labels for one tenant. Pure: no Pulumi, no Docker.
//
// The names follow the design document's Docker Compose conventions on purpose, so that
// its operational commands (`docker compose ls`, `docker ps --filter label=...`,
// `docker volume rm tenant1_frontbase_backend_data`) keep working on Pulumi-made tenants.

/** Every service a tenant can run, in start order. */
export const SERVICES = ["postgres", "redis", "redis-http", "backend", "edge", "frontend"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Services that publish a host port, keyed as in the `frontbase:ports` config object. */
export const PORT_KEYS = ["backend", "edge", "frontend", "redisHttp"] as const;
export type PortKey = (typeof PORT_KEYS)[number];

export const SERVICE_OF_PORT: Record<PortKey, ServiceName> = {
    backend: "backend",
    edge: "edge",
    frontend: "frontend",
    redisHttp: "redis-http",
};

/** Label that marks every Docker object of a tenant; `tenant ls` and cleanup select by it. */
export const TENANT_LABEL = "frontbase.tenant";
export const COMPOSE_PROJECT_LABEL = "com.docker.compose.project";
export const COMPOSE_SERVICE_LABEL = "com.docker.compose.service";

export const TENANT_NAME_PATTERN = /^[a-z][a-z0-9-]*$/;
export const TENANT_NAME_MAX = 40;

/** Why `name` cannot be a tenant name, or undefined when it can. */
export function tenantNameProblem(name: string): string | undefined {
    if (name.length === 0) return "must not be empty";
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

export function containerName(tenant: string, service: ServiceName): string {
    return `${projectName(tenant)}-${service}-1`;
}

/** A one-shot job's container (Compose marks such containers `oneoff`). */
export function jobContainerName(tenant: string, job: string): string {
    return `${projectName(tenant)}-${job}-job`;
}

/** Labels that mark a tenant's one-shot job container. */
export const JOB_LABEL = "frontbase.job";
export const ONEOFF_LABEL = "com.docker.compose.oneoff";

export function networkName(tenant: string): string {
    return `${projectName(tenant)}_frontbase`;
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
