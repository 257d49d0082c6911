// Tenants side by side on the real engine, as an operator runs them: `tenant new` pins ports
// (around a foreign process holding 8000 and 8080), `up` deploys through the engine double and
// the program itself. Scenarios 1-7 of issue 4; each step builds on the one before. The
// tenants run the real Frontbase backend, edge and frontend (npm run images:frontbase), Debian's
// redis, and the redis-http stand-in; every probe talks to them as a browser or an operator would.
import { promises as fs } from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PORT_KEYS } from "../../components/naming";
import { decryptStackSecrets } from "../../project/stackSecrets";
import { destroy, EngineOptions, EngineResult } from "../engine/engine";
import { docker, removeTenant, tenantObjects } from "./support/docker";
import {
    containerIds,
    deploy,
    foreignListener,
    fromEdge,
    HEALTHY,
    http,
    imageVariant,
    inContainer,
    portsOf,
    reach,
    REAL_TENANT_IMAGES,
    redisHttp,
    secretOutput,
    SQLITE_SERVICES,
    stackFileConfig,
    states,
    tempDir,
    tenantCli,
} from "./support/fleet";
import { probeDocker } from "./support/probe";
import { copyProject, ProjectCopy } from "./support/projectCopy";
import { Ports, testTenant } from "./support/tenants";

const probe = probeDocker(Object.values(REAL_TENANT_IMAGES), "the fleet scenarios");

