// `tenant new` end to end, in-process, against a stand-in Engine API and a temp project.
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PORT_RANGES } from "../../../components/config";
import { PORT_KEYS } from "../../../components/naming";
import { inRange } from "../../../ports/allocate";
import { readStackPins } from "../../../project/stackPins";
import { tempLockDir, tempProject, tenant } from "../../support/cliRun";
import { FakeEngine, startFakeEngine } from "../../support/fakeEngine";
import { nothingWritten } from "../../support/unchanged";

const labels = (t: string, service: string) => ({ "frontbase.tenant": t, "com.docker.compose.service": service });
let engine: FakeEngine;
beforeAll(async () => {
    engine = await startFakeEngine([
        // A stopped tenant: its port must stay free for it to start again.
        {
            name: "old_frontbase-backend-1",
            state: "exited",
            labels: labels("old", "backend"),
            bindings: { "8000/tcp": [{ HostIp: "", HostPort: "8000" }] },
        },
        {
            name: "old_frontbase-edge-1",
            state: "exited",
            labels: labels("old", "edge"),
            bindings: { "3002/tcp": [{ HostIp: "", HostPort: "3002" }] },
        },
        // Made by the design document's Compose scripts: only Compose's labels.
        {
            name: "legacy_frontbase-backend-1",
            state: "exited",
            labels: { "com.docker.compose.project": "legacy_frontbase", "com.docker.compose.service": "backend" },
            bindings: { "8000/tcp": [{ HostIp: "", HostPort: "8600" }] },
        },
    ]);
});
afterAll(() => engine.close());

const envFor = (dir: string) => ({ FRONTBASE_PROJECT_DIR: dir, DOCKER_HOST: engine.host, FRONTBASE_LOCK_DIR: tempLockDir() });
/** What `new` must leave as it was when it writes nothing: the project, the lock directory, the Engine. */
const watch = (env: ReturnType<typeof envFor>) =>
    nothingWritten({ project: env.FRONTBASE_PROJECT_DIR, lockDir: env.FRONTBASE_LOCK_DIR, engine });
const DEV =
    "config:\n  frontbase:tenant: dev\n  frontbase:ports:\n    backend: 8001\n    edge: 3003\n    frontend: 8080\n    redisHttp: 8079\n";

