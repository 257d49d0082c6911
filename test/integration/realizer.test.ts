// One sqlite tenant through its life on the real Docker Engine, driven by the engine double and
// the program itself: preview, up, up again, change, destroy. Everything it creates carries
// frontbase.tenant=<test tenant> and is removed afterwards, also when a test fails.
import { promises as fs } from "fs";
import * as http from "http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroy, EngineOptions, EngineResult, preview, up } from "../engine/engine";
import type { Registration } from "../engine/types";
import { changesOf, diagnosticLine, diffLines, stepLine } from "../engine/progress";
import { decode, isSecret } from "../engine/serialize";
import { REAL_TENANT_IMAGES } from "../images/frontbase";
import { docker, removeTenant, tenantObjects } from "./support/docker";
import { probeDocker } from "./support/probe";
import { PROJECT_DIR } from "./support/projectCopy";
import { freePorts, Ports, tempStateDir, tenantConfig, testTenant } from "./support/tenants";

const MB = 1024 * 1024;
const SERVICES = ["redis", "redis-http", "backend", "edge", "frontend"];
// The real Frontbase backend, edge and frontend (npm run images:frontbase), Debian's redis,
// the redis-http stand-in.
const SQLITE_IMAGES = [
    REAL_TENANT_IMAGES.redis,
    REAL_TENANT_IMAGES.redisHttp,
    REAL_TENANT_IMAGES.backend,
    REAL_TENANT_IMAGES.edge,
    REAL_TENANT_IMAGES.frontend,
];
const probe = probeDocker(SQLITE_IMAGES, "the realizer round trip");

function get(port: number, path = "/"): Promise<number> {
    return new Promise((resolve, reject) =>
        http
            .get({ host: "127.0.0.1", port, path, timeout: 10_000 }, (res) => (res.resume(), resolve(res.statusCode ?? 0)))
            .on("error", reject),
    );
}

