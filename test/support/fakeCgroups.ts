// A cgroup tree and a /proc as Docker 20.10 on cgroup v1 with the cgroupfs driver leaves them for a
// running container (the files monitor/cgroups.ts reads, with the formats of this machine's
// kernel), for the unit tests and the bench of `stats`.
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";

export interface FakeUsage {
    readonly id: string;
    readonly pid: number;
    readonly cpuNs: number;
    /** Usage including 4 KiB of inactive page cache, which `stats` leaves out. */
    readonly memory: number;
    /** Absent: no limit (v1's page-rounded 2^63-1). */
    readonly limit?: number;
    readonly rx: number;
    readonly tx: number;
}

export const NO_LIMIT_V1 = "9223372036854771712";

/** Writes (or overwrites) each container's files; call again with more CPU time for a second sample. */
export function writeCgroupsV1(cgroupRoot: string, procRoot: string, usage: readonly FakeUsage[]): void {
    for (const u of usage) {
        const dir = (controller: string) => {
            const d = path.join(cgroupRoot, controller, "docker", u.id);
            mkdirSync(d, { recursive: true });
            return d;
        };
        writeFileSync(path.join(dir("cpuacct"), "cpuacct.usage"), `${u.cpuNs}\n`);
        const mem = dir("memory");
        writeFileSync(path.join(mem, "memory.usage_in_bytes"), `${u.memory + 4096}\n`);
        writeFileSync(path.join(mem, "memory.limit_in_bytes"), `${u.limit ?? NO_LIMIT_V1}\n`);
        writeFileSync(path.join(mem, "memory.stat"), `cache 8192\nrss ${u.memory}\ninactive_file 4096\ntotal_inactive_file 4096\n`);
        writeFileSync(path.join(mem, "cgroup.procs"), `${u.pid}\n${u.pid + 1}\n`);
        mkdirSync(path.join(procRoot, String(u.pid), "net"), { recursive: true });
        writeFileSync(
            path.join(procRoot, String(u.pid), "net", "dev"),
            [
                "Inter-|   Receive                                                |  Transmit",
                " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed",
                "    lo:     999       9    0    0    0     0          0         0      999       9    0    0    0     0       0          0",
                `  eth0: ${u.rx}      12    0    0    0     0          0         0 ${u.tx}       0    0    0    0     0       0          0`,
                "",
            ].join("\n"),
        );
    }
}
