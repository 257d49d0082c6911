// A container's usage read from this machine's kernel, as the Docker daemon itself reads it for
// `docker stats`: its cgroup's CPU time and memory, and its network namespace's interface
// counters. No request to the Engine: six small files per container (docs/monitoring.md has the
// cost). Only for containers of a Docker host on this machine; the parsers are pure and the
// file reads are the only I/O.
//
// Where Docker puts a container's cgroup depends on its cgroup driver and version; the four
// layouts are tried in turn (cgroupfs: `docker/<id>`, systemd: `system.slice/docker-<id>.scope`;
// v1 has one tree per controller, v2 one tree).
import { existsSync, readFileSync } from "fs";
import * as path from "path";

export const CGROUP_ROOT = "/sys/fs/cgroup";

export interface KernelSample {
    /** CPU time used since the container started, in nanoseconds. */
    readonly cpuNs: number;
    /** Memory in use without the page cache that can be dropped, as `docker stats` shows it. */
    readonly memoryUsed: number;
    /** The cgroup's memory limit in bytes; absent when there is none. */
    readonly memoryLimit?: number;
    /** Bytes received and sent on its interfaces (loopback excluded), absent when no process could be found. */
    readonly network?: { readonly rx: number; readonly tx: number };
}

/** `key value` lines (memory.stat, cpu.stat) -> numbers. */
export function keyValues(text: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const line of text.split("\n")) {
        const [k, v] = line.trim().split(/\s+/);
        if (k && v !== undefined && /^\d+$/.test(v)) out[k] = Number(v);
    }
    return out;
}

/**
 * Usage minus the inactive page cache, as the Docker CLI computes it (docker/cli
 * cli/command/container/stats_helpers.go `calculateMemUsageUnixNoCache`): v1 subtracts
 * `total_inactive_file`, v2 `inactive_file`, each only when below the usage.
 */
export function memoryWithoutCache(usage: number, stat: Readonly<Record<string, number>>): number {
    const inactive = stat.total_inactive_file ?? stat.inactive_file;
    return inactive !== undefined && inactive < usage ? usage - inactive : usage;
}

/** v1 reports "no limit" as a page-rounded 2^63-1, v2 as `max`. */
export function memoryLimit(text: string): number | undefined {
    const t = text.trim();
    if (t === "max" || !/^\d+$/.test(t)) return undefined;
    const n = Number(t);
    return n >= 2 ** 62 ? undefined : n;
}

/** /proc/<pid>/net/dev -> bytes received and sent on every interface but loopback. */
export function netDev(text: string): { rx: number; tx: number } {
    let rx = 0;
    let tx = 0;
    for (const line of text.split("\n").slice(2)) {
        const [name, rest] = line.split(":");
        if (rest === undefined || name.trim() === "lo") continue;
        const f = rest.trim().split(/\s+/).map(Number);
        rx += f[0] ?? 0;
        tx += f[8] ?? 0;
    }
    return { rx, tx };
}

type Layout = (controller: string, id: string) => string;

/** v1 (a tree per controller) then v2 (one tree); cgroupfs then systemd. */
const LAYOUTS: readonly { readonly version: 1 | 2; readonly dir: Layout }[] = [
    { version: 1, dir: (c, id) => path.join(c, "docker", id) },
    { version: 1, dir: (c, id) => path.join(c, "system.slice", `docker-${id}.scope`) },
    { version: 2, dir: (_, id) => path.join("docker", id) },
    { version: 2, dir: (_, id) => path.join("system.slice", `docker-${id}.scope`) },
];

// Synchronous on purpose: these are the kernel's in-memory files (a few microseconds each), and
// a thread-pool round trip per file cost more than the read itself (bench: stats-50).
const read = (file: string) => readFileSync(file, "utf8");

export interface Roots {
    readonly cgroup: string;
    readonly proc: string;
}

/** Where the container's cgroup is, or undefined when this machine has none for it (a remote host, a stopped container). */
export function findCgroup(id: string, roots: Roots): CgroupOf | undefined {
    for (const layout of LAYOUTS) {
        const at = (controller: string, file: string) => path.join(roots.cgroup, layout.dir(controller, id), file);
        if (existsSync(at(layout.version === 1 ? "cpuacct" : "", layout.version === 1 ? "cpuacct.usage" : "cpu.stat")))
            return { version: layout.version, at };
    }
    return undefined;
}

export interface CgroupOf {
    readonly version: 1 | 2;
    readonly at: (controller: string, file: string) => string;
}

/** CPU time used so far, in nanoseconds; undefined when the cgroup went away (the container stopped). */
export function readCpuNs(g: CgroupOf): number | undefined {
    return orGone(() =>
        g.version === 1
            ? Number(read(g.at("cpuacct", "cpuacct.usage")).trim())
            : (keyValues(read(g.at("", "cpu.stat"))).usage_usec ?? 0) * 1000,
    );
}

/** The whole sample; undefined when the cgroup went away. */
export function readKernelSample(g: CgroupOf, roots: Roots): KernelSample | undefined {
    return orGone(() => {
        const v1 = g.version === 1;
        const usage = Number(read(g.at(v1 ? "memory" : "", v1 ? "memory.usage_in_bytes" : "memory.current")).trim());
        const limit = memoryLimit(read(g.at(v1 ? "memory" : "", v1 ? "memory.limit_in_bytes" : "memory.max")));
        const stat = keyValues(read(g.at(v1 ? "memory" : "", "memory.stat")));
        const pid = read(g.at(v1 ? "memory" : "", "cgroup.procs")).split("\n")[0];
        const network = pid ? orGone(() => netDev(read(path.join(roots.proc, pid, "net", "dev")))) : undefined;
        return {
            cpuNs: readCpuNs(g) ?? 0,
            memoryUsed: memoryWithoutCache(usage, stat),
            ...(limit ? { memoryLimit: limit } : {}),
            ...(network ? { network } : {}),
        };
    });
}

function orGone<T>(fn: () => T): T | undefined {
    try {
        return fn();
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ESRCH") return undefined;
        throw e;
    }
}
