// The stack program as `index.ts` runs it: stack config in, outputs out.
//
// The program reads its project and lock directories from the environment, as under `pulumi up`:
// every test here names both (never the checkout's own stack files or the host's ledger).
import * as pulumi from "@pulumi/pulumi";
import { mkdirSync } from "fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { allocatingResolver as resolverT, tenantProgram as programT } from "../../stacks/tenant";
import { DEFAULT_IMAGES } from "../../components/config";
import { installMocks, recorder, settle } from "../support/pulumiMocks";
import { tempLockDir, tempProject } from "../support/cliRun";
import { FakeEngine, fakeMachine, startFakeEngine } from "../support/fakeEngine";
import { closeAll, freeBlock, listen } from "../support/sockets";
import { nothingWritten } from "../support/unchanged";

const rec = recorder();
let tenantProgram: typeof programT;
let allocatingResolver: typeof resolverT;
/** The program on a stand-in machine: ports the machine running the tests holds change nothing. */
const onFakeMachine = () => tenantProgram(allocatingResolver(undefined, fakeMachine()));
/** An empty stand-in Engine: the deploy check reads the host even when every port is pinned. */
let emptyEngine: FakeEngine;
/** The Frontbase images the host has built: what the program checks before declaring anything. */
const FRONTBASE_IMAGES = [DEFAULT_IMAGES.backend, DEFAULT_IMAGES.edge, DEFAULT_IMAGES.frontend, "fb-edge:rel2", "fb-frontend:rel2"];
const PINNED_PORTS = { "frontbase:ports": '{"backend":8001,"edge":3003,"frontend":8081,"redisHttp":8082}' };
let PINNED: Record<string, string>;

/** The project (holding `files`) and lock directory the program sees from now on. */
function useDirs(files: Record<string, string> = {}): { projectDir: string; lockDir: string } {
    const dirs = { projectDir: tempProject(files), lockDir: tempLockDir() };
    process.env.FRONTBASE_PROJECT_DIR = dirs.projectDir;
    process.env.FRONTBASE_LOCK_DIR = dirs.lockDir;
    return dirs;
}

beforeAll(async () => {
    useDirs();
    await installMocks(rec, "tenant1");
    ({ tenantProgram, allocatingResolver } = await import("../../stacks/tenant"));
    emptyEngine = await startFakeEngine([], [], FRONTBASE_IMAGES);
    PINNED = { ...PINNED_PORTS, "docker:host": emptyEngine.host };
});
afterAll(() => emptyEngine.close());
beforeEach(() => rec.reset());

function useConfig(config: Record<string, string>, secretKeys: string[] = []) {
    pulumi.runtime.setAllConfig(config, secretKeys);
}

describe("tenantProgram", () => {
    it("declares a start interval on a host whose API has it (1.44), and none on 20.10's 1.41", async () => {
        const modern = await startFakeEngine([], [], FRONTBASE_IMAGES, "1.44");
        try {
            const startIntervals = async (host: string) => {
                rec.reset();
                useConfig({ ...PINNED_PORTS, "docker:host": host });
                await settle(await onFakeMachine());
                return Object.fromEntries(
                    rec
                        .byType("docker:index/container:Container")
                        .filter((r) => r.inputs.healthcheck)
                        .map((r) => [r.inputs.name, r.inputs.healthcheck.startInterval ?? "none"]),
                );
            };
            expect(await startIntervals(modern.host)).toEqual({
                "tenant1_frontbase-redis-1": "1s",
                "tenant1_frontbase-backend-1": "1s",
                "tenant1_frontbase-edge-1": "1s",
                "tenant1_frontbase-frontend-1": "1s",
            });
            expect(Object.values(await startIntervals(emptyEngine.host))).toEqual(["none", "none", "none", "none"]);
        } finally {
            await modern.close();
        }
    });

    it("exports the tenant's names, ports, URLs and secret credentials", async () => {
        useConfig({ ...PINNED, "frontbase:publicHost": "vps.example.com" });
        const outputs = await onFakeMachine();
        const values = await settle(outputs);
        expect(values).toMatchObject({
            tenant: "tenant1",
            project: "tenant1_frontbase",
            network: "tenant1_frontbase_frontbase",
            ports: { backend: 8001, edge: 3003, frontend: 8081, redisHttp: 8082 },
            urls: {
                frontend: "http://vps.example.com:8081",
                edge: "http://vps.example.com:3003",
                backend: "http://vps.example.com:8001",
                redisHttp: "http://vps.example.com:8082",
            },
            volumes: {
                backend: "tenant1_frontbase_backend_data",
                edge: "tenant1_frontbase_edge_data",
                redis: "tenant1_frontbase_redis_data",
            },
            adminEmail: "admin@example.com",
        });
        expect("dbPassword" in outputs).toBe(false);
        expect(await pulumi.isSecret(outputs.adminPassword)).toBe(true);
        expect(await pulumi.isSecret(outputs.redisToken)).toBe(true);
    });

    it.each<[string, Record<string, string>, string[], string]>([
        ["an unknown key", { ...PINNED_PORTS, "frontbase:databse": "postgres" }, [], "frontbase: unknown key(s) frontbase:databse"],
        ["a bad database", { ...PINNED_PORTS, "frontbase:database": "mysql" }, [], 'frontbase:database: must be "sqlite" or "postgres"'],
        [
            "a plain-text password",
            { ...PINNED_PORTS, "frontbase:dbPassword": "0123456789abcdef" },
            [],
            "frontbase:dbPassword: is stored in plain text",
        ],
        [
            "a port that collides within the tenant",
            { "frontbase:ports": '{"backend":8000,"edge":8000,"frontend":8081,"redisHttp":8082}' },
            [],
            "frontbase:ports.edge: 8000 is already used by ports.backend",
        ],
    ])("fails on %s before registering anything", async (_, config, secretKeys, message) => {
        useConfig(config, secretKeys);
        await expect(tenantProgram()).rejects.toThrow(message);
        await new Promise((r) => setTimeout(r, 50));
        expect(rec.resources).toEqual([]);
    });
});

