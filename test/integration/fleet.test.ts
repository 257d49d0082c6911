// Tenants side by side on the real engine, as an operator runs them: `tenant new` pins ports
// (around a foreign process holding 8000 and 8080), `up` deploys through the engine double and
// the program itself. Scenarios 1-7 of issue 4; each step builds on the one before.
import { promises as fs } from "fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PORT_KEYS } from "../../components/naming";
import { destroy, EngineOptions, EngineResult } from "../engine/engine";
import { docker, removeTenant, tenantObjects } from "./support/docker";
import { containerIds, deploy, foreignListener, HEALTHY, http, imageVariant, portsOf, SQLITE_SERVICES, stackFileConfig, states, tempDir, tenantCli, TEST_IMAGES } from "./support/fleet";
import { probeDocker } from "./support/probe";
import { copyProject, ProjectCopy } from "./support/projectCopy";
import { Ports, testTenant } from "./support/tenants";

const probe = probeDocker(Object.values(TEST_IMAGES), "the fleet scenarios");

describe.skipIf(probe.reason)("a fleet of tenants on one Docker host", () => {
    const [t1, t2, t3] = [testTenant("one"), testTenant("two"), testTenant("three")];
    const config: Record<string, Record<string, string>> = {};
    const ports: Record<string, Ports> = {};
    const first: Record<string, EngineResult> = {};
    let project: ProjectCopy;
    let otherCheckout: ProjectCopy;
    let lockDir: string;
    let stateDir: string;
    let foreign: { held: number[]; stop(): void };
    let variant: string | undefined;
    const opts = (stack: string, dir = project.dir): EngineOptions => ({ projectDir: dir, stack, stateDir, config: config[stack] });

    beforeAll(async () => {
        [project, otherCheckout] = await Promise.all([copyProject(), copyProject()]);
        [lockDir, stateDir] = await Promise.all([tempDir("locks"), tempDir("state")]);
        process.env.FRONTBASE_LOCK_DIR = lockDir;
        foreign = await foreignListener([8000, 8080]);
        for (const t of [t1, t2]) {
            const made = await tenantCli(["new", t, "--json"], project.dir, lockDir);
            expect(made).toMatchObject({ code: 0 });
            config[t] = await stackFileConfig(project.dir, t);
            ports[t] = portsOf(config[t]);
            expect(JSON.parse(made.out)).toEqual({ tenant: t, ports: ports[t] });
        }
        const [r1, r2] = await Promise.all([deploy(opts(t1)), deploy(opts(t2))]);
        Object.assign(first, { [t1]: r1, [t2]: r2 });
    });
    afterAll(async () => {
        foreign?.stop();
        await Promise.all([t1, t2, t3].map((t) => removeTenant(t)));
        if (variant) await docker.getImage(variant).remove().catch(() => undefined);
        await Promise.all([project, otherCheckout].map((p) => p?.remove()));
        await Promise.all([lockDir, stateDir].filter(Boolean).map((d) => fs.rm(d, { recursive: true, force: true })));
        delete process.env.FRONTBASE_LOCK_DIR;
    });

    it("1+6. new steps around the foreign listener; both tenants come up healthy on distinct host ports", async () => {
        const all = [t1, t2].flatMap((t) => PORT_KEYS.map((k) => ports[t][k]));
        expect(new Set(all).size).toBe(8);
        for (const p of foreign.held) expect(all).not.toContain(p);
        expect(await states(t1)).toEqual(HEALTHY());
        expect(await states(t2)).toEqual(HEALTHY());
    });

    it("1. the frontend URL answers through nginx, from the edge and from the backend", async () => {
        for (const t of [t1, t2]) {
            expect(await http(ports[t].frontend, "/")).toMatchObject({ status: 200, servedBy: "edge" });
            expect(await http(ports[t].frontend, "/api/whoami")).toMatchObject({ status: 200, servedBy: "backend" });
            expect(await http(ports[t].frontend, "/api/data/kv/none")).toMatchObject({ servedBy: "edge" });
        }
    });

    it("1. each edge took its redis settings from its backend at start-up, and redis-http accepts that token", async () => {
        // The edge's /api/health no longer looks at redis (as the real one); /api/cache/test does.
        for (const t of [t1, t2]) {
            const r = await http(ports[t].edge, "/api/cache/test");
            expect([t, r.status, JSON.parse(r.text)]).toEqual([t, 200, expect.objectContaining({ success: true, source: "backend" })]);
        }
    });

    it("2. from tenant1's containers, tenant2's services neither resolve nor connect", async () => {
        const other = await docker.getContainer(`${t2}_frontbase-backend-1`).inspect();
        const ip = Object.values(other.NetworkSettings.Networks)[0].IPAddress;
        const probeFrom = async (path: string) => JSON.parse((await http(ports[t1].backend, path)).text);
        expect(await probeFrom(`/api/probe?host=${t2}_frontbase-backend-1&port=8000`)).toMatchObject({ resolved: false, connected: false });
        expect(await probeFrom(`/api/probe?host=${ip}&port=8000`)).toMatchObject({ connected: false });
        const edgeProbe = JSON.parse((await http(ports[t1].edge, `/edge/probe?host=${t2}_frontbase-redis-1&port=6379`)).text);
        expect(edgeProbe).toMatchObject({ resolved: false, connected: false });
        // Its own peers are reachable by their service names.
        expect(await probeFrom("/api/probe?host=redis&port=6379")).toMatchObject({ resolved: true, connected: true });
    });

    it("3. data written through the backend and through redis survives container replacement", async () => {
        for (const t of [t1, t2]) {
            expect((await http(ports[t].backend, "/api/kv/note", { method: "PUT", body: `kept by ${t}` })).status).toBe(200);
            expect((await http(ports[t].frontend, "/api/data/kv/note", { method: "PUT", body: `cached by ${t}` })).status).toBe(200);
        }
        const before = await containerIds(t1);
        variant = await imageVariant(TEST_IMAGES.redis, "variant-b");
        config[t1] = { ...config[t1], ...stackOverrides({ images: { ...TEST_IMAGES, redis: variant }, adminEmail: "ops@example.com" }) };
        const r = await deploy(opts(t1));
        const ops = Object.fromEntries(r.steps.map((s) => [s.name, s.op]));
        expect([ops[`${t1}-redis-container`], ops[`${t1}-backend-container`]]).toEqual(["replace", "replace"]);
        const after = await containerIds(t1);
        expect([after.redis === before.redis, after.backend === before.backend]).toEqual([false, false]);
        expect(await states(t1)).toEqual(HEALTHY());
        await expectData(t1);
    });

    it("3+4. destroy keeps tenant1's volumes and touches nothing of tenant2's; up brings the data back", async () => {
        const t2Before = await containerIds(t2);
        const gone = await destroy(opts(t1));
        expect(gone.steps.filter((s) => s.op === "retain").map((s) => s.name).sort()).toEqual(["backend", "edge", "redis"].map((s) => `${t1}-${s}-data`));
        const left = await tenantObjects(t1);
        expect([left.containers.length, left.networks.length, left.volumes.length]).toEqual([0, 0, 3]);
        expect(await containerIds(t2)).toEqual(t2Before);
        expect(await states(t2)).toEqual(HEALTHY());
        expect((await tenantObjects(t2)).volumes).toHaveLength(3);
        await expectData(t2);
        for (const image of Object.values(TEST_IMAGES)) await expect(docker.getImage(image).inspect()).resolves.toBeTruthy();

        await deploy(opts(t1));
        expect(await states(t1)).toEqual(HEALTHY());
        await expectData(t1);
    });

    it("5. a second up of an unchanged stack registers identical inputs and replaces nothing", async () => {
        const before = await containerIds(t2);
        const again = await deploy(opts(t2));
        expect(new Set(again.steps.map((s) => s.op))).toEqual(new Set(["same"]));
        // By URN: resources register in the order their inputs resolve, which varies between runs.
        const inputs = (r: EngineResult) => r.registrations.map((x) => [x.urn, x.inputs] as const).sort(([a], [b]) => a.localeCompare(b));
        expect(inputs(again)).toEqual(inputs(first[t2]));
        expect(await containerIds(t2)).toEqual(before);
    });

    it("7. a stopped tenant's ports are not given to a new tenant, and the stopped tenant starts again", async () => {
        for (const s of [...SQLITE_SERVICES].reverse()) await docker.getContainer(`${t2}_frontbase-${s}-1`).stop();
        // Another checkout, another lock directory: only the Docker host knows tenant2's ports now.
        process.env.FRONTBASE_LOCK_DIR = await tempDir("locks-other");
        config[t3] = stackOverrides({ tenant: t3, images: TEST_IMAGES, bindAddress: "127.0.0.1" });
        const r = await deploy(opts(t3, otherCheckout.dir));
        process.env.FRONTBASE_LOCK_DIR = lockDir;
        expect(r.diagnostics.some((d) => d.severity === "warning" && d.message.includes("not pinned in the stack's config"))).toBe(true);
        const p3 = await publishedPorts(t3);
        const taken = [...PORT_KEYS.map((k) => ports[t2][k]), ...PORT_KEYS.map((k) => ports[t1][k]), ...foreign.held];
        expect(p3.filter((p) => taken.includes(p))).toEqual([]);
        expect(await states(t3)).toEqual(HEALTHY());

        for (const s of SQLITE_SERVICES) await docker.getContainer(`${t2}_frontbase-${s}-1`).start();
        await waitHealthy(t2);
        expect(await http(ports[t2].frontend, "/")).toMatchObject({ status: 200, servedBy: "edge" });
        await expectData(t2);
    });

    async function expectData(t: string): Promise<void> {
        const viaBackend = await http(ports[t].backend, "/api/kv/note");
        const viaRedis = await http(ports[t].frontend, "/api/data/kv/note");
        expect([viaBackend.status, JSON.parse(viaBackend.text).value]).toEqual([200, `kept by ${t}`]);
        expect([viaRedis.status, JSON.parse(viaRedis.text).value]).toEqual([200, `cached by ${t}`]);
    }
});

function stackOverrides(values: Record<string, unknown>): Record<string, string> {
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [`frontbase:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

async function publishedPorts(tenant: string): Promise<number[]> {
    const { containers } = await tenantObjects(tenant);
    return containers.flatMap((c) => c.Ports.filter((p) => p.PublicPort).map((p) => p.PublicPort));
}

async function waitHealthy(tenant: string, timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (JSON.stringify(await states(tenant)) !== JSON.stringify(HEALTHY())) {
        if (Date.now() > until) throw new Error(`${tenant} not healthy after ${timeoutMs} ms: ${JSON.stringify(await states(tenant))}`);
        await new Promise((r) => setTimeout(r, 2000));
    }
}
