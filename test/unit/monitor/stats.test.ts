// `stats`: the kernel's files parsed as `docker stats` reads them, the rows and the host line
// built from readings, and the command on the fake Engine, with usage from a fake cgroup tree
// (no per-container request to the Engine) or, for containers not on this machine, through the
// Engine's per-container stats.
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { findCgroup, keyValues, memoryLimit, memoryWithoutCache, netDev, readKernelSample } from "../../../monitor/cgroups";
import { buildStats, bytes, DEFAULT_TENANT_BYTES, Stats } from "../../../monitor/stats";
import { renderStats } from "../../../cli/ops/statsReport";
import { cpuPercent, usageOfEngineStats } from "../../../monitor/usage";
import type { TenantContainer } from "../../../docker/containers";
import { tempLockDir, tempProject, tenant } from "../../support/cliRun";
import { FakeContainer, FAKE_HOST, startFakeEngine } from "../../support/fakeEngine";
import { NO_LIMIT_V1, writeCgroupsV1 } from "../../support/fakeCgroups";
import { tempDir } from "../../support/temp";

const MIB = 1024 * 1024;

describe("the kernel's files", () => {
    it("parse as docker stats reads them: memory without the inactive page cache, no limit as none, loopback left out", () => {
        expect(keyValues("cache 8192\nrss 100\ntotal_inactive_file 4096\nbogus x\n")).toEqual({
            cache: 8192,
            rss: 100,
            total_inactive_file: 4096,
        });
        expect(memoryWithoutCache(10_000, { total_inactive_file: 4096 })).toBe(5904);
        expect(memoryWithoutCache(10_000, { inactive_file: 1000 })).toBe(9000);
        // Not subtracted when it is not below the usage (the CLI's rule).
        expect(memoryWithoutCache(1000, { total_inactive_file: 4096 })).toBe(1000);
        expect(memoryLimit(`${NO_LIMIT_V1}\n`)).toBeUndefined();
        expect(memoryLimit("max\n")).toBeUndefined();
        expect(memoryLimit("67108864\n")).toBe(64 * MIB);
        const dev =
            "Inter-| Receive\n face |bytes\n    lo: 50 1 0 0 0 0 0 0 50 1 0 0 0 0 0 0\n  eth0: 1016 12 0 0 0 0 0 0 300 3 0 0 0 0 0 0\n  eth1: 4 1 0 0 0 0 0 0 6 1 0 0 0 0 0 0\n";
        expect(netDev(dev)).toEqual({ rx: 1020, tx: 306 });
    });

    it("are found in the v1 cgroupfs layout and the v2 systemd layout; none for a container this machine does not run", async () => {
        const cg = tempDir("cg");
        const proc = tempDir("proc");
        writeCgroupsV1(cg, proc, [{ id: "aaa", pid: 4242, cpuNs: 5e9, memory: 30 * MIB, limit: 64 * MIB, rx: 1000, tx: 2000 }]);
        const sample = (id: string) => {
            const g = findCgroup(id, { cgroup: cg, proc });
            return g && readKernelSample(g, { cgroup: cg, proc });
        };
        expect(sample("aaa")).toEqual({
            cpuNs: 5e9,
            memoryUsed: 30 * MIB,
            memoryLimit: 64 * MIB,
            network: { rx: 1000, tx: 2000 },
        });
        const v2 = path.join(cg, "system.slice", "docker-bbb.scope");
        mkdirSync(v2, { recursive: true });
        writeFileSync(path.join(v2, "cpu.stat"), "usage_usec 2500\nuser_usec 2000\n");
        writeFileSync(path.join(v2, "memory.current"), "20000\n");
        writeFileSync(path.join(v2, "memory.max"), "max\n");
        writeFileSync(path.join(v2, "memory.stat"), "anon 100\ninactive_file 5000\n");
        writeFileSync(path.join(v2, "cgroup.procs"), "");
        expect(sample("bbb")).toEqual({ cpuNs: 2_500_000, memoryUsed: 15000 });
        expect(sample("ccc")).toBeUndefined();
    });

    it("gives CPU as docker stats does: 100% is one CPU busy for the whole window", () => {
        expect(cpuPercent(0, 5e8, 1000)).toBe(50);
        expect(cpuPercent(0, 2e9, 1000)).toBe(200);
        expect(cpuPercent(5, 1, 1000)).toBeUndefined(); // a restart in between: no figure rather than a wrong one
        const fromEngine = usageOfEngineStats({
            cpu_stats: { cpu_usage: { total_usage: 3e8 }, system_cpu_usage: 4e9, online_cpus: 2 },
            precpu_stats: { cpu_usage: { total_usage: 2e8 }, system_cpu_usage: 2e9 },
            memory_stats: { usage: 10_000, limit: 64 * MIB, stats: { total_inactive_file: 1000 } },
            networks: { eth0: { rx_bytes: 5, tx_bytes: 7 }, eth1: { rx_bytes: 1, tx_bytes: 1 } },
        });
        expect(fromEngine).toEqual({ cpuPercent: 10, memoryUsed: 9000, memoryLimit: 64 * MIB, network: { rx: 6, tx: 8 } });
    });
});