describe.skipIf(probe.reason)("a fleet of tenants on one Docker host", () => {
    const [t1, t2, t3] = [testTenant("one"), testTenant("two"), testTenant("three")];
    const config: Record<string, Record<string, string>> = {};
    const ports: Record<string, Ports> = {};
    const first: Record<string, EngineResult> = {};
    // The last `up` of each tenant: its outputs hold the credentials (t1 and t2: those `tenant new`
    // stored in their stack files, which outlive a destroy; t3, which has none, the program's own).
    const last: Record<string, EngineResult> = {};
    const secretKeys: Record<string, string[]> = {};
    const savedPassphrase = process.env.PULUMI_CONFIG_PASSPHRASE;
    let project: ProjectCopy;
    let otherCheckout: ProjectCopy;
    let lockDir: string;
    let stateDir: string;
    let foreign: { held: number[]; stop(): void };
    let variant: string | undefined;
    const opts = (stack: string, dir = project.dir): EngineOptions => ({
        projectDir: dir,
        stack,
        stateDir,
        config: config[stack],
        secretKeys: secretKeys[stack] ?? [],
    });

    beforeAll(async () => {
        [project, otherCheckout] = await Promise.all([copyProject(), copyProject()]);
        [lockDir, stateDir] = await Promise.all([tempDir("locks"), tempDir("state")]);
        process.env.FRONTBASE_LOCK_DIR = lockDir;
        foreign = await foreignListener([8000, 8080]);
        // With a passphrase, as an operator creates tenants: their credentials go into their stack
        // files, so that a destroy and an up over the kept data (scenario 4) reuse them.
        process.env.PULUMI_CONFIG_PASSPHRASE = "fleet passphrase, test only";
        for (const t of [t1, t2]) {
            const made = await tenantCli(["new", t, "--json"], project.dir, lockDir);
            expect(made).toMatchObject({ code: 0 });
            const secrets = (await decryptStackSecrets(path.join(project.dir, `Pulumi.${t}.yaml`), process.env))!;
            config[t] = { ...(await stackFileConfig(project.dir, t)), ...secrets };
            secretKeys[t] = Object.keys(secrets);
            ports[t] = portsOf(config[t]);
            expect(JSON.parse(made.out)).toEqual({ tenant: t, ports: ports[t] });
        }
        const [r1, r2] = await Promise.all([deploy(opts(t1)), deploy(opts(t2))]);
        Object.assign(first, { [t1]: r1, [t2]: r2 });
        Object.assign(last, first);
    });
    afterAll(async () => {
        if (savedPassphrase === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
        else process.env.PULUMI_CONFIG_PASSPHRASE = savedPassphrase;
        foreign?.stop();
        await Promise.all([t1, t2, t3].map((t) => removeTenant(t)));
        if (variant)
            await docker
                .getImage(variant)
                .remove()
                .catch(() => undefined);
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

    it("1. the frontend URL answers through nginx: the admin UI, the edge's public pages, the backend's API", async () => {
        for (const t of [t1, t2]) {
            const p = ports[t].frontend;
            // The admin SPA is nginx's own (static files), deep routes fall back to its index.html.
            for (const route of ["/frontbase-admin/", "/frontbase-admin/pages"]) {
                const admin = await http(p, route);
                expect([t, route, admin.status, admin.text.includes('<div id="root"'), fromEdge(admin)]).toEqual([
                    t,
                    route,
                    200,
                    true,
                    false,
                ]);
            }
            // `/` and the edge's prefixes go to the edge (its X-Request-Id), `/api` to the backend.
            const root = await http(p, "/");
            expect([t, root.status, fromEdge(root)]).toEqual([t, 200, true]);
            expect(root.text).toContain("No Homepage Configured");
            for (const edgeRoute of ["/api/data/none", "/api/storage/none", "/edge", "/static/none.js"])
                expect([t, edgeRoute, fromEdge(await http(p, edgeRoute))]).toEqual([t, edgeRoute, true]);
            const api = await http(p, "/api/sync/health");
            expect([t, api.status, JSON.parse(api.text), fromEdge(api)]).toEqual([t, 200, { status: "healthy" }, false]);
        }
    });

    it("1. each edge took its redis settings from its backend at start-up, and redis-http accepts that token", async () => {
        // The edge's /api/health does not look at redis (upstream's does not); /api/cache/test
        // pings through redis-http with what the edge read at start-up.
        for (const t of [t1, t2]) {
            const token = secretOutput(last[t], "redisToken");
            const settings = JSON.parse((await http(ports[t].frontend, "/api/sync/settings/redis/")).text);
            expect(settings).toMatchObject({ redis_url: "http://redis-http:80", redis_token: token, redis_enabled: true });
            const r = await http(ports[t].edge, "/api/cache/test");
            expect([t, r.status, JSON.parse(r.text)]).toEqual([t, 200, expect.objectContaining({ success: true })]);
            // From those settings, not from the UPSTASH_* fallback in its env.
            expect(await edgeLog(t)).toContain("[Startup Sync] ✅ Redis initialized from settings");
            expect((await redisHttp(ports[t].redisHttp, "not-the-token-0123456789", ["PING"])).status).toBe(401);
        }
    });

    it("2. from tenant1's containers, tenant2's services neither resolve nor connect", async () => {
        const other = await docker.getContainer(`${t2}_frontbase-backend-1`).inspect();
        const ip = Object.values(other.NetworkSettings.Networks)[0].IPAddress;
        expect(await reach(t1, "backend", `${t2}_frontbase-backend-1`, 8000)).toEqual({ resolved: false, connected: false });
        expect((await reach(t1, "backend", ip, 8000)).connected).toBe(false);
        expect(await reach(t1, "edge", `${t2}_frontbase-redis-1`, 6379)).toEqual({ resolved: false, connected: false });
        // Its own peers are reachable by their service names (and tenant2's reaches its own).
        expect(await reach(t1, "backend", "redis", 6379)).toEqual({ resolved: true, connected: true });
        expect(await reach(t1, "edge", "backend", 8000)).toEqual({ resolved: true, connected: true });
        expect(await reach(t2, "backend", ip, 8000)).toEqual({ resolved: true, connected: true });
    });

    it("3. data written through the backend's API and into redis survives container replacement", async () => {
        for (const t of [t1, t2]) {
            const created = await http(ports[t].frontend, "/api/variables/", {
                method: "POST",
                json: { name: "fleet_note", type: "variable", value: `kept by ${t}` },
            });
            expect([t, created.status]).toEqual([t, 200]);
            const set = await redisHttp(ports[t].redisHttp, secretOutput(last[t], "redisToken"), ["SET", "fleet:note", `cached by ${t}`]);
            expect([t, set.status, JSON.parse(set.text)]).toEqual([t, 200, { result: "OK" }]);
        }
        await expectData(t1);
        const before = await containerIds(t1);
        variant = await imageVariant(REAL_TENANT_IMAGES.redis, "variant-b");
        config[t1] = {
            ...config[t1],
            ...stackOverrides({ images: { ...REAL_TENANT_IMAGES, redis: variant }, adminEmail: "ops@example.com" }),
        };
        const r = (last[t1] = await deploy(opts(t1)));
        const ops = Object.fromEntries(r.steps.map((s) => [s.name, s.op]));
        expect([ops[`${t1}-redis-container`], ops[`${t1}-backend-container`]]).toEqual(["replace", "replace"]);
        const after = await containerIds(t1);
        expect([after.redis === before.redis, after.backend === before.backend]).toEqual([false, false]);
        expect(await states(t1)).toEqual(HEALTHY());
        await expectData(t1);
        // The replaced backend took the new admin e-mail; the password is the tenant's own.
        const login = await http(ports[t1].frontend, "/api/auth/login", {
            method: "POST",
            json: { email: "ops@example.com", password: secretOutput(last[t1], "adminPassword") },
        });
        expect(login.status).toBe(200);
    });

    it("3+4. destroy keeps tenant1's volumes and touches nothing of tenant2's; up brings the data back, with the same credentials", async () => {
        const t2Before = await containerIds(t2);
        const keyBefore = secretOutput(last[t1], "encryptionKey");
        const gone = await destroy(opts(t1));
        expect(
            gone.steps
                .filter((s) => s.op === "retain")
                .map((s) => s.name)
                .sort(),
        ).toEqual(["backend", "edge", "redis"].map((s) => `${t1}-${s}-data`));
        const left = await tenantObjects(t1);
        expect([left.containers.length, left.networks.length, left.volumes.length]).toEqual([0, 0, 3]);
        expect(await containerIds(t2)).toEqual(t2Before);
        expect(await states(t2)).toEqual(HEALTHY());
        expect((await tenantObjects(t2)).volumes).toHaveLength(3);
        await expectData(t2);
        for (const image of Object.values(REAL_TENANT_IMAGES)) await expect(docker.getImage(image).inspect()).resolves.toBeTruthy();

        last[t1] = await deploy(opts(t1));
        expect(await states(t1)).toEqual(HEALTHY());
        await expectData(t1);
        expect(secretOutput(last[t1], "encryptionKey")).toBe(keyBefore);
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
        config[t3] = stackOverrides({ tenant: t3, images: REAL_TENANT_IMAGES, bindAddress: "127.0.0.1" });
        const r = await deploy(opts(t3, otherCheckout.dir));
        process.env.FRONTBASE_LOCK_DIR = lockDir;
        expect(r.diagnostics.some((d) => d.severity === "warning" && d.message.includes("not pinned in the stack's config"))).toBe(true);
        const p3 = await publishedPorts(t3);
        const taken = [...PORT_KEYS.map((k) => ports[t2][k]), ...PORT_KEYS.map((k) => ports[t1][k]), ...foreign.held];
        expect(p3.filter((p) => taken.includes(p))).toEqual([]);
        expect(await states(t3)).toEqual(HEALTHY());

        for (const s of SQLITE_SERVICES) await docker.getContainer(`${t2}_frontbase-${s}-1`).start();
        await waitHealthy(t2);
        const root = await http(ports[t2].frontend, "/");
        expect([root.status, fromEdge(root)]).toEqual([200, true]);
        await expectData(t2);
    });

    /** The tenant's data, read back as a browser (the API through the frontend) and an operator (redis-cli) would. */
    async function expectData(t: string): Promise<void> {
        const variables = JSON.parse((await http(ports[t].frontend, "/api/variables/")).text) as { name: string; value: string }[];
        expect([t, variables.map((v) => [v.name, v.value])]).toEqual([t, [["fleet_note", `kept by ${t}`]]]);
        expect([t, await inContainer(t, "redis", ["redis-cli", "GET", "fleet:note"])]).toEqual([t, `cached by ${t}`]);
        const viaRedisHttp = await redisHttp(ports[t].redisHttp, secretOutput(last[t], "redisToken"), ["GET", "fleet:note"]);
        expect([t, JSON.parse(viaRedisHttp.text)]).toEqual([t, { result: `cached by ${t}` }]);
        // And the edge's own round trip through redis-http to this redis still works.
        expect([t, JSON.parse((await http(ports[t].edge, "/api/cache/test")).text).success]).toEqual([t, true]);
    }

    async function edgeLog(t: string): Promise<string> {
        const buf = (await docker
            .getContainer(`${t}_frontbase-edge-1`)
            .logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
        return buf.toString("utf8");
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
