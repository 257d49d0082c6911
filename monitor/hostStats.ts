// One reading of a Docker host for `stats`, the dashboard and `alerts`: its tenants' workloads
// (the one reader `ls` uses), their usage (usage.ts), the volumes' sizes and the host's CPUs and
// memory (`GET /info`).
import type { Context } from "../tenants/context";
import { readHostWorkloads } from "../tenants/open";
import type { Engine } from "../docker/dockerHost";
import { buildStats, Stats } from "./stats";
import { readUsage, readVolumeSizes } from "./usage";

/** Between the two CPU samples of a reading: `docker stats` samples its first figure over about 1 s too. */
export const CPU_WINDOW_MS = 1000;

export async function readHostStats(ctx: Context, engine: Engine, windowMs = CPU_WINDOW_MS): Promise<Stats> {
    const [info, containers, volumes] = await Promise.all([
        engine.docker.info() as Promise<{ NCPU?: number; MemTotal?: number }>,
        readHostWorkloads(engine.docker),
        readVolumeSizes(engine.docker),
    ]);
    const running = containers.filter((c) => c.id !== "" && c.job === undefined && c.state === "running");
    const { usage, via } = await readUsage(
        engine.docker,
        running.map((c) => c.id),
        { cgroupRoot: ctx.cgroupRoot, procRoot: ctx.procRoot, windowMs, sleep: ctx.sleep, now: ctx.now },
    );
    return buildStats({
        dockerHost: engine.host,
        containers,
        usage,
        volumes,
        host: { cpus: info.NCPU ?? 0, memoryTotal: info.MemTotal ?? 0 },
        via,
    });
}

/** The same reading with only one tenant's rows (the host line stays the host's). */
export function onlyTenant(s: Stats, tenant: string): Stats {
    return { ...s, tenants: s.tenants.filter((t) => t.tenant === tenant) };
}