describe("tenantProgram: ports not pinned", () => {
    const own = (service: string, internal: number, port: number) => ({
        name: `tenant1_frontbase-${service}-1`,
        state: "exited" as const,
        labels: { "frontbase.tenant": "tenant1", "com.docker.compose.service": service },
        bindings: { [`${internal}/tcp`]: [{ HostIp: "", HostPort: String(port) }] },
    });
    let engine: FakeEngine;
    beforeAll(async () => {
        engine = await startFakeEngine(
            [own("backend", 8000, 8990), own("edge", 3002, 3990), own("frontend", 80, 8991), own("redis-http", 80, 8992)],
            [],
            FRONTBASE_IMAGES,
        );
        useDirs({ "Pulumi.other.yaml": "config:\n  frontbase:ports:\n    backend: 8002\n    frontend: 8080\n    redisHttp: 8079\n" });
    });
    afterAll(() => engine.close());

    it("keeps the ports of the tenant's own containers (sticky) and warns that pinning makes previews reproducible", async () => {
        const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
        try {
            useConfig({ "docker:host": engine.host });
            const values = await settle(await onFakeMachine());
            expect(values.ports).toEqual({ backend: 8990, edge: 3990, frontend: 8991, redisHttp: 8992 });
            const warned = warn.mock.calls.map((c) => String(c[0])).join("\n");
            expect(warned).toContain("frontbase:ports.backend = 8990 (kept), ports.edge = 3990 (kept)");
            expect(warned).toContain("`npm run tenant -- new tenant1 --force`");
            expect(warned).toContain("make previews reproducible");
        } finally {
            warn.mockRestore();
        }
    });

    it("allocates only what is not pinned, around other tenants' stack files", async () => {
        const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
        try {
            useConfig({
                "docker:host": engine.host,
                "frontbase:tenant": "fresh",
                "frontbase:ports": '{"backend":8001,"edge":3003,"frontend":8081}',
            });
            const { ports } = await settle(await onFakeMachine());
            expect(ports).toMatchObject({ backend: 8001, edge: 3003, frontend: 8081 });
            expect([8079, 8080, 8001, 8081, 8002, 8990, 8991, 8992]).not.toContain(ports.redisHttp);
            expect(ports.redisHttp).toBeGreaterThanOrEqual(8079);
            expect(ports.redisHttp).toBeLessThanOrEqual(8999);
            expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toMatch(
                /frontbase:ports\.redisHttp = \d+ \(allocated\): not pinned/,
            );
        } finally {
            warn.mockRestore();
        }
    });

    it("with every port pinned, only reads the Docker host (the deploy check): no lock taken, no ledger written", async () => {
        const before = engine.requests.length;
        // Directories of its own (the ledger of the tests above gives tenant "fresh" these ports);
        // the lock directory exists, so a lock taken and released shows in its mtime.
        const { projectDir, lockDir } = useDirs();
        mkdirSync(lockDir, { mode: 0o700 });
        const untouched = nothingWritten({ project: projectDir, lockDir, engine });
        useConfig({ ...PINNED_PORTS, "docker:host": engine.host });
        expect((await settle(await onFakeMachine())).ports).toEqual({ backend: 8001, edge: 3003, frontend: 8081, redisHttp: 8082 });
        expect(engine.requests.slice(before)).toContain("/containers/json");
        untouched();
    });
});

