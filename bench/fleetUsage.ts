// What the fleet bench (bench/fleet.ts) reads off the host while tenants sit idle, and how it
// splits the host's CPU: the containers' own cgroups, by service, and what is spent outside them
// (dockerd, containerd, the shims and runc starting each health check's process), against a
// baseline measured before any tenant ran. Pure: the callers read /proc/stat and the cgroups.

/** /proc/stat's first line -> busy and total jiffies (all CPUs; iowait counts as idle, steal as busy). */
export function hostJiffies(procStat: string): { busy: number; total: number } {
    const line = procStat.split("\n").find((l) => l.startsWith("cpu "));
    if (!line) throw new Error("/proc/stat has no cpu line");
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    const busy = user + nice + system + irq + softirq + (steal ?? 0);
    return { busy, total: busy + idle + (iowait ?? 0) };
}

/** /proc/meminfo -> bytes in use (MemTotal - MemAvailable), as `free` counts "used" plus what cannot be dropped. */
export function hostMemoryUsed(meminfo: string): number {
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(meminfo)?.[1] ?? NaN);
    return (kb("MemTotal") - kb("MemAvailable")) * 1024;
}

export interface ContainerUsage {
    readonly service: string;
    /** CPU time used in the window, in nanoseconds. */
    readonly cpuNs: number;
    /** Memory at the window's end, bytes (without the droppable page cache). */
    readonly memory: number;
    /** Health probes Docker ran in the window (window / interval), 0 without a check. */
    readonly probes: number;
}

export interface IdleSplit {
    readonly tenants: number;
    readonly seconds: number;
    /** Percent of one core, per tenant: what the host spent above its baseline (at least the containers' own), divided by the tenants. */
    readonly perTenant: number;
    /** Percent of one core per tenant, by service: the service's cgroup (its health check's process included). */
    readonly byService: Record<string, number>;
    /** Percent of one core per tenant spent outside every container (the health checks' exec machinery). */
    readonly outside: number;
    /** Health probes per tenant per minute, and the outside CPU per probe in ms (0 probes: undefined). */
    readonly probesPerMinute: number;
    readonly msPerProbe?: number;
    /** Memory per tenant, MiB, and by service. */
    readonly memoryMiB: number;
    readonly memoryByService: Record<string, number>;
}

/**
 * `busyCores` is the host's busy time in the window in core-seconds, `baselineCores` the same for
 * an equally long window before any tenant ran (what the machine spends on its own).
 */
export function idleSplit(o: {
    readonly tenants: number;
    readonly seconds: number;
    readonly busyCoreSeconds: number;
    readonly baselineCoreSeconds: number;
    readonly containers: readonly ContainerUsage[];
}): IdleSplit {
    if (o.tenants < 1 || o.seconds <= 0) throw new Error("idleSplit: needs at least one tenant and a window");
    const pct = (coreSeconds: number) => (coreSeconds / o.seconds / o.tenants) * 100;
    const byService: Record<string, number> = {};
    const memoryByService: Record<string, number> = {};
    let inside = 0;
    let probes = 0;
    let memory = 0;
    for (const c of o.containers) {
        const s = c.cpuNs / 1e9;
        inside += s;
        probes += c.probes;
        memory += c.memory;
        byService[c.service] = (byService[c.service] ?? 0) + pct(s);
        memoryByService[c.service] = (memoryByService[c.service] ?? 0) + c.memory / o.tenants / 2 ** 20;
    }
    // Never less than the containers' own cgroups add up to: a baseline read while something else
    // was busy would otherwise hide the tenants' cost.
    const above = Math.max(inside, o.busyCoreSeconds - o.baselineCoreSeconds);
    const outsideSeconds = above - inside;
    return {
        tenants: o.tenants,
        seconds: o.seconds,
        perTenant: pct(above),
        byService,
        outside: pct(outsideSeconds),
        probesPerMinute: (probes / o.tenants / o.seconds) * 60,
        ...(probes > 0 ? { msPerProbe: (outsideSeconds * 1000) / probes } : {}),
        memoryMiB: memory / o.tenants / 2 ** 20,
        memoryByService,
    };
}

/** Go's duration text as Docker reports a health check's interval in nanoseconds -> seconds. */
export function probesIn(windowSeconds: number, intervalNs: number | undefined): number {
    return intervalNs && intervalNs > 0 ? windowSeconds / (intervalNs / 1e9) : 0;
}

