// What `stats` and the dashboard show: per tenant and service, CPU, memory, network, disk and
// restarts; and the host's figures: totals, the memory the tenants' limits commit against the
// host's, and how many more tenants of the default size fit. Pure: readings in, rows out
// (cli/ops/statsReport.ts renders the table; the figures' words are here, for the dashboard too).
import { DEFAULT_MEMORY } from "../components/defaults";
import { COMPOSE_SERVICE_LABEL, SERVICES, tenantOfLabels, volumeName } from "../components/naming";
import type { TenantContainer } from "../docker/containers";
import type { ContainerUsage, VolumeSize } from "./usage";

export interface ServiceStats {
    readonly service: string;
    /** Absent for a volume whose service has no container. */
    readonly container?: string;
    readonly state: string;
    readonly health: string;
    readonly restarts: number;
    readonly cpuPercent?: number;
    readonly memoryUsed?: number;
    readonly memoryLimit?: number;
    readonly network?: { readonly rx: number; readonly tx: number };
    readonly volume?: { readonly name: string; readonly bytes?: number };
}

export interface TenantStats {
    readonly tenant: string;
    readonly services: readonly ServiceStats[];
}

export interface HostStats {
    readonly dockerHost: string;
    readonly tenants: number;
    /** Tenant containers running (or restarting). */
    readonly running: number;
    readonly cpus: number;
    readonly cpuPercent: number;
    readonly memoryUsed: number;
    readonly memoryTotal: number;
    /** The sum of the memory limits of the running tenant containers. */
    readonly memoryCommitted: number;
    /** Running tenant containers without a limit: what they may take is not in `memoryCommitted`. */
    readonly unlimited: number;
    readonly diskBytes: number;
    /** A tenant of the default size: the limits of a sqlite tenant's services (components/defaults.ts). */
    readonly tenantSize: number;
    /** How many more tenants of that size the uncommitted memory holds. */
    readonly fits: number;
}

export interface Stats {
    readonly tenants: readonly TenantStats[];
    readonly host: HostStats;
    /** How usage was read (usage.ts). */
    readonly via: { readonly kernel: number; readonly engine: number };
}

const MIB = 1024 * 1024;

/** A sqlite tenant's limits with nothing overridden: every default but postgres'. */
export const DEFAULT_TENANT_BYTES = (Object.entries(DEFAULT_MEMORY) as [string, number][])
    .filter(([k]) => k !== "postgres")
    .reduce((n, [, mib]) => n + mib * MIB, 0);

const active = (c: TenantContainer) => c.job === undefined && (c.state === "running" || c.state === "restarting");

export interface StatsInput {
    readonly dockerHost: string;
    readonly containers: readonly TenantContainer[];
    readonly usage: ReadonlyMap<string, ContainerUsage>;
    readonly volumes: readonly VolumeSize[];
    readonly host: { readonly cpus: number; readonly memoryTotal: number };
    readonly via: Stats["via"];
}

export function buildStats(i: StatsInput): Stats {
    const workloads = i.containers.filter((c) => c.job === undefined);
    const names = [...new Set([...workloads.map((c) => c.tenant), ...i.volumes.map((v) => tenantOfLabels(v.labels) ?? "")])]
        .filter(Boolean)
        .sort();
    const tenants = names.map((tenant) => tenantStats(tenant, workloads, i));
    const all = tenants.flatMap((t) => t.services);
    const running = workloads.filter(active);
    const memoryCommitted = running.reduce((n, c) => n + limitOf(c, i.usage), 0);
    return {
        tenants,
        via: i.via,
        host: {
            dockerHost: i.dockerHost,
            tenants: tenants.length,
            running: running.length,
            cpus: i.host.cpus,
            cpuPercent: sum(all.map((s) => s.cpuPercent)),
            memoryUsed: sum(all.map((s) => s.memoryUsed)),
            memoryTotal: i.host.memoryTotal,
            memoryCommitted,
            unlimited: running.filter((c) => limitOf(c, i.usage) === 0).length,
            diskBytes: sum(all.map((s) => s.volume?.bytes)),
            tenantSize: DEFAULT_TENANT_BYTES,
            fits: Math.max(0, Math.floor((i.host.memoryTotal - memoryCommitted) / DEFAULT_TENANT_BYTES)),
        },
    };
}

function limitOf(c: TenantContainer, usage: StatsInput["usage"]): number {
    return c.memoryLimit ?? usage.get(c.id)?.memoryLimit ?? 0;
}

const sum = (xs: readonly (number | undefined)[]) => xs.reduce<number>((n, x) => n + (x ?? 0), 0);

function tenantStats(tenant: string, workloads: readonly TenantContainer[], i: StatsInput): TenantStats {
    const own = workloads.filter((c) => c.tenant === tenant);
    const volumes = i.volumes.filter((v) => tenantOfLabels(v.labels) === tenant);
    const serviceOf = (v: VolumeSize) => v.labels[COMPOSE_SERVICE_LABEL] ?? SERVICES.find((s) => volumeName(tenant, s) === v.name) ?? "?";
    const services: ServiceStats[] = own.map((c) => {
        const u = i.usage.get(c.id);
        const volume = volumes.find((v) => serviceOf(v) === c.service);
        return {
            service: c.service,
            container: c.name,
            state: c.state,
            health: c.health,
            restarts: c.restarts,
            ...(u && active(c) ? usageFields(u, c) : {}),
            ...(volume ? { volume: { name: volume.name, ...(volume.bytes !== undefined ? { bytes: volume.bytes } : {}) } } : {}),
        };
    });
    for (const v of volumes.filter((v) => !own.some((c) => c.service === serviceOf(v))))
        services.push({
            service: serviceOf(v),
            state: "no container",
            health: "none",
            restarts: 0,
            volume: { name: v.name, bytes: v.bytes },
        });
    return { tenant, services };
}

function usageFields(u: ContainerUsage, c: TenantContainer): Partial<ServiceStats> {
    const limit = c.memoryLimit ?? u.memoryLimit;
    return {
        ...(u.cpuPercent !== undefined ? { cpuPercent: u.cpuPercent } : {}),
        ...(u.memoryUsed !== undefined ? { memoryUsed: u.memoryUsed } : {}),
        ...(limit ? { memoryLimit: limit } : {}),
        ...(u.network ? { network: u.network } : {}),
    };
}

/** 0 B, 1023 B, 1.5 KiB, 12.3 MiB, 2.1 GiB. */
export function bytes(n: number | undefined): string {
    if (n === undefined) return "-";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
        n /= 1024;
        i++;
    }
    return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

export const percent = (x: number | undefined) => (x === undefined ? "-" : `${x.toFixed(1)}%`);

export function hostLine(h: HostStats): string {
    const share = h.memoryTotal > 0 ? ` (${((h.memoryCommitted / h.memoryTotal) * 100).toFixed(0)}%)` : "";
    const unlimited = h.unlimited > 0 ? `, and ${h.unlimited} running container(s) without a limit` : "";
    return [
        `host ${h.dockerHost}: ${h.tenants} tenant(s), ${h.running} container(s) running`,
        `CPU ${percent(h.cpuPercent)} of ${h.cpus * 100}% (${h.cpus} CPUs)`,
        `memory ${bytes(h.memoryUsed)} in use; limits commit ${bytes(h.memoryCommitted)} of ${bytes(h.memoryTotal)}${share}${unlimited}`,
        `disk ${bytes(h.diskBytes)} in volumes`,
        `room for ${h.fits} more tenant(s) of the default size (${bytes(h.tenantSize)} of limits each)`,
    ].join("; ");
}