const ctr = (tenantName: string, service: string, o: Partial<TenantContainer> = {}): TenantContainer => ({
    id: `${tenantName}-${service}`,
    name: `${tenantName}_frontbase-${service}-1`,
    tenant: tenantName,
    service,
    state: "running",
    health: "healthy",
    ports: [],
    tty: false,
    restarts: 0,
    ...o,
});

describe("buildStats", () => {
    const host = { cpus: 2, memoryTotal: 8 * 1024 * MIB };
    it("commits the running containers' limits against the host's memory and counts the default-size tenants that still fit", () => {
        const s = buildStats({
            dockerHost: "unix:///x",
            containers: [
                ctr("acme", "backend", { memoryLimit: 512 * MIB, restarts: 2 }),
                ctr("acme", "redis", { memoryLimit: 256 * MIB }),
                ctr("acme", "edge", { state: "exited" }),
                ctr("acme", "redis-token (job)", { job: "redis-token", state: "exited" }),
                ctr("beta", "backend"),
            ],
            usage: new Map([
                ["acme-backend", { cpuPercent: 12.5, memoryUsed: 100 * MIB, network: { rx: 10, tx: 20 } }],
                ["acme-redis", { cpuPercent: 0.5, memoryUsed: 4 * MIB }],
                ["beta-backend", { cpuPercent: 1, memoryUsed: 50 * MIB }],
            ]),
            volumes: [
                {
                    name: "acme_frontbase_backend_data",
                    labels: { "frontbase.tenant": "acme", "com.docker.compose.service": "backend" },
                    bytes: 3 * MIB,
                },
                { name: "acme_frontbase_postgres_data", labels: { "frontbase.tenant": "acme" }, bytes: MIB },
                { name: "other", labels: {} },
            ],
            host,
            via: { kernel: 3, engine: 0 },
        });
        expect(DEFAULT_TENANT_BYTES).toBe((512 + 256 + 64 + 256 + 64) * MIB);
        expect(s.host).toMatchObject({
            tenants: 2,
            running: 3,
            memoryCommitted: 768 * MIB,
            unlimited: 1,
            cpuPercent: 14,
            memoryUsed: 154 * MIB,
            diskBytes: 4 * MIB,
            fits: Math.floor((8192 - 768) / 1152),
        });
        const acme = s.tenants.find((t) => t.tenant === "acme")!;
        expect(acme.services.map((x) => x.service)).toEqual(["backend", "redis", "edge", "postgres"]);
        expect(acme.services[0]).toMatchObject({
            restarts: 2,
            memoryLimit: 512 * MIB,
            volume: { name: "acme_frontbase_backend_data", bytes: 3 * MIB },
        });
        expect(acme.services[2].cpuPercent).toBeUndefined(); // stopped: no usage
        expect(acme.services[3]).toMatchObject({ state: "no container", volume: { bytes: MIB } });
        const text = renderStats(s);
        expect(text).toMatch(/acme\s+backend\s+running, healthy\s+12\.5%\s+100\.0 MiB \/ 512\.0 MiB\s+10 B \/ 20 B\s+3\.0 MiB\s+2/);
        expect(text).toContain("limits commit 768.0 MiB of 8.0 GiB (9%), and 1 running container(s) without a limit");
        expect(text).toContain("room for 6 more tenant(s) of the default size (1.1 GiB of limits each)");
    });

    it("fits none when the limits already commit more than the host has", () => {
        const s = buildStats({
            dockerHost: "h",
            containers: [ctr("a", "backend", { memoryLimit: 9 * 1024 * MIB })],
            usage: new Map(),
            volumes: [],
            host,
            via: { kernel: 0, engine: 0 },
        });
        expect(s.host.fits).toBe(0);
        expect(bytes(1023)).toBe("1023 B");
        expect(bytes(1536)).toBe("1.5 KiB");
    });
});