/** The lines the bench prints for an idle window. */
export function describeIdle(label: string, s: IdleSplit): string[] {
    const one = (x: number) => `${x.toFixed(2)}%`;
    const services = Object.entries(s.byService)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${one(v)}`)
        .join(", ");
    const mem = Object.entries(s.memoryByService)
        .sort((a, b) => b[1] - a[1])
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(", ");
    return [
        `${label}: ${s.tenants} tenants idle for ${s.seconds.toFixed(0)} s: ${one(s.perTenant)} of one core per tenant above the baseline`,
        `  inside the containers, by service (their health checks' processes included): ${services}`,
        `  outside them (dockerd, containerd, shims, runc: starting each health check): ${one(s.outside)}` +
            `; ${s.probesPerMinute.toFixed(1)} probes per tenant per minute` +
            (s.msPerProbe !== undefined ? `, ${s.msPerProbe.toFixed(0)} ms of CPU outside per probe` : ""),
        `  memory per tenant: ${s.memoryMiB.toFixed(0)} MiB (${mem})`,
    ];
}

/** Issue 24's targets for an idle sqlite tenant: CPU in percent of one core, memory in MiB. */
export const IDLE_TARGETS = { cpuPercent: 0.5, memoryMiB: 220 } as const;

/** The verdict lines for an idle window: `target NOT met: ...` where a target is missed. */
export function idleVerdicts(label: string, s: IdleSplit): string[] {
    const cpu = s.perTenant <= IDLE_TARGETS.cpuPercent;
    const mem = s.memoryMiB <= IDLE_TARGETS.memoryMiB;
    return [
        `${cpu ? "target met" : "target NOT met"}: ${label}: CPU per tenant ${s.perTenant.toFixed(2)}%, limit ${IDLE_TARGETS.cpuPercent}% of one core`,
        `${mem ? "target met" : "target NOT met"}: ${label}: memory per tenant ${s.memoryMiB.toFixed(0)} MiB, limit ${IDLE_TARGETS.memoryMiB} MiB`,
    ];
}

/**
 * What one health probe costs the host, in ms of CPU: a window in which the bench ran `probes`
 * checks on idle tenants, against the idle window's rate for the same host (`idleCoreSecondsPerSecond`,
 * the whole host's busy time per second with those tenants idle) and minus the bench's own CPU
 * for driving them (`clientCoreSeconds`). Never below zero.
 */
export function probeCost(o: {
    readonly seconds: number;
    readonly busyCoreSeconds: number;
    readonly idleCoreSecondsPerSecond: number;
    readonly clientCoreSeconds: number;
    readonly probes: number;
}): number {
    if (o.probes < 1 || o.seconds <= 0) throw new Error("probeCost: needs at least one probe and a window");
    const extra = o.busyCoreSeconds - o.idleCoreSecondsPerSecond * o.seconds - o.clientCoreSeconds;
    return (Math.max(0, extra) * 1000) / o.probes;
}

/** Percent of one core per tenant that `checked` services probed every `intervalSeconds` cost at `msPerProbe`. */
export function checksShare(msPerProbe: number, checked: number, intervalSeconds: number): number {
    return ((msPerProbe / 1000) * checked * 100) / intervalSeconds;
}

/** The lines for the health checks alone: per probe, their share of the idle tenant, and other intervals' shares. */
export function describeProbes(o: {
    readonly msPerProbe: number;
    readonly probes: number;
    readonly seconds: number;
    readonly checked: number;
    readonly interval: number;
    readonly idle: IdleSplit;
}): string[] {
    const share = checksShare(o.msPerProbe, o.checked, o.interval);
    const at = [30, 60, 120, 300].map((i) => `${i} s ${checksShare(o.msPerProbe, o.checked, i).toFixed(2)}%`).join(", ");
    return [
        `health checks alone: ${o.msPerProbe.toFixed(0)} ms of the host's CPU per probe (${o.probes} probes in ${o.seconds.toFixed(0)} s, ` +
            `run by the bench as Docker's health monitor runs them: an exec of the check's command in the container)`,
        `  ${o.checked} checked services per tenant every ${o.interval} s: ${share.toFixed(2)}% of one core per tenant; ` +
            `the idle tenant without them: ${Math.max(0, o.idle.perTenant - share).toFixed(2)}%`,
        `  the checks per tenant at other intervals: ${at}`,
    ];
}
