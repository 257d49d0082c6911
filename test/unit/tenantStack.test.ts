// What TenantStack declares, resource by resource, under Pulumi mocks.
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { parseTenantConfig, TenantConfig } from "../../components/config";
import { TENANT_STACK_TYPE } from "../../components/naming";
import type { TenantStack as TenantStackT } from "../../components/TenantStack";
import { valueOf } from "../support/pulumiMocks";
import { CONTAINER, IMAGE, labelsOf, mockedTenantStack, NETWORK, PASSWORD, PORTS, VOLUME } from "../support/tenantStackMocks";

const { rec, TenantStack: loaded } = mockedTenantStack();

function config(extra: Record<string, string> = {}, stack = "tenant1"): TenantConfig {
    return parseTenantConfig(extra, {
        stack,
        secretKeys: new Set(["frontbase:dbPassword", "frontbase:redisToken", "frontbase:adminPassword", "frontbase:encryptionKey"]),
    });
}

/** Build a tenant and wait until every container is registered. */
async function deploy(cfg: TenantConfig, ports = PORTS): Promise<TenantStackT> {
    // The transformation records every resource's options (the mocks see only inputs).
    const t = new (loaded())(cfg.tenant, { config: cfg, ports }, { transformations: [rec.transformation] });
    await Promise.all(Object.values(t.containers).map((c) => valueOf(c!.id)));
    return t;
}

