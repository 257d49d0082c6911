// What the Docker Engine says about a tenant's containers and volumes: the one reader of them,
// shared by `ls`, `status`, `logs`, `restart`, `purge`, `nginx` and `verify`, so that no two
// commands can disagree about one container. The selection is pure (tested with tables); the
// reading goes through the Engine API, never through `docker` CLI output.
//
// State and health come from an inspect (`State.Status`, `State.Health.Status`), never from
// the list's human-readable `Status` text ("Up 5 minutes (healthy)").
//
// A tenant's objects carry the label `frontbase.tenant=<tenant>`. Objects made by the design
// document's Compose scripts carry only `com.docker.compose.project=<tenant>_frontbase`; they
// are the tenant's too, so that the commands also work on tenants not yet migrated.
import type Docker from "dockerode";
import {
    COMPOSE_SERVICE_LABEL,
    JOB_LABEL,
    REVISION_LABEL,
    SERVICES,
    Slot,
    SLOT_LABEL,
    tenantOfLabels,
    volumeName,
} from "../components/naming";

/** One entry of a container's `HostConfig.PortBindings`: configured, so known for stopped containers too. */
export interface PortBinding {
    /** As configured: "" means every address. */
    readonly hostIp: string;
    readonly hostPort: number;
    readonly containerPort: number;
    readonly protocol: string;
}

/** `HostConfig.PortBindings` as the Engine API returns it. */
export type EngineBindings = Record<string, readonly { HostIp?: string; HostPort?: string }[] | null>;

/**
 * `{"80/tcp": [{HostIp, HostPort}]}` -> one entry per binding with a host port, every protocol,
 * in the Engine's order. An empty HostPort is Docker's pick at start, not a reservation.
 */
export function configuredBindings(bindings: EngineBindings | null | undefined): PortBinding[] {
    const out: PortBinding[] = [];
    for (const [spec, list] of Object.entries(bindings ?? {})) {
        const [containerPort, protocol = "tcp"] = spec.split("/");
        for (const b of list ?? []) {
            const hostPort = Number(b.HostPort);
            if (Number.isInteger(hostPort) && hostPort > 0)
                out.push({ hostIp: b.HostIp ?? "", hostPort, containerPort: Number(containerPort), protocol });
        }
    }
    return out;
}

/** Configured bindings as the commands show them: every address spelled 0.0.0.0 (as Docker lists it), by host port. */
export function portBindings(bindings: EngineBindings | null | undefined): PortBinding[] {
    return configuredBindings(bindings)
        .map((b) => ({ ...b, hostIp: b.hostIp || "0.0.0.0" }))
        .sort((a, b) => a.hostPort - b.hostPort);
}

type Labels = Readonly<Record<string, string>> | null | undefined;

export function selectContainers<T extends { Labels: Labels }>(all: readonly T[], tenant: string): T[] {
    return all.filter((c) => tenantOfLabels(c.Labels) === tenant);
}

/** The tenant's volumes: by label, or by the exact name the tenant's stack gives them (unlabelled only). */
export function selectVolumes<T extends { Name: string; Labels: Labels }>(all: readonly T[], tenant: string): T[] {
    const names = new Set(SERVICES.map((s) => volumeName(tenant, s)));
    return all.filter((v) => {
        const owner = tenantOfLabels(v.Labels);
        return owner === tenant || (owner === undefined && names.has(v.Name));
    });
}

export type Health = "healthy" | "unhealthy" | "starting" | "none";

export interface TenantContainer {
    readonly id: string;
    readonly name: string;
    readonly tenant: string;
    /** Compose service label (`backend`, `redis-http`, ...), `<job> (job)` for a job, or "?" when the label is missing. */
    readonly service: string;
    /** `running`, `exited`, `created`, `paused`, `restarting`, `dead`. */
    readonly state: string;
    /** From `State.Health`; "none" when the container has no health check. */
    readonly health: Health;
    readonly ports: readonly PortBinding[];
    /** A TTY container's log stream is raw, not multiplexed. */
    readonly tty: boolean;
    /** How often Docker restarted it (its restart policy): a crash loop shows as "starting" health. */
    readonly restarts: number;
    /** Set for a one-shot job's container (`frontbase.job`): done when exited with code 0. */
    readonly job?: string;
    readonly exitCode?: number;
    /** The image's id (`sha256:...`). */
    readonly image?: string;
    /** A swarm task: the image reference its service runs (the manager cannot see a node's image IDs). */
    readonly imageRef?: string;
    /** A swarm task: the node it runs on (its hostname). */
    readonly node?: string;
    /** A swarm task: why it failed or was rejected, as the manager says. */
    readonly error?: string;
    /** An app container (or job) of a tenant with two slots: its slot and the tier's revision (components/slots.ts). */
    readonly slot?: Slot;
    readonly revision?: string;
    /** When it was created (ms since the epoch). */
    readonly created?: number;
    /** Its memory limit in bytes (`HostConfig.Memory`); absent when it has none. */
    readonly memoryLimit?: number;
    /** Since when it is in `state`: `State.StartedAt` while it runs, else `State.FinishedAt` (ISO); absent when never. */
    readonly stateSince?: string;
}

