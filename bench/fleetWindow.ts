// The fleet bench's measuring window (bench/fleet.ts): the host's CPU from /proc/stat and the
// tenants' containers' CPU and memory from their cgroups over a span of idle time.
import { readFileSync } from "fs";
import * as os from "os";
import { performance } from "perf_hooks";
import { COMPOSE_SERVICE_LABEL, TENANT_LABEL } from "../components/naming";
import { CGROUP_ROOT, findCgroup, readCpuNs, readKernelSample } from "../monitor/cgroups";
import { docker } from "../test/integration/support/docker";
import { ContainerUsage, hostJiffies, hostMemoryUsed, idleSplit, IdleSplit, probesIn } from "./fleetUsage";

const sleep = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000));

export interface Window {
    readonly seconds: number;
    readonly busyCoreSeconds: number;
    readonly memoryUsed: number;
    readonly containers: ContainerUsage[];
}

/** The tenants' running containers, each with its inspect (health check, interval). */
async function tenantContainers(tenants: readonly string[]) {
    if (tenants.length === 0) return [];
    const want = new Set(tenants);
    const listed = await docker.listContainers({ filters: { label: [TENANT_LABEL] } });
    return Promise.all(
        listed.filter((c) => want.has(c.Labels[TENANT_LABEL])).map(async (c) => ({ c, info: await docker.getContainer(c.Id).inspect() })),
    );
}

/** Starts timing the host's CPU from /proc/stat; `end()` gives the span and the busy core-seconds in it. */
function hostSpan(): () => { seconds: number; busyCoreSeconds: number } {
    const stat = () => hostJiffies(readFileSync("/proc/stat", "utf8"));
    const h0 = stat();
    const t0 = performance.now();
    return () => {
        const h1 = stat();
        const seconds = (performance.now() - t0) / 1000;
        return { seconds, busyCoreSeconds: ((h1.busy - h0.busy) / (h1.total - h0.total)) * os.cpus().length * seconds };
    };
}

/** Host CPU and the tenants' containers' CPU over `seconds`, memory at the end. */
export async function window(tenants: readonly string[], seconds: number): Promise<Window> {
    const roots = { cgroup: CGROUP_ROOT, proc: "/proc" };
    const mine = (await tenantContainers(tenants)).map(({ c, info }) => {
        const g = findCgroup(c.Id, roots);
        if (!g) throw new Error(`no cgroup on this machine for ${c.Names[0]}`);
        return { service: c.Labels[COMPOSE_SERVICE_LABEL] ?? "?", g, interval: info.Config.Healthcheck?.Interval, cpu0: readCpuNs(g) ?? 0 };
    });
    const end = hostSpan();
    await sleep(seconds);
    const span = end();
    const containers = mine.map((m) => ({
        service: m.service,
        cpuNs: (readCpuNs(m.g) ?? m.cpu0) - m.cpu0,
        memory: readKernelSample(m.g, roots)?.memoryUsed ?? 0,
        probes: probesIn(span.seconds, m.interval),
    }));
    return { ...span, memoryUsed: hostMemoryUsed(readFileSync("/proc/meminfo", "utf8")), containers };
}

export function split(w: Window, baseline: Window, tenants: number): IdleSplit {
    return idleSplit({
        tenants,
        seconds: w.seconds,
        busyCoreSeconds: w.busyCoreSeconds,
        baselineCoreSeconds: (baseline.busyCoreSeconds / baseline.seconds) * w.seconds,
        containers: w.containers,
    });
}

export interface ProbeWindow {
    readonly seconds: number;
    readonly busyCoreSeconds: number;
    /** The bench's own CPU in the window (driving the execs), core-seconds. */
    readonly clientCoreSeconds: number;
    readonly probes: number;
    /** Checked services per tenant, and their health check interval in seconds (the first tenant's). */
    readonly checked: number;
    readonly interval: number;
}

/**
 * The health checks alone: for `seconds`, the tenants' checked containers' own check commands run
 * one after another, each as Docker's health monitor runs it (moby daemon/health.go, cmdProbe.run:
 * an exec of Healthcheck.Test[1:] with stdout and stderr attached, started by ContainerExecStart,
 * which is what the API's exec start calls too). The API's request handling comes on top, so the
 * figure is, if anything, a little high.
 */
export async function probeWindow(tenants: readonly string[], seconds: number): Promise<ProbeWindow> {
    const checked = (await tenantContainers(tenants))
        .map(({ c, info }) => ({ c, hc: info.Config.Healthcheck }))
        .filter(({ hc }) => hc?.Test && hc.Test[0] !== "NONE" && hc.Test.length > 1);
    if (checked.length === 0) throw new Error("probeWindow: no checked container among the tenants");
    const first = checked.filter(({ c }) => c.Labels[TENANT_LABEL] === tenants[0]);
    const end = hostSpan();
    const c0 = process.cpuUsage();
    let probes = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
        const { c, hc } = checked[probes % checked.length];
        const cmd = hc!.Test![0] === "CMD-SHELL" ? ["/bin/sh", "-c", ...hc!.Test!.slice(1)] : hc!.Test!.slice(1);
        const ex = await docker.getContainer(c.Id).exec({ Cmd: cmd, AttachStdout: true, AttachStderr: true });
        const stream = await ex.start({ hijack: true, stdin: false });
        await new Promise<void>((resolve, reject) => stream.on("end", resolve).on("close", resolve).on("error", reject).resume());
        probes++;
    }
    const c1 = process.cpuUsage(c0);
    return {
        ...end(),
        clientCoreSeconds: (c1.user + c1.system) / 1e6,
        probes,
        checked: first.length,
        interval: (first[0]?.hc?.Interval ?? 0) / 1e9,
    };
}