describe("tenant new", () => {
    it("pins ports around stopped containers and other tenants' stack files, and prints exactly one JSON object", async () => {
        const dir = tempProject({ "Pulumi.dev.yaml": DEV });
        const r = await tenant(["new", "tenant1", "--database", "postgres", "--json"], envFor(dir));
        expect(r.code).toBe(0);
        const result = JSON.parse(r.out);
        expect(Object.keys(result)).toEqual(["tenant", "ports"]);
        expect(result.tenant).toBe("tenant1");
        const ports = Object.values(result.ports) as number[];
        expect(Object.keys(result.ports)).toEqual([...PORT_KEYS]);
        expect(new Set(ports).size).toBe(4);
        for (const k of PORT_KEYS) expect(inRange(result.ports[k], DEFAULT_PORT_RANGES[k])).toBe(true);
        for (const taken of [8000, 3002, 8001, 3003, 8080, 8079]) expect(ports).not.toContain(taken);

        const pins = (await readStackPins(dir)).find((p) => p.stack === "tenant1")!;
        expect(pins.problems).toEqual([]);
        expect(pins.ports).toEqual(result.ports);
        expect(pins.config?.database).toBe("postgres");
        const text = readFileSync(path.join(dir, "Pulumi.tenant1.yaml"), "utf8");
        // No passphrase in this environment: no credential is written, and new says so.
        expect(text).not.toMatch(/frontbase:(dbPassword|redisToken|adminPassword|encryptionKey)|secure: v1|encryptionsalt/);
        expect(r.err).toContain("credentials: PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) is not set");
    });

    it("refuses to overwrite an existing tenant; with --force keeps its ports, settings, secrets and comments", async () => {
        const dir = tempProject();
        const env = envFor(dir);
        expect((await tenant(["new", "t1"], env)).code).toBe(0);
        const file = path.join(dir, "Pulumi.t1.yaml");
        const first = readFileSync(file, "utf8");
        const refused = await tenant(["new", "t1"], env);
        expect(refused.code).toBe(1);
        expect(refused.err).toContain(`${file} already exists; pass --force`);
        expect(readFileSync(file, "utf8")).toBe(first);

        writeFileSync(
            file,
            `encryptionsalt: v1:abc\n${first}  # operator note\n  frontbase:dbPassword:\n    secure: v1:AAAA\n  frontbase:publicHost: vps.example.com\n`,
        );
        const again = await tenant(["new", "t1", "--force", "--max-retries", "5"], env);
        expect(again.code).toBe(0);
        expect(again.out).toMatch(/backend\s+\d+\s+kept \(sticky\)/);
        expect(again.out).toContain("http://vps.example.com:");
        const text = readFileSync(file, "utf8");
        expect(text).toContain("encryptionsalt: v1:abc");
        expect(text).toContain("# operator note");
        expect(text).toContain("secure: v1:AAAA");
        const [before, after] = [first, text].map((t) => t.match(/frontbase:ports:\n(( {4}\w+: \d+\n)+)/)![1]);
        expect(after).toBe(before);
        expect(text).toContain("frontbase:maxRetries: 5");
    });

    it("refuses a name that already has containers on the host, and --force adopts their ports", async () => {
        const dir = tempProject();
        const env = envFor(dir);
        const untouched = watch(env);
        const refused = await tenant(["new", "old"], env);
        expect(refused.code).toBe(1);
        expect(refused.err).toContain("tenant old already has containers on");
        expect(refused.err).toContain("old_frontbase-backend-1 exited");
        untouched();
        const adopted = JSON.parse((await tenant(["new", "old", "--force", "--json"], env)).out);
        expect(adopted.ports).toMatchObject({ backend: 8000, edge: 3002 });
    });

    it("knows a tenant the old Compose scripts made by its project label, and --force keeps its port", async () => {
        const dir = tempProject();
        const refused = await tenant(["new", "legacy"], envFor(dir));
        expect([refused.code, refused.err.includes("tenant legacy already has containers on")]).toEqual([1, true]);
        const adopted = JSON.parse((await tenant(["new", "legacy", "--force", "--json"], envFor(dir))).out);
        expect(adopted.ports.backend).toBe(8600);
    });

    it("--dry-run allocates and writes nothing: no stack file, no lock taken, no ledger entry", async () => {
        const dir = tempProject({ "Pulumi.dev.yaml": DEV });
        const env = envFor(dir);
        // A lock directory that exists, with another tenant's ledger entry: taking the lock, or
        // writing the ledger, shows in its mtime and contents.
        expect((await tenant(["new", "first", "--json"], env)).code).toBe(0);
        const untouched = watch(env);
        const r = await tenant(["new", "t1", "--dry-run", "--json"], env);
        expect(r.code).toBe(0);
        const { ports } = JSON.parse(r.out);
        expect(Object.keys(ports)).toEqual([...PORT_KEYS]);
        for (const k of PORT_KEYS) expect(inRange(ports[k], DEFAULT_PORT_RANGES[k])).toBe(true);
        untouched();
        const table = await tenant(["new", "t1", "--dry-run"], env);
        expect(table.out).toContain("dry run, nothing written");
        expect(table.out).toMatch(/^SERVICE\s+PORT\s+SOURCE\s+RANGE\s+URL$/m);
        untouched();
    });

    it.each([
        [["new"], "missing argument <name>"],
        [["new", "Tenant_1"], '<name> "Tenant_1": must start with a lowercase letter'],
        [["new", "t1", "--database", "mysql"], '--database "mysql": must be one of sqlite, postgres'],
        [["new", "t1", "--database"], "option --database needs a value: sqlite or postgres"],
        [["new", "t1", "--max-retries", "-1"], '--max-retries "-1": must be a whole number from 0 to 20'],
        [["new", "t1", "--max-retries=x"], '--max-retries "x": must be a whole number'],
        [["new", "t1", "--dry-run=yes"], "option --dry-run takes no value"],
        [
            ["new", "t1", "--db-password", "hunter2"],
            'unknown option "--db-password"; allowed: --database <value>, --max-retries <value>, --dry-run, --json, --force',
        ],
        [["new", "t1", "t2"], 'unexpected argument "t2"'],
        [["ls", "--all"], 'unknown option "--all"; allowed: --json'],
        [["check", "--fix"], 'unknown option "--fix"; allowed: none'],
    ])("%j: exit 2 naming the problem, before touching the host or the project", async (argv, message) => {
        const env = envFor(tempProject());
        const untouched = nothingWritten({ project: env.FRONTBASE_PROJECT_DIR, lockDir: env.FRONTBASE_LOCK_DIR, engine, noRequests: true });
        const r = await tenant(argv, env);
        expect(r.code).toBe(2);
        expect(r.err).toContain(message);
        expect(r.err).toContain("usage: npm run tenant -- ");
        expect(r.out).toBe("");
        untouched();
    });

    it("says clearly that the Docker Engine does not answer, and writes nothing", async () => {
        const env = { ...envFor(tempProject()), DOCKER_HOST: "unix:///nonexistent/docker.sock" };
        const untouched = watch(env);
        const r = await tenant(["new", "t1"], env);
        expect(r.code).toBe(1);
        expect(r.err).toContain("tenant new: the Docker Engine at unix:///nonexistent/docker.sock does not answer");
        untouched();
    });
});
