// Scenario 8 (a postgres tenant), the purge half of scenario 3 (`purgeDataOnDestroy: true`
// removes the volumes), and scenario 9 (bad config: a clear error, nothing created).
import { promises as fs } from "fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroy, EngineError, EngineOptions, EngineResult, preview, up } from "../engine/engine";
import { changesOf, diffLines, stepLine } from "../engine/progress";
import { docker, removeTenant, tenantObjects } from "./support/docker";
import { containerLogTail } from "../engine/realizer/health";
import { deploy, HEALTHY, http, imageVariant, secretOutput, states, tempDir, TEST_IMAGES } from "./support/fleet";
import { probeDocker } from "./support/probe";
import { copyProject, ProjectCopy } from "./support/projectCopy";
import { freePorts, Ports, tenantConfig, testTenant } from "./support/tenants";

const PG_SERVICES = ["postgres", "redis", "redis-http", "backend", "edge", "frontend"];
const probe = probeDocker(Object.values(TEST_IMAGES), "the postgres scenarios");

describe.skipIf(probe.reason)("a postgres tenant, purge on destroy, and bad config", () => {
    const tenant = testTenant("pg");
    const bad = testTenant("bad");
    let project: ProjectCopy;
    let stateDir: string;
    let ports: Ports;
    let first: EngineResult;
    const opts = (extra: Record<string, unknown> = {}, stack = tenant): EngineOptions => ({
        projectDir: project.dir,
        stack,
        stateDir,
        config: tenantConfig(stack, ports, { database: "postgres", ...extra }),
    });
    const env = async (service: string) =>
        Object.fromEntries((await docker.getContainer(`${tenant}_frontbase-${service}-1`).inspect()).Config.Env.map((e) => e.split(/=(.*)/s)));

    beforeAll(async () => {
        project = await copyProject();
        stateDir = await tempDir("state");
        ports = await freePorts();
        first = await deploy(opts());
    });
    afterAll(async () => {
        await Promise.all([removeTenant(tenant), removeTenant(bad)]);
        await project?.remove();
        if (stateDir) await fs.rm(stateDir, { recursive: true, force: true });
    });

    it("8. runs its own postgres (database `frontbase`, as the real backend hard-codes); the backend authenticates with the generated password", async () => {
        expect(await states(tenant, PG_SERVICES)).toEqual(HEALTHY(PG_SERVICES));
        // The real backend connects to postgres:5432 as frontbase/frontbase; only DB_PASSWORD comes
        // from the env. Isolation comes from each tenant's own postgres container.
        const whoami = JSON.parse((await http(ports.frontend, "/api/whoami")).text);
        expect(whoami.database).toMatchObject({ kind: "postgres", host: "postgres", port: 5432, user: "frontbase", name: "frontbase" });
        const password = secretOutput(first, "dbPassword");
        expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(await env("postgres")).toMatchObject({ POSTGRES_DB: "frontbase", POSTGRES_USER: "frontbase", POSTGRES_PASSWORD: password });
        const backend = await env("backend");
        expect(backend).toMatchObject({ DATABASE: "postgresql", DB_PASSWORD: password });
        expect(Object.keys(backend).filter((k) => ["DATABASE_URL", "SECRET_KEY", "CORS_ORIGINS"].includes(k) || k.startsWith("UPSTASH_"))).toEqual([]);
        // Never published on the host.
        expect((await docker.getContainer(`${tenant}_frontbase-postgres-1`).inspect()).HostConfig.PortBindings).toEqual({});
        // The edge's redis token came from the settings kept in that postgres database.
        const cache = await http(ports.edge, "/api/cache/test");
        expect([cache.status, JSON.parse(cache.text)]).toEqual([200, expect.objectContaining({ success: true, source: "backend" })]);
        // Data goes to postgres, not to a sqlite file.
        expect((await http(ports.backend, "/api/kv/order", { method: "PUT", body: "42" })).status).toBe(200);
        expect(JSON.parse((await http(ports.backend, "/api/kv/order")).text)).toMatchObject({ value: "42", database: "postgres" });
    });

    it("passes the drift check (preview --refresh --expect-no-changes) right after up", async () => {
        const r = await preview({ ...opts(), refresh: true });
        expect(changesOf(r.steps).map((s) => [stepLine(s), ...diffLines(s)].join("\n"))).toEqual([]);
    });

    it("a replaced postgres is stopped with its grace period: the new one finds a clean shutdown, not a crash, and the data", async () => {
        const upgraded = await imageVariant(TEST_IMAGES.postgres, `clean-stop-${tenant}`);
        const images = { ...TEST_IMAGES, postgres: upgraded };
        const r = await deploy(opts({ images }));
        expect(r.steps.find((s) => s.name === `${tenant}-postgres-container`)?.op).toBe("replace");
        const logs = await containerLogTail(docker.getContainer(`${tenant}_frontbase-postgres-1`), 200);
        expect(logs).toMatch(/database system was shut down at/);
        expect(logs).not.toMatch(/database system was interrupted|automatic recovery in progress/);
        expect(JSON.parse((await http(ports.backend, "/api/kv/order")).text)).toMatchObject({ value: "42" });
        // Back to the stand-in, so that the next test sees the tenant as it was.
        await deploy(opts());
        await docker.getImage(upgraded).remove().catch(() => undefined);
    });

    it("3. with purgeDataOnDestroy: true, destroy removes the tenant's volumes too", async () => {
        const marked = await up(opts({ purgeDataOnDestroy: true }));
        expect(new Set(marked.steps.map((s) => s.op))).toEqual(new Set(["same"]));
        expect((await tenantObjects(tenant)).volumes).toHaveLength(4);
        const gone = await destroy(opts({ purgeDataOnDestroy: true }));
        expect(gone.steps.filter((s) => s.name.endsWith("-data")).map((s) => s.op)).toEqual(["delete", "delete", "delete", "delete"]);
        const left = await tenantObjects(tenant);
        expect([left.containers, left.networks, left.volumes]).toEqual([[], [], []]);
    });

    it("9. bad config fails with an error naming the key and what is allowed, and creates nothing", async () => {
        const attempt = up(opts({ database: "mysql" }, bad));
        await expect(attempt).rejects.toBeInstanceOf(EngineError);
        await expect(attempt).rejects.toThrow('frontbase:database: must be "sqlite" or "postgres"');
        const result = await attempt.catch((e: EngineError) => e.result);
        expect(result.registrations.filter((r) => r.custom)).toEqual([]);
        const left = await tenantObjects(bad);
        expect([left.containers, left.networks, left.volumes]).toEqual([[], [], []]);
    });
});