describe.skipIf(probe.reason)("a sqlite tenant on the real engine: preview, up, up again, change, destroy", () => {
    const tenant = testTenant("rt");
    const printed: string[] = [];
    let ports: Ports;
    let stateDir: string;
    let planned: EngineResult;
    let first: EngineResult;
    const opts = (extra: Record<string, unknown> = {}): EngineOptions => ({
        projectDir: PROJECT_DIR,
        stack: tenant,
        stateDir,
        config: tenantConfig(tenant, ports, { images: REAL_TENANT_IMAGES, ...extra }),
        // Everything a person running the harness would see; checked for secrets below.
        onStep: (s) => void printed.push(stepLine(s)),
        onLog: (urn, m) => void printed.push(`${urn}: ${m}`),
        onDiagnostic: (d) => void printed.push(diagnosticLine(d)),
        onOutput: (_, t) => void printed.push(t),
    });
    const containerId = async (service: string) => (await docker.getContainer(`${tenant}_frontbase-${service}-1`).inspect()).Id;
    const ids = async () => Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, await containerId(s)])));
    const opsOf = (r: EngineResult) => Object.fromEntries(r.steps.map((s) => [s.name, s.op]));
    /** `preview --refresh --expect-no-changes`: the changes it would report, as the harness prints them. */
    const drift = async (extra: Record<string, unknown> = {}) =>
        changesOf((await preview({ ...opts(extra), refresh: true })).steps).map((s) => [stepLine(s), ...diffLines(s)].join("\n"));
    const healthyAgain = async () => {
        for (let i = 0; i < 120; i++) {
            const st = await Promise.all(
                SERVICES.map(async (s) => (await docker.getContainer(`${tenant}_frontbase-${s}-1`).inspect()).State),
            );
            if (st.every((x) => x.Running && (x.Health === undefined || x.Health.Status === "healthy"))) return;
            await new Promise((r) => setTimeout(r, 1000));
        }
        throw new Error("containers not healthy again within 120 s");
    };

    beforeAll(async () => {
        ports = await freePorts();
        stateDir = await tempStateDir();
        planned = await preview(opts());
        first = await up(opts());
        console.log(`up of ${tenant} (sqlite): ${first.totalMs} ms, program loaded after ${first.loadMs} ms`);
    });
    afterAll(async () => {
        await removeTenant(tenant);
        if (stateDir) await fs.rm(stateDir, { recursive: true, force: true });
    });

    it("the update loads the program like the preview did: same resources, same options; envs arrive as secrets", () => {
        // Dependencies are sets to the engine; the SDK lists them in the order their outputs resolve.
        const asSets = (o: Registration["options"]) => ({
            ...o,
            dependencies: [...o.dependencies].sort(),
            propertyDependencies: Object.fromEntries(Object.entries(o.propertyDependencies).map(([k, v]) => [k, [...v].sort()])),
        });
        // Registered in the order their inputs resolved, which varies between runs: compared by URN.
        const byUrn = (r: EngineResult) =>
            r.registrations.map((x) => [x.urn, asSets(x.options)] as const).sort(([a], [b]) => a.localeCompare(b));
        expect(byUrn(first)).toEqual(byUrn(planned));
        expect(first.registrations.flatMap((x) => x.unknownPaths)).toEqual([]);
        const envSecret = (s: string) =>
            first.registrations.find((x) => x.name === `${tenant}-${s}-container`)!.secretPaths.includes("envs");
        expect(SERVICES.map(envSecret)).toEqual([false, true, true, true, false]);
        expect(isSecret(first.outputs!.adminPassword)).toBe(true);
        expect(isSecret(first.outputs!.redisToken)).toBe(true);
    });

    it("declares what makes changes reach Docker: health check, init and start (suspend, resume) changes replace, and the frontend's labels come from backend and edge", () => {
        const reg = (s: string) => first.registrations.find((x) => x.name === `${tenant}-${s}-container`)!;
        for (const s of SERVICES) expect([s, reg(s).options.replaceOnChanges]).toEqual([s, ["healthcheck", "init", "start"]]);
        expect([...reg("frontend").options.propertyDependencies.labels].sort()).toEqual([reg("backend").urn, reg("edge").urn].sort());
        // The edge follows the job that writes the redis token it reads at start-up.
        expect(reg("edge").options.propertyDependencies.labels).toEqual([
            first.registrations.find((x) => x.name === `${tenant}-redis-token-job`)!.urn,
        ]);
    });

    it("an untouched tenant passes the drift check (preview --refresh --expect-no-changes) right after up, and after its containers restart", async () => {
        expect(await drift()).toEqual([]);
        await Promise.all(SERVICES.map((s) => docker.getContainer(`${tenant}_frontbase-${s}-1`).restart({ t: 10 })));
        await healthyAgain();
        expect(await drift()).toEqual([]);
    });

    it("creates the tenant's objects; every container runs, healthy where it has a check", async () => {
        const o = await tenantObjects(tenant);
        expect(o.containers.map((c) => c.Names[0]).sort()).toEqual(
            [...SERVICES.map((s) => `/${tenant}_frontbase-${s}-1`), `/${tenant}_frontbase-redis-token-job`].sort(),
        );
        const job = await docker.getContainer(`${tenant}_frontbase-redis-token-job`).inspect();
        expect([job.State.Status, job.State.ExitCode]).toEqual(["exited", 0]);
        expect(o.networks.map((n) => n.Name)).toEqual([`${tenant}_frontbase_frontbase`]);
        expect(o.volumes.map((v) => v.Name).sort()).toEqual(["backend", "edge", "redis"].map((s) => `${tenant}_frontbase_${s}_data`));
        for (const s of SERVICES) {
            const st = (await docker.getContainer(`${tenant}_frontbase-${s}-1`).inspect()).State;
            expect([s, st.Running, st.Health?.Status ?? "no check"]).toEqual([s, true, s === "redis-http" ? "no check" : "healthy"]);
        }
        expect(await get(ports.frontend)).toBe(200);
    });

    it("maps the declared container fields onto Docker one-to-one", async () => {
        const b = await docker.getContainer(`${tenant}_frontbase-backend-1`).inspect();
        expect(b.HostConfig.PortBindings).toEqual({ "8000/tcp": [{ HostIp: "127.0.0.1", HostPort: String(ports.backend) }] });
        expect(b.HostConfig.Memory).toBe(512 * MB);
        expect(b.HostConfig.RestartPolicy).toEqual({ Name: "unless-stopped", MaximumRetryCount: 0 });
        expect(b.HostConfig.LogConfig).toEqual({ Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } });
        expect(b.HostConfig.SecurityOpt).toEqual(["no-new-privileges:true"]);
        expect(b.Mounts.map((m) => [m.Type, m.Name, m.Destination])).toEqual([["volume", `${tenant}_frontbase_backend_data`, "/app/data"]]);
        expect(Object.keys(b.NetworkSettings.Networks)).toEqual([`${tenant}_frontbase_frontbase`]);
        expect(b.NetworkSettings.Networks[`${tenant}_frontbase_frontbase`].Aliases).toContain("backend");
        expect(b.Config.Hostname).toBe("backend");
        expect(b.Config.Labels).toMatchObject({ "frontbase.tenant": tenant, "com.docker.compose.service": "backend" });
        // healthInterval 2 (the tests' config): the backend's own 10 s x 5 retries becomes 2 s x 25.
        expect([b.Config.Healthcheck?.Interval, b.Config.Healthcheck?.Retries]).toEqual([2e9, 25]);
        // Only the edge runs under Docker's init (it ignores SIGTERM as process 1).
        expect(b.HostConfig.Init).toBe(false);
        expect((await docker.getContainer(`${tenant}_frontbase-edge-1`).inspect()).HostConfig.Init).toBe(true);
        const env = async (s: string) =>
            Object.fromEntries(
                (await docker.getContainer(`${tenant}_frontbase-${s}-1`).inspect()).Config.Env.map((e) => e.split(/=(.*)/s)),
            );
        const token = decode(first.outputs!.redisToken).value;
        expect((await env("redis-http")).SRH_TOKEN).toBe(token);
        const backend = await env("backend");
        expect(backend).toMatchObject({
            DATABASE: "sqlite",
            REDIS_TOKEN: token,
            EDGE_URL: "http://edge:3002",
            EDGE_SSR_URL: "http://edge:3002",
            EDGE_ENGINE_URL: "http://edge:3002",
            ENVIRONMENT: "production",
            ALLOW_REGISTRATION: "false",
        });
        expect(backend.ENCRYPTION_KEY).toMatch(/^[A-Za-z0-9_-]{43}=$/);
        expect(
            Object.keys(backend).filter(
                (k) => ["DATABASE_URL", "DB_PASSWORD", "SECRET_KEY", "CORS_ORIGINS"].includes(k) || k.startsWith("UPSTASH_"),
            ),
        ).toEqual([]);
        const edge = await env("edge");
        expect(edge).toMatchObject({
            PORT: "3002",
            SQLITE_PATH: "/app/data/edge.db",
            PAGES_DB_URL: "file:/app/data/pages.db",
            FASTAPI_URL: "http://backend:8000",
            NODE_ENV: "production",
            UPSTASH_REDIS_REST_URL: "http://redis-http:80",
            UPSTASH_REDIS_REST_TOKEN: token,
        });
        expect(edge.DATABASE_URL).toBeUndefined();
        expect((await env("redis")).SRH_TOKEN).toBeUndefined();
    });

    it("prints no secret value, and stores none in plain text", async () => {
        const secrets = ["adminPassword", "redisToken"].map((k) => decode(first.outputs![k]).value as string);
        expect(secrets.every((s) => s.length >= 24)).toBe(true);
        const text = printed.join("\n") + first.runner!.stdout + first.runner!.stderr + first.diagnostics.map((d) => d.message).join("\n");
        expect(text).toContain("[secret]");
        for (const s of secrets) expect(text.includes(s)).toBe(false);
        const state = await fs.readFile(`${stateDir}/${tenant}.json`, "utf8");
        for (const s of secrets) expect(state.includes(s)).toBe(false);
    });

    it("a second up of the unchanged stack changes nothing: same containers, same credentials", async () => {
        const before = await ids();
        const again = await up(opts());
        expect(new Set(again.steps.map((s) => s.op))).toEqual(new Set(["same"]));
        expect(await ids()).toEqual(before);
        expect(decode(again.outputs!.redisToken).value).toBe(decode(first.outputs!.redisToken).value);
    });

    it("memory raised 3x updates in place (swap with it) and then passes the drift check", async () => {
        const before = await ids();
        const memory = await up(opts({ memory: { frontend: 192 } }));
        expect(memory.steps.filter((s) => s.op !== "same").map((s) => [s.name, s.op, s.changed])).toEqual([
            [`${tenant}-frontend-container`, "update", ["memory", "memorySwap"]],
        ]);
        expect(await ids()).toEqual(before);
        const hc = (await docker.getContainer(before.frontend).inspect()).HostConfig;
        expect([hc.Memory, hc.MemorySwap]).toEqual([192 * MB, 192 * MB]);
        expect(await drift({ memory: { frontend: 192 } })).toEqual([]);
    });

    it("a backend replacement (env change) replaces the frontend with it, which keeps serving the backend through nginx; the edge stays", async () => {
        const before = await ids();
        const changed = await up(opts({ memory: { frontend: 192 }, adminEmail: "owner@example.org" }));
        const ops = opsOf(changed);
        expect(SERVICES.map((s) => ops[`${tenant}-${s}-container`])).toEqual(["same", "same", "replace", "same", "replace"]);
        const after = await ids();
        expect(SERVICES.map((s) => after[s] === before[s])).toEqual([true, true, false, true, false]);
        // nginx resolved `backend` once, at its own start: after the backend's.
        // nginx resolved `backend` once, at its own start, after the backend's: /api reaches it.
        expect(await get(ports.frontend, "/api/sync/health")).toBe(200);
        expect(await drift({ memory: { frontend: 192 }, adminEmail: "owner@example.org" })).toEqual([]);
    });

    it("a port change replaces only that container, delete-first; dependsOn alone does not replace its dependents", async () => {
        const before = await ids();
        ports = { ...ports, redisHttp: (await freePorts()).redisHttp };
        const moved = await up(opts({ memory: { frontend: 192 }, adminEmail: "owner@example.org" }));
        const ops = opsOf(moved);
        expect(SERVICES.map((s) => ops[`${tenant}-${s}-container`])).toEqual(["same", "replace", "same", "same", "same"]);
        const after = await ids();
        expect(SERVICES.map((s) => after[s] === before[s])).toEqual([true, false, true, true, true]);
        expect(await get(ports.redisHttp, "/")).toBeGreaterThan(0);
    });

    it("destroy removes containers and network, keeps the data volumes (retainOnDelete) and the images", async () => {
        const started = Date.now();
        const gone = await destroy(opts({ memory: { frontend: 192 }, adminEmail: "owner@example.org" }));
        console.log(`destroy of ${tenant}: ${Date.now() - started} ms`);
        expect(
            gone.steps
                .filter((s) => s.op === "retain")
                .map((s) => s.name)
                .sort(),
        ).toEqual(["backend", "edge", "redis"].map((s) => `${tenant}-${s}-data`));
        const o = await tenantObjects(tenant);
        expect([o.containers, o.networks]).toEqual([[], []]);
        expect(o.volumes).toHaveLength(3);
        for (const image of SQLITE_IMAGES)
            await expect(docker.getImage(image).inspect()).resolves.toMatchObject({ RepoTags: expect.arrayContaining([image]) });
        expect(JSON.parse(await fs.readFile(`${stateDir}/${tenant}.json`, "utf8")).resources).toEqual([]);
    });
});
