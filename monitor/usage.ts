// What a Docker host's containers use right now, read once per call (docs/monitoring.md has the
// measurements behind the choice):
// - CPU, memory and network from this machine's kernel (cgroups.ts), two samples a window apart
//   for CPU: no Engine request at all, about 3 ms for 20 containers;
// - volume sizes from one `GET /system/df`;
// - only for a container whose cgroup is not on this machine (a remote Docker host), the Engine's
//   `GET /containers/{id}/stats?stream=false`, which costs the Engine about 1 s per container
//   (2.2 s for 20 in parallel): said in the output, never the default on a local host.
import type Docker from "dockerode";
import { mapBounded } from "../docker/containers";
import { CGROUP_ROOT, findCgroup, memoryWithoutCache, readCpuNs, readKernelSample } from "./cgroups";

export interface ContainerUsage {
    /** Of one CPU: 200 is two CPUs fully busy (as `docker stats` shows it). */
    readonly cpuPercent?: number;
    readonly memoryUsed?: number;
    readonly memoryLimit?: number;
    readonly network?: { readonly rx: number; readonly tx: number };
}

export interface UsageRead {
    /** By container ID. */
    readonly usage: ReadonlyMap<string, ContainerUsage>;
    /** How many containers were read from this machine's kernel, and how many through the Engine's per-container stats. */
    readonly via: { readonly kernel: number; readonly engine: number };
}

export interface UsageOptions {
    readonly cgroupRoot?: string;
    readonly procRoot: string;
    /** Between the two CPU samples. */
    readonly windowMs: number;
    readonly sleep: (ms: number) => Promise<void>;
    readonly now: () => number;
}

/** CPU % between two readings of the CPU time (ns) `ms` apart. */
export function cpuPercent(a: number, b: number, ms: number): number | undefined {
    if (ms <= 0 || b < a) return undefined;
    return ((b - a) / (ms * 1e6)) * 100;
}

export async function readUsage(docker: Docker, ids: readonly string[], o: UsageOptions): Promise<UsageRead> {
    const roots = { cgroup: o.cgroupRoot ?? CGROUP_ROOT, proc: o.procRoot };
    const groups = ids.map((id) => findCgroup(id, roots));
    const t0 = o.now();
    const first = groups.map((g) => g && readCpuNs(g));
    if (groups.some((g) => g !== undefined)) await o.sleep(o.windowMs);
    const ms = o.now() - t0;
    const usage = new Map<string, ContainerUsage>();
    const remote: string[] = [];
    ids.forEach((id, i) => {
        const g = groups[i];
        const b = g && readKernelSample(g, roots);
        if (!b || first[i] === undefined) return void remote.push(id);
        usage.set(id, {
            cpuPercent: cpuPercent(first[i]!, b.cpuNs, ms),
            memoryUsed: b.memoryUsed,
            ...(b.memoryLimit ? { memoryLimit: b.memoryLimit } : {}),
            ...(b.network ? { network: b.network } : {}),
        });
    });
    const fromEngine = await mapBounded(remote, (id) => engineUsage(docker, id), 8);
    remote.forEach((id, i) => fromEngine[i] && usage.set(id, fromEngine[i]!));
    return { usage, via: { kernel: ids.length - remote.length, engine: remote.length } };
}

interface EngineStats {
    readonly cpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number; online_cpus?: number };
    readonly precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
    readonly memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
    readonly networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

/**
 * One container's usage through the Engine, computed as the Docker CLI does (docker/cli
 * cli/command/container/stats_helpers.go `calculateCPUPercentUnix`, `calculateMemUsageUnixNoCache`);
 * undefined for a container that went away or does not run.
 */
export async function engineUsage(docker: Docker, id: string): Promise<ContainerUsage | undefined> {
    let s: EngineStats;
    try {
        s = (await docker.getContainer(id).stats({ stream: false })) as EngineStats;
    } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return undefined;
        throw e;
    }
    return usageOfEngineStats(s);
}

export function usageOfEngineStats(s: EngineStats): ContainerUsage | undefined {
    const m = s.memory_stats;
    if (m?.usage === undefined) return undefined;
    const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
    const systemDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
    const cpus = s.cpu_stats?.online_cpus ?? 1;
    const nets = Object.values(s.networks ?? {});
    return {
        cpuPercent: systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cpus * 100 : 0,
        memoryUsed: memoryWithoutCache(m.usage, m.stats ?? {}),
        ...(m.limit ? { memoryLimit: m.limit } : {}),
        network: { rx: nets.reduce((n, x) => n + (x.rx_bytes ?? 0), 0), tx: nets.reduce((n, x) => n + (x.tx_bytes ?? 0), 0) },
    };
}

export interface VolumeSize {
    readonly name: string;
    readonly labels: Readonly<Record<string, string>>;
    /** Undefined when the Engine did not compute it. */
    readonly bytes?: number;
}

/** Every volume with its size, from one `GET /system/df` (`type=volume` lets an Engine of API 1.42+ skip images and containers). */
export async function readVolumeSizes(docker: Docker): Promise<VolumeSize[]> {
    type Df = { Volumes?: { Name: string; Labels: Record<string, string> | null; UsageData?: { Size?: number } | null }[] | null };
    const df = await new Promise<Df>((resolve, reject) =>
        docker.modem.dial(
            { path: "/system/df?", method: "GET", options: { type: "volume" }, statusCodes: { 200: true, 500: "server error" } },
            (err: unknown, data: unknown) => (err ? reject(err) : resolve(data as Df)),
        ),
    );
    return (df.Volumes ?? []).map((v) => ({
        name: v.Name,
        labels: v.Labels ?? {},
        ...(v.UsageData?.Size !== undefined && v.UsageData.Size >= 0 ? { bytes: v.UsageData.Size } : {}),
    }));
}