// Issue 13, items 4 and 5: the program makes the deploy check itself, so a bare `pulumi up`
// (or the harness) refuses before registering a single resource.
describe("tenantProgram: the deploy check", () => {
    const refuses = async (files: Record<string, string>, config: Record<string, string>, message: string) => {
        const { projectDir, lockDir } = useDirs(files);
        const untouched = nothingWritten({ project: projectDir, lockDir, engine: emptyEngine });
        useConfig({ "docker:host": emptyEngine.host, ...config });
        await expect(tenantProgram()).rejects.toThrow(message);
        await new Promise((r) => setTimeout(r, 50));
        expect(rec.resources).toEqual([]);
        untouched();
    };

    it("refuses a tenant another stack file claims, with every port pinned or none", async () => {
        const files = { "Pulumi.b.yaml": "config:\n  frontbase:ports:\n    backend: 9801\n" };
        const message = "frontbase:tenant: tenant b is also claimed by";
        await refuses(files, { ...PINNED_PORTS, "frontbase:tenant": "b" }, message);
        await refuses(files, { "frontbase:tenant": "b" }, message);
    });

    it("refuses a pinned port a process on the host listens on (a real socket)", async () => {
        const port = await freeBlock(1);
        const server = await listen(port);
        try {
            await refuses(
                {},
                { "frontbase:ports": JSON.stringify({ backend: port }) },
                `not deploying tenant1; nothing was created:\n  - frontbase:ports.backend: ${port} is already taken by a process listening on 127.0.0.1`,
            );
        } finally {
            await closeAll([server]);
        }
    });

    it("refuses a release whose image is not on the Docker host, naming the image and the build command", async () => {
        const images = { backend: "fb-backend:rel2", edge: "fb-edge:rel2", frontend: "fb-frontend:rel2" };
        await refuses(
            {},
            { ...PINNED_PORTS, "frontbase:releases": JSON.stringify({ rel2: images }), "frontbase:release": "rel2" },
            `not deploying tenant1; nothing was created:\n  - image fb-backend:rel2 (release rel2: frontbase:releases.rel2.backend in Pulumi.yaml) is not on the Docker host ${emptyEngine.host}; build the release there: bash scripts/build-frontbase-images.sh`,
        );
    });
});

describe("tenantProgram: never new credentials over kept data", () => {
    const volume = (service: string) => ({ name: `tenant1_frontbase_${service}_data`, labels: { "frontbase.tenant": "tenant1" } });
    const STORED = {
        "frontbase:encryptionKey": Buffer.alloc(32, 7).toString("base64url") + "=",
        "frontbase:dbPassword": "db-password-012345",
    };
    let kept: FakeEngine;
    beforeAll(async () => void (kept = await startFakeEngine([], ["postgres", "redis", "backend", "edge"].map(volume), FRONTBASE_IMAGES)));
    afterAll(() => kept.close());
    const config = (extra: Record<string, string>) => ({
        ...PINNED_PORTS,
        "docker:host": kept.host,
        "frontbase:database": "postgres",
        ...extra,
    });

    it("refuses a postgres tenant whose volumes are kept and whose stack stores no credentials, creating nothing, and says how to recover", async () => {
        useConfig(config({}));
        const attempt = onFakeMachine();
        await expect(attempt).rejects.toThrow(
            "tenant tenant1's data is kept in tenant1_frontbase_backend_data, tenant1_frontbase_postgres_data, but Pulumi.tenant1.yaml stores no frontbase:dbPassword, frontbase:encryptionKey:\n    new ones would not open that data",
        );
        await expect(attempt).rejects.toThrow("pulumi stack output --show-secrets --stack tenant1");
        await expect(attempt).rejects.toThrow("npm run tenant -- purge tenant1");
        await new Promise((r) => setTimeout(r, 50));
        expect(rec.resources).toEqual([]);
    });

    it("deploys over kept data with the credentials the stack stores (the admin password and redis token may be new)", async () => {
        const bound = {
            "frontbase:encryptionKey": STORED["frontbase:encryptionKey"],
            "frontbase:dbPassword": STORED["frontbase:dbPassword"],
        };
        useConfig(config(bound), Object.keys(bound));
        process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(Object.keys(bound));
        try {
            const outputs = await onFakeMachine();
            expect((await settle(outputs)).tenant).toBe("tenant1");
        } finally {
            delete process.env.PULUMI_CONFIG_SECRET_KEYS;
        }
        const generated = rec.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.name);
        expect(generated.sort()).toEqual(["tenant1-admin-password", "tenant1-redis-token"]);
    });

    it("deploys again a tenant without stored credentials while its containers are on the host (its stack holds the ones they run with)", async () => {
        const running = await startFakeEngine(
            [{ name: "tenant1_frontbase-backend-1", state: "exited", labels: { "frontbase.tenant": "tenant1" } }],
            ["postgres", "redis", "backend", "edge"].map(volume),
            FRONTBASE_IMAGES,
        );
        try {
            useConfig(config({ "docker:host": running.host }));
            expect((await settle(await onFakeMachine())).tenant).toBe("tenant1");
            const generated = rec.resources.filter((r) => r.type === "random:index/randomPassword:RandomPassword").map((r) => r.name);
            expect(generated).toContain("tenant1-db-password");
        } finally {
            await running.close();
        }
    });

    it("deploys a tenant without stored credentials when nothing of it is kept (its first deploy)", async () => {
        useConfig({ ...PINNED_PORTS, "docker:host": emptyEngine.host, "frontbase:database": "postgres" });
        const outputs = await onFakeMachine();
        expect((await settle(outputs)).tenant).toBe("tenant1");
    });
});