/** A clock that the CPU window advances, instead of waiting for it. */
function clock() {
    let t = 1_700_000_000_000;
    return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

describe("stats on the fake Engine", () => {
    const labels = (t: string, s: string) => ({ "frontbase.tenant": t, "com.docker.compose.service": s });
    const containers: FakeContainer[] = [
        { name: "acme_frontbase-backend-1", state: "running", health: "healthy", labels: labels("acme", "backend"), memory: 512 * MIB },
        { name: "acme_frontbase-redis-1", state: "running", labels: labels("acme", "redis"), memory: 256 * MIB },
        {
            name: "beta_frontbase-backend-1",
            state: "running",
            labels: labels("beta", "backend"),
            memory: 512 * MIB,
            stats: { memoryUsage: 70 * MIB, cpuNs: 5e9, rx: 11, tx: 22 },
        },
    ];
    const volumes = [{ name: "acme_frontbase_backend_data", labels: labels("acme", "backend"), bytes: 5 * MIB }];

    it("reads usage from the kernel where it can, the Engine's per-container stats only for the rest, and volumes from one /system/df", async () => {
        const engine = await startFakeEngine(containers, volumes);
        try {
            const cgroupRoot = tempDir("cg");
            const procRoot = tempDir("proc");
            const [backend, redis] = engine.ids;
            const usage = (backendCpuNs: number) => [
                { id: backend, pid: 100, cpuNs: backendCpuNs, memory: 120 * MIB, limit: 512 * MIB, rx: 1000, tx: 500 },
                { id: redis, pid: 200, cpuNs: 1e9, memory: 3 * MIB, limit: 256 * MIB, rx: 10, tx: 5 },
            ];
            writeCgroupsV1(cgroupRoot, procRoot, usage(1e9));
            // The backend uses half a CPU while the window passes.
            const time = clock();
            const window = {
                now: time.now,
                sleep: async (ms: number) => (await time.sleep(ms), writeCgroupsV1(cgroupRoot, procRoot, usage(1e9 + ms * 5e5))),
            };
            const project = tempProject();
            const r = await tenant(
                ["stats", "--json"],
                { FRONTBASE_PROJECT_DIR: project, FRONTBASE_LOCK_DIR: tempLockDir() },
                { dockerHost: engine.host, cgroupRoot, procRoot, ...window },
            );
            expect(r.err).toBe("");
            expect(r.code).toBe(0);
            const s = JSON.parse(r.out) as Stats;
            expect(s.via).toEqual({ kernel: 2, engine: 1 });
            expect(engine.requests.filter((p) => p.endsWith("/stats"))).toEqual([`/containers/${engine.ids[2]}/stats`]);
            expect(engine.requests.filter((p) => p === "/system/df")).toHaveLength(1);
            const acme = s.tenants.find((t) => t.tenant === "acme")!;
            expect(acme.services.find((x) => x.service === "backend")).toMatchObject({
                cpuPercent: 50,
                memoryUsed: 120 * MIB,
                memoryLimit: 512 * MIB,
                network: { rx: 1000, tx: 500 },
                volume: { bytes: 5 * MIB },
            });
            expect(s.tenants.find((t) => t.tenant === "beta")!.services[0]).toMatchObject({
                cpuPercent: 10,
                memoryUsed: 70 * MIB,
                network: { rx: 11, tx: 22 },
            });
            expect(s.host).toMatchObject({
                cpus: FAKE_HOST.NCPU,
                memoryTotal: FAKE_HOST.MemTotal,
                memoryCommitted: 1280 * MIB,
                running: 3,
            });

            const one = await tenant(
                ["stats", "beta"],
                { FRONTBASE_PROJECT_DIR: project, FRONTBASE_LOCK_DIR: tempLockDir() },
                { dockerHost: engine.host, cgroupRoot, procRoot, ...clock() },
            );
            expect(one.code).toBe(0);
            expect(one.out).not.toContain("acme");
            expect(one.out).toMatch(/^beta\s+backend\s+running\s+10\.0%\s+70\.0 MiB \/ 512\.0 MiB/m);
            expect(one.out).toContain("usage of 1 container(s) read through the Engine's per-container stats");
            expect(one.out).toContain("3 container(s) running"); // the host line stays the host's
            const unknown = await tenant(
                ["stats", "gamma"],
                { FRONTBASE_PROJECT_DIR: project, FRONTBASE_LOCK_DIR: tempLockDir() },
                { dockerHost: engine.host },
            );
            expect(unknown.code).toBe(1);
            expect(unknown.err).toContain('unknown tenant "gamma"');
            expect(engine.changes).toEqual([]);
        } finally {
            await engine.close();
        }
    });
});
