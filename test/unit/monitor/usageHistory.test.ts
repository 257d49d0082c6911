// The dashboard's usage: the last hour kept in memory from readings every 15 s (a reading older
// than an hour is forgotten, a tenant gone from the host too), and GET /api/v1/stats answering
// from the readings, with the host's line and each figure worded as `stats` words it.
import type { AddressInfo } from "net";
import { describe, expect, it } from "vitest";
import { createDashboard } from "../../../dashboard/server";
import { addSample, History, KEEP_MS } from "../../../dashboard/usageHistory";
import { buildStats, hostLine } from "../../../monitor/stats";
import type { TenantContainer } from "../../../docker/containers";
import { tempLockDir, tempProject, testContext } from "../../support/cliRun";
import { startFakeEngine } from "../../support/fakeEngine";

const MIB = 1024 * 1024;
const ctr = (tenant: string): TenantContainer => ({
    id: tenant,
    name: `${tenant}_frontbase-backend-1`,
    tenant,
    service: "backend",
    state: "running",
    health: "healthy",
    ports: [],
    tty: false,
    restarts: 0,
    memoryLimit: 512 * MIB,
});
const reading = (tenants: string[], cpu: number) =>
    buildStats({
        dockerHost: "h",
        containers: tenants.map(ctr),
        usage: new Map(tenants.map((t) => [t, { cpuPercent: cpu, memoryUsed: 100 * MIB }])),
        volumes: [],
        host: { cpus: 2, memoryTotal: 8192 * MIB },
        via: { kernel: tenants.length, engine: 0 },
    });

describe("addSample", () => {
    it("keeps each tenant's and the host's CPU and memory for an hour, and forgets a tenant that is gone", () => {
        const h: History = { tenants: new Map(), host: [] };
        const t0 = Date.parse("2026-01-10T03:00:00Z");
        for (let i = 0; i <= 240; i++) addSample(h, reading(["acme", "beta"], i), t0 + i * 15_000);
        const acme = h.tenants.get("acme")!;
        expect(acme).toHaveLength(241);
        expect(acme[0]).toEqual({ t: t0, cpu: 0, memory: 100 * MIB, limit: 512 * MIB });
        addSample(h, reading(["acme"], 7), t0 + 241 * 15_000);
        expect(h.tenants.get("acme")![0].t).toBe(t0 + 241 * 15_000 - KEEP_MS);
        expect(h.tenants.has("beta")).toBe(false);
        expect(h.host.at(-1)).toEqual({ t: t0 + 241 * 15_000, cpu: 7, memory: 100 * MIB, limit: 8192 * MIB });
    });
});

describe("GET /api/v1/stats", () => {
    it("answers from the dashboard's readings: the host's line and history, each tenant's figures and history", async () => {
        const labels = { "frontbase.tenant": "acme", "com.docker.compose.service": "backend" };
        const engine = await startFakeEngine([
            {
                name: "acme_frontbase-backend-1",
                state: "running",
                health: "healthy",
                labels,
                memory: 512 * MIB,
                stats: { memoryUsage: 70 * MIB, cpuNs: 5e9, rx: 10, tx: 20 },
            },
        ]);
        const project = tempProject();
        const ctx = testContext(
            { FRONTBASE_PROJECT_DIR: project, FRONTBASE_LOCK_DIR: tempLockDir() },
            { dockerHost: engine.host, projectDir: project },
        );
        const token = "stats test token, test only, 0123456789";
        const server = createDashboard(ctx, { token, secure: false, sampleEveryMs: 50 });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        try {
            const get = async () =>
                (await (
                    await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/stats`, {
                        headers: { authorization: `Bearer ${token}` },
                    })
                ).json()) as {
                    host: { line: string; history: unknown[]; memoryCommitted: number };
                    tenants: {
                        tenant: string;
                        cpu: string;
                        memory: string;
                        history: unknown[];
                        services: { shown: Record<string, string> }[];
                    }[];
                    everyMs: number;
                };
            await expect.poll(async () => (await get()).tenants[0]?.history.length, { timeout: 10_000 }).toBeGreaterThan(2);
            const s = await get();
            expect(s.everyMs).toBe(50);
            expect(s.host.memoryCommitted).toBe(512 * MIB);
            expect(s.host.line).toMatch(/^host unix:\/\/.*: 1 tenant\(s\), 1 container\(s\) running; CPU 10\.0% of 200%/);
            expect(s.host.history.length).toBeGreaterThan(2);
            expect(s.tenants[0]).toMatchObject({ tenant: "acme", cpu: "10.0%", memory: "70.0 MiB / 512.0 MiB" });
            expect(s.tenants[0].services[0].shown).toEqual({
                cpu: "10.0%",
                memory: "70.0 MiB / 512.0 MiB",
                network: "10 B / 20 B",
                disk: "-",
            });
            expect(hostLine(reading([], 0).host)).toContain("room for 7 more tenant(s)");
            expect(engine.changes).toEqual([]);
        } finally {
            await new Promise((r) => server.close(r));
            await engine.close();
        }
    });
});