const container = (tenant: string, service: string) => rec.one(CONTAINER, `${tenant}-${service}-container`).inputs;
const envOf = (inputs: Record<string, any>): Record<string, string> =>
    Object.fromEntries((inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
const env = (tenant: string, service: string): Record<string, string> => envOf(container(tenant, service));

describe("TenantStack (sqlite)", () => {
    beforeEach(async () => void (await deploy(config())));

    it("declares one network, three volumes, five images, five containers, the redis-token job and three generated secrets", () => {
        expect(rec.byType(NETWORK).map((r) => r.inputs.name)).toEqual(["tenant1_frontbase_frontbase"]);
        expect(
            rec
                .byType(VOLUME)
                .map((r) => r.inputs.name)
                .sort(),
        ).toEqual(["tenant1_frontbase_backend_data", "tenant1_frontbase_edge_data", "tenant1_frontbase_redis_data"]);
        expect(
            rec
                .byType(CONTAINER)
                .map((r) => r.inputs.name)
                .sort(),
        ).toEqual([
            "tenant1_frontbase-backend-1",
            "tenant1_frontbase-edge-1",
            "tenant1_frontbase-frontend-1",
            "tenant1_frontbase-redis-1",
            "tenant1_frontbase-redis-http-1",
            "tenant1_frontbase-redis-token-job",
        ]);
        expect(rec.byType(IMAGE).map((r) => r.inputs)).toContainEqual({ name: "redis:7.4.2-alpine", keepLocally: true });
        expect(rec.byType(IMAGE).every((r) => r.inputs.keepLocally === true)).toBe(true);
        expect(
            rec
                .byType(PASSWORD)
                .map((r) => r.name)
                .sort(),
        ).toEqual(["tenant1-admin-password", "tenant1-encryption-key", "tenant1-redis-token"]);
    });

    it.each([
        // service, image, host port, internal port, volume, mount path
        ["backend", "frontbase-backend:latest", 8001, 8000, "tenant1_frontbase_backend_data", "/app/data"],
        ["edge", "frontbase-edge:latest", 3003, 3002, "tenant1_frontbase_edge_data", "/app/data"],
        ["frontend", "frontbase-frontend:latest", 8081, 80, undefined, undefined],
        ["redis-http", "hiett/serverless-redis-http:0.0.10", 8082, 80, undefined, undefined],
        ["redis", "redis:7.4.2-alpine", undefined, undefined, "tenant1_frontbase_redis_data", "/data"],
    ])("%s: image %s, host port %s -> %s, volume %s at %s", (service, image, host, internal, volume, path) => {
        const c = container("tenant1", service);
        expect(c.image).toBe(`sha256:id-of-${image}`);
        expect(c.hostname).toBe(service);
        expect(c.ports).toEqual(host === undefined ? [] : [{ internal, external: host, ip: "0.0.0.0", protocol: "tcp" }]);
        expect(c.networksAdvanced).toEqual([{ name: "tenant1_frontbase_frontbase", aliases: [service] }]);
        expect(c.mounts).toEqual(volume === undefined ? [] : [{ type: "volume", source: volume, target: path }]);
        const follows =
            service === "frontend"
                ? { "frontbase.follows.backend": "tenant1-backend-container-id", "frontbase.follows.edge": "tenant1-edge-container-id" }
                : service === "edge"
                  ? { "frontbase.follows.redis-token": "tenant1-redis-token-job-id" }
                  : {};
        expect(labelsOf(c)).toEqual({
            "com.docker.compose.project": "tenant1_frontbase",
            "com.docker.compose.service": service,
            "frontbase.tenant": "tenant1",
            ...follows,
        });
        expect(c.restart).toBe("unless-stopped");
        expect(c.logDriver).toBe("json-file");
        expect(c.logOpts).toEqual({ "max-size": "10m", "max-file": "3" });
        expect(c.securityOpts).toEqual(["no-new-privileges:true"]);
    });

    it.each([
        ["backend", 512, ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8000/health/"], "10s", 5, "1m0s"],
        ["edge", 256, ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:3002/api/health"], "15s", 3, "10s"],
        ["frontend", 64, ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1/nginx-health"], "10s", 3, "0s"],
        ["redis", 256, ["CMD", "redis-cli", "ping"], "10s", 5, "0s"],
    ])("%s: %s MiB, health check %j every %s", (service, memory, tests, interval, retries, startPeriod) => {
        const c = container("tenant1", service);
        expect(c.memory).toBe(memory);
        expect(c.healthcheck).toMatchObject({ tests, interval, retries, startPeriod });
        expect(c.wait).toBe(true);
        // Swap equal to memory: what Docker stores is what the provider reads back.
        expect(c.memorySwap).toBe(memory);
    });

    it.each([
        ["backend", 20],
        ["edge", 20],
        ["redis", 30],
        ["frontend", 10],
        ["redis-http", 10],
    ])("%s gets %s s to stop before it is killed", (service, grace) => {
        expect(container("tenant1", service).destroyGraceSeconds).toBe(grace);
    });

    it("runs only the edge under an init: the real edge installs no SIGTERM handler, and as process 1 would ignore the stop signal", () => {
        expect(container("tenant1", "edge").init).toBe(true);
        for (const service of ["backend", "frontend", "redis", "redis-http"])
            expect({ service, init: container("tenant1", service).init }).toEqual({ service, init: undefined });
    });

    it("redis-http has no upstream health check, so create does not wait on one", () => {
        const c = container("tenant1", "redis-http");
        expect(c.healthcheck).toBeUndefined();
        expect(c.wait).toBe(false);
        expect(c.memory).toBe(64);
    });

    it("redis keeps an append-only file so writes survive a replacement", () => {
        expect(container("tenant1", "redis").command).toEqual(["redis-server", "--appendonly", "yes", "--hz", "1"]);
    });

    it("hands the one redis-http token to redis-http, the backend, the edge's fallback and the job that stores it in the backend's settings", () => {
        const token = env("tenant1", "redis-http").SRH_TOKEN;
        expect(token).toBe("generated-tenant1-redis-token");
        expect(env("tenant1", "redis-http")).toMatchObject({ SRH_MODE: "env", SRH_CONNECTION_STRING: "redis://redis:6379" });
        expect(env("tenant1", "backend").REDIS_TOKEN).toBe(token);
        expect(env("tenant1", "edge")).toMatchObject({ UPSTASH_REDIS_REST_URL: "http://redis-http:80", UPSTASH_REDIS_REST_TOKEN: token });
        const job = rec.one(CONTAINER, "tenant1-redis-token-job").inputs as Record<string, any>;
        expect(envOf(job)).toEqual({ REDIS_TOKEN: token });
        expect(job.entrypoints.join(" ")).toContain("PUT");
        expect(job.entrypoints.join(" ")).toContain("http://backend:8000/api/sync/settings/redis/");
        expect(job.entrypoints.join(" ")).not.toContain(token);
        expect([job.name, job.attach, job.mustRun, job.restart]).toEqual(["tenant1_frontbase-redis-token-job", true, false, "no"]);
        expect(rec.one(CONTAINER, "tenant1-redis-token-job").secretInputs).toEqual(new Set(["envs"]));
    });

    it("wires the backend as the real one reads it: DATABASE, admin, encryption key, the edge on 3002; nothing it ignores", () => {
        const backend = env("tenant1", "backend");
        expect(backend).toMatchObject({
            DATABASE: "sqlite",
            ADMIN_PASSWORD: "generated-tenant1-admin-password",
            ADMIN_EMAIL: "admin@example.com",
            EDGE_URL: "http://edge:3002",
            ENVIRONMENT: "production",
        });
        expect(backend.ENCRYPTION_KEY).toMatch(/^[A-Za-z0-9_-]{43}=$/);
        expect(Buffer.from(backend.ENCRYPTION_KEY, "base64url")).toHaveLength(32);
        for (const ignored of ["DATABASE_URL", "SECRET_KEY", "CORS_ORIGINS", "DB_PASSWORD"]) expect(backend[ignored]).toBeUndefined();
        expect(env("tenant1", "edge")).toMatchObject({
            PORT: "3002",
            FASTAPI_URL: "http://backend:8000",
            SQLITE_PATH: "/app/data/edge.db",
            PAGES_DB_URL: "file:/app/data/pages.db",
        });
        expect(env("tenant1", "edge").DATABASE_URL).toBeUndefined();
    });
});

// Resource options never reach the mock monitor; the transformation on the component sees them.
describe("TenantStack resource options", () => {
    const CONTAINERS = ["postgres", "redis", "redis-http", "backend", "edge", "frontend"].map((s) => `tenant1-${s}-container`);
    const opts = (type: string, name: string) => rec.optionsOf(type, name);
    beforeEach(async () => void (await deploy(config({ "frontbase:database": "postgres" }))));

    it("keeps every data volume on destroy", () => {
        const volumes = rec.byType(VOLUME).map((r) => r.name);
        expect(volumes.sort()).toEqual(["tenant1-backend-data", "tenant1-edge-data", "tenant1-postgres-data", "tenant1-redis-data"]);
        for (const v of volumes) expect({ v, retainOnDelete: opts(VOLUME, v).retainOnDelete }).toEqual({ v, retainOnDelete: true });
    });

    it("lets destroy delete the volumes only with purgeDataOnDestroy: true", async () => {
        rec.reset();
        await deploy(config({ "frontbase:purgeDataOnDestroy": "true" }));
        const volumes = rec.byType(VOLUME).map((r) => r.name);
        expect(volumes).toHaveLength(3);
        for (const v of volumes) expect({ v, retainOnDelete: opts(VOLUME, v).retainOnDelete }).toEqual({ v, retainOnDelete: false });
    });

    it("replaces every container and the job delete-first: their names and host ports are fixed", () => {
        for (const c of [...CONTAINERS, "tenant1-redis-token-job"])
            expect({ c, deleteBeforeReplace: opts(CONTAINER, c).deleteBeforeReplace }).toEqual({ c, deleteBeforeReplace: true });
    });

    it("replaces a container whose health check, init or start changes (the provider would store any of them without telling Docker)", () => {
        for (const c of CONTAINERS)
            expect({ c, replaceOnChanges: opts(CONTAINER, c).replaceOnChanges }).toEqual({
                c,
                replaceOnChanges: ["healthcheck", "init", "start"],
            });
        expect(opts(CONTAINER, "tenant1-redis-token-job").replaceOnChanges).toBeUndefined();
    });

    it.each([
        ["postgres-container", []],
        ["redis-container", []],
        ["redis-http-container", ["tenant1-redis-container"]],
        ["backend-container", ["tenant1-postgres-container"]],
        ["redis-token-job", ["tenant1-backend-container"]],
        ["edge-container", ["tenant1-backend-container", "tenant1-redis-http-container", "tenant1-redis-token-job"]],
        ["frontend-container", ["tenant1-backend-container", "tenant1-edge-container"]],
    ])("starts tenant1-%s after %j", (name, after) => {
        expect(opts(CONTAINER, `tenant1-${name}`).dependsOn).toEqual(after);
    });

    it("makes every resource a child of the component, protects none and ignores no change (drift checks see every input)", () => {
        const all = rec.resources.filter((r) => r.type !== TENANT_STACK_TYPE);
        expect(all).toHaveLength(1 + 4 + 6 + 7 + 4); // network, volumes, images, containers and the job, generated secrets
        for (const r of all) {
            const o = opts(r.type, r.name);
            expect({ r: r.name, parent: o.parent, protect: o.protect, ignoreChanges: o.ignoreChanges }).toEqual({
                r: r.name,
                parent: "tenant1",
                protect: undefined,
                ignoreChanges: undefined,
            });
        }
    });
});

describe("TenantStack outputs and secrets", () => {
    it("marks credentials and secret-bearing env lists as secrets", async () => {
        const t = await deploy(config({ "frontbase:database": "postgres" }));
        for (const o of [t.adminPassword, t.redisToken, t.encryptionKey, t.dbPassword!]) expect(await pulumi.isSecret(o)).toBe(true);
        for (const svc of ["postgres", "redis-http", "backend", "edge"]) {
            expect(rec.one(CONTAINER, `tenant1-${svc}-container`).secretInputs).toEqual(new Set(["envs"]));
        }
        for (const svc of ["redis", "frontend"]) expect(rec.one(CONTAINER, `tenant1-${svc}-container`).secretInputs.size).toBe(0);
        expect(t.urls).toEqual({
            backend: "http://localhost:8001",
            edge: "http://localhost:3003",
            frontend: "http://localhost:8081",
            redisHttp: "http://localhost:8082",
        });
        expect(await valueOf(t.volumes.postgres)).toBe("tenant1_frontbase_postgres_data");
    });

    it("uses secret config instead of generating, and creates no password resource for it", async () => {
        await deploy(
            config({
                "frontbase:database": "postgres",
                "frontbase:dbPassword": "p@ss word/123",
                "frontbase:redisToken": "my-token-0123456789",
            }),
        );
        expect(
            rec
                .byType(PASSWORD)
                .map((r) => r.name)
                .sort(),
        ).toEqual(["tenant1-admin-password", "tenant1-encryption-key"]);
        expect(env("tenant1", "postgres").POSTGRES_PASSWORD).toBe("p@ss word/123");
        expect(env("tenant1", "backend")).toMatchObject({ DATABASE: "postgresql", DB_PASSWORD: "p@ss word/123" });
        expect(env("tenant1", "redis-http").SRH_TOKEN).toBe("my-token-0123456789");
        expect(env("tenant1", "edge").UPSTASH_REDIS_REST_TOKEN).toBe("my-token-0123456789");
    });

    it("takes every credential from secret config when the stack file has them (tenant new writes them): nothing generated into state", async () => {
        const key = Buffer.alloc(32, 9).toString("base64url") + "=";
        await deploy(
            config({
                "frontbase:database": "postgres",
                "frontbase:dbPassword": "db-pass-0123456789",
                "frontbase:redisToken": "tok-0123456789",
                "frontbase:adminPassword": "admin-0123456789",
                "frontbase:encryptionKey": key,
            }),
        );
        expect(rec.byType(PASSWORD)).toEqual([]);
        expect(env("tenant1", "backend")).toMatchObject({
            ADMIN_PASSWORD: "admin-0123456789",
            ENCRYPTION_KEY: key,
            DB_PASSWORD: "db-pass-0123456789",
            REDIS_TOKEN: "tok-0123456789",
        });
    });
});

describe("TenantStack (postgres)", () => {
    beforeEach(async () => void (await deploy(config({ "frontbase:database": "postgres", "frontbase:tenant": "acme-eu" }))));

    it("runs the tenant's own postgres, never published, with the database the backend hard-codes and a generated password", () => {
        const pg = container("acme-eu", "postgres");
        expect(pg.name).toBe("acme-eu_frontbase-postgres-1");
        expect(pg.ports).toEqual([]);
        expect(pg.image).toBe("sha256:id-of-postgres:16.6-alpine");
        expect(pg.mounts).toEqual([{ type: "volume", source: "acme-eu_frontbase_postgres_data", target: "/var/lib/postgresql/data" }]);
        expect(pg.healthcheck.tests).toEqual(["CMD", "pg_isready", "-U", "frontbase", "-d", "frontbase"]);
        expect(env("acme-eu", "postgres")).toEqual({
            POSTGRES_USER: "frontbase",
            POSTGRES_PASSWORD: "generated-acme-eu-db-password",
            POSTGRES_DB: "frontbase",
        });
    });

    it("points the backend at that database with the same password", () => {
        expect(env("acme-eu", "backend")).toMatchObject({ DATABASE: "postgresql", DB_PASSWORD: "generated-acme-eu-db-password" });
        expect(rec.byType(PASSWORD).map((r) => r.name)).toContain("acme-eu-db-password");
    });
});

describe("two tenants in one process", () => {
    it("get disjoint names for every Docker object and every logical resource", async () => {
        await deploy(config({}, "tenant1"));
        await deploy(config({}, "tenant2"), { backend: 8002, edge: 3004, frontend: 8083, redisHttp: 8084 });
        const named = rec.resources.filter((r) => typeof r.inputs.name === "string" && r.type !== IMAGE);
        const dockerNames = named.map((r) => `${r.type}:${r.inputs.name}`);
        expect(new Set(dockerNames).size).toBe(dockerNames.length);
        const logical = rec.resources.map((r) => `${r.type}:${r.name}`);
        expect(new Set(logical).size).toBe(logical.length);
        expect(env("tenant1", "redis-http").SRH_TOKEN).not.toBe(env("tenant2", "redis-http").SRH_TOKEN);
    });
});