export function toTenantContainer(i: Docker.ContainerInspectInfo): TenantContainer {
    const labels = i.Config?.Labels ?? {};
    const health = (i.State.Health?.Status ?? "none") as Health;
    return {
        id: i.Id,
        name: i.Name.replace(/^\//, ""),
        tenant: tenantOfLabels(labels) ?? "",
        service: labels[COMPOSE_SERVICE_LABEL] ?? (labels[JOB_LABEL] ? `${labels[JOB_LABEL]} (job)` : "?"),
        ...(labels[JOB_LABEL] ? { job: labels[JOB_LABEL], exitCode: i.State.ExitCode } : {}),
        state: i.State.Status,
        health: ["healthy", "unhealthy", "starting"].includes(health) ? health : "none",
        ports: portBindings(i.HostConfig?.PortBindings),
        tty: i.Config?.Tty === true,
        restarts: (i as { RestartCount?: number }).RestartCount ?? 0,
        image: i.Image,
        ...(labels[SLOT_LABEL] === "1" || labels[SLOT_LABEL] === "2" ? { slot: Number(labels[SLOT_LABEL]) as Slot } : {}),
        ...(labels[REVISION_LABEL] ? { revision: labels[REVISION_LABEL] } : {}),
        ...(i.Created ? { created: Date.parse(i.Created) } : {}),
        ...(i.HostConfig?.Memory ? { memoryLimit: i.HostConfig.Memory } : {}),
        ...since(i.State),
    };
}

/** Docker writes 0001-01-01T00:00:00Z for a time that never was. */
function since(s: Docker.ContainerInspectInfo["State"]): { stateSince?: string } {
    const t = s.Running || s.Status === "restarting" ? s.StartedAt : s.FinishedAt;
    return t && !t.startsWith("0001-") ? { stateSince: t } : {};
}

/** Order containers as the services start (postgres ... frontend), unknown services last. */
export function byServiceOrder<T extends { service: string; name: string }>(list: readonly T[]): T[] {
    const rank = (s: string) => ((SERVICES as readonly string[]).includes(s) ? SERVICES.indexOf(s as never) : SERVICES.length);
    return [...list].sort((a, b) => rank(a.service) - rank(b.service) || a.name.localeCompare(b.name));
}

/** Parallel inspects, bounded so a host with hundreds of containers is not flooded. */
const INSPECT_CONCURRENCY = 16;

/** `fn` over `items` with at most `limit` calls in flight; results in the items' order. */
export async function mapBounded<T, R>(items: readonly T[], fn: (item: T) => Promise<R>, limit = INSPECT_CONCURRENCY): Promise<R[]> {
    const out: R[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]);
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return out;
}

/** Inspect, or undefined when the object went away since it was listed (404). */
export async function unlessGone<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
        return await read();
    } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return undefined;
        throw e;
    }
}

/** One tenant's containers, or every tenant's when `tenant` is omitted; in start order. */
export async function readTenantContainers(docker: Docker, tenant?: string): Promise<TenantContainer[]> {
    const all = await docker.listContainers({ all: true });
    const listed = tenant === undefined ? all.filter((c) => tenantOfLabels(c.Labels) !== undefined) : selectContainers(all, tenant);
    const inspected = await mapBounded(listed, (c) => unlessGone(() => docker.getContainer(c.Id).inspect()));
    return byServiceOrder(inspected.filter((i) => i !== undefined).map(toTenantContainer));
}

export async function readTenantVolumes(docker: Docker, tenant: string): Promise<Docker.VolumeInspectInfo[]> {
    const { Volumes } = await docker.listVolumes();
    return selectVolumes(Volumes ?? [], tenant).sort((a, b) => a.Name.localeCompare(b.Name));
}

/** The names of the tenant's volumes on this Docker host (its kept data). */
export async function tenantVolumeNames(docker: Docker, tenant: string): Promise<ReadonlySet<string>> {
    return new Set((await readTenantVolumes(docker, tenant)).map((v) => v.Name));
}
