// The monitor group of `npm run bench` (`--only monitor`): `tenant stats --json` in-process with 50
// tenants (5 containers with memory limits and 4 volumes each) on the fake Engine of the unit
// tests, with a cgroup tree and a /proc for every container (test/support/fakeCgroups.ts), so
// that this times the Engine reads and the kernel reads of one call. The 1 s CPU window is not
// waited for (the Context's sleep returns at once): add it to what an operator waits.
import { rmSync } from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { createContext } from "../tenants/context";
import { run } from "../cli/main";
import { FakeContainer, startFakeEngine } from "../test/support/fakeEngine";
import { writeCgroupsV1 } from "../test/support/fakeCgroups";
import { tempDir } from "./fixtures";

const SERVICES = ["redis", "redis-http", "backend", "edge", "frontend"] as const;
const VOLUMES = ["redis", "backend", "edge"] as const;
const MIB = 1024 * 1024;
const TENANTS = 50;

export interface MonitorRow {
    readonly key: string;
    readonly name: string;
    readonly times: number[];
    readonly note?: string;
}

export async function monitorBench(runs: number): Promise<MonitorRow[]> {
    const labels = (t: string, s: string) => ({ "frontbase.tenant": t, "com.docker.compose.service": s });
    const names = Array.from({ length: TENANTS }, (_, i) => `tenant${i + 1}`);
    const containers: FakeContainer[] = names.flatMap((t) =>
        SERVICES.map((s) => ({ name: `${t}_frontbase-${s}-1`, state: "running" as const, labels: labels(t, s), memory: 256 * MIB })),
    );
    const volumes = names.flatMap((t) => VOLUMES.map((s) => ({ name: `${t}_frontbase_${s}_data`, labels: labels(t, s), bytes: 3 * MIB })));
    const engine = await startFakeEngine(containers, volumes);
    const dir = tempDir("monitor");
    const cgroupRoot = path.join(dir, "cgroup");
    const procRoot = path.join(dir, "proc");
    writeCgroupsV1(
        cgroupRoot,
        procRoot,
        engine.ids.map((id, i) => ({ id, pid: 1000 + i * 2, cpuNs: 1e9, memory: 40 * MIB, limit: 256 * MIB, rx: 1000, tx: 2000 })),
    );
    const project = path.join(dir, "project");
    const ctx = createContext({
        projectDir: project,
        dockerHost: engine.host,
        cgroupRoot,
        procRoot,
        lockDir: path.join(dir, "locks"),
        sleep: async () => undefined,
        io: { out: () => undefined, err: (t) => void process.stderr.write(`${t}\n`) },
    });
    try {
        const once = async () => {
            const before = engine.requests.length;
            const t0 = performance.now();
            const code = await run(["stats", "--json"], ctx);
            const ms = performance.now() - t0;
            if (code !== 0) throw new Error(`tenant stats exited ${code}`);
            if (engine.requests.slice(before).some((p) => p.endsWith("/stats"))) throw new Error("stats asked the Engine per container");
            return ms;
        };
        await once();
        const times: number[] = [];
        for (let i = 0; i < runs; i++) times.push(await once());
        return [
            {
                key: "stats-50",
                name: `tenant stats --json, ${TENANTS} tenants, ${containers.length} containers (fake Engine, in-process)`,
                times,
                note: "plus the 1 s CPU window",
            },
        ];
    } finally {
        await engine.close();
        rmSync(dir, { recursive: true, force: true });
    }
}
