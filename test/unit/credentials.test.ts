// Never new credentials over a tenant's kept data (components/credentialGuard.ts): the rule, then
// `tenant credentials` (what npm run deploy runs before pulumi up) and `tenant new`, against a
// stand-in Engine whose volumes are a tenant's kept data. The program's own refusal:
// test/unit/program.test.ts; on real tenants: test/integration/credentials.test.ts.
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { credentialsAtRisk } from "../../components/credentialGuard";
import { decryptStackSecrets } from "../../project/stackSecrets";
import { tempProject, tenant } from "../support/cliRun";
import { nothingWritten } from "../support/unchanged";
import { FakeEngine, startFakeEngine } from "../support/fakeEngine";
import { removeTempDirs, tempDir } from "../support/temp";

const PASS = { PULUMI_CONFIG_PASSPHRASE: "credentials test only" };
const volume = (t: string, service: string) => ({ name: `${t}_frontbase_${service}_data`, labels: { "frontbase.tenant": t } });

describe("credentialsAtRisk: which missing credentials the kept data was made with", () => {
    const vols = (...names: string[]) => new Set(names.map((s) => `t_frontbase_${s}_data`));
    it.each<[string, "sqlite" | "postgres", string[], Set<string>, ReturnType<typeof credentialsAtRisk>]>([
        ["a first deploy: nothing kept", "postgres", [], vols(), undefined],
        [
            "a destroyed sqlite tenant: its encryption key",
            "sqlite",
            [],
            vols("backend", "edge", "redis"),
            { missing: ["encryptionKey"], volumes: ["t_frontbase_backend_data"] },
        ],
        [
            "a destroyed postgres tenant: its database password too",
            "postgres",
            [],
            vols("backend", "edge", "redis", "postgres"),
            { missing: ["dbPassword", "encryptionKey"], volumes: ["t_frontbase_backend_data", "t_frontbase_postgres_data"] },
        ],
        [
            "every credential stored",
            "postgres",
            ["dbPassword", "encryptionKey", "adminPassword", "redisToken"],
            vols("backend", "postgres"),
            undefined,
        ],
        [
            "the admin password and redis token open no data (env only; the token job rewrites it)",
            "sqlite",
            ["encryptionKey"],
            vols("backend"),
            undefined,
        ],
        [
            "a sqlite tenant switched to postgres: no postgres data yet",
            "postgres",
            ["encryptionKey"],
            vols("backend", "edge", "redis"),
            undefined,
        ],
        ["another tenant's volumes", "postgres", [], new Set(["u_frontbase_postgres_data", "u_frontbase_backend_data"]), undefined],
    ])("%s", (_, database, stored, volumes, expected) => {
        expect(credentialsAtRisk({ tenant: "t", database, stored: new Set(stored) }, volumes)).toEqual(expected);
    });
});

describe("tenant credentials <stack>", () => {
    let kept: FakeEngine;
    beforeAll(
        async () =>
            void (kept = await startFakeEngine(
                [],
                ["backend", "edge", "redis", "postgres"].map((s) => volume("acme", s)),
            )),
    );
    afterAll(async () => {
        await kept.close();
        removeTempDirs();
    });
    const STACK = "config:\n  frontbase:tenant: acme\n  frontbase:database: postgres\n";
    const env = (dir: string, extra: Record<string, string | undefined> = {}) => ({
        FRONTBASE_PROJECT_DIR: dir,
        FRONTBASE_LOCK_DIR: tempDir("lock"),
        PULUMI_CONFIG_PASSPHRASE: undefined,
        PULUMI_CONFIG_PASSPHRASE_FILE: undefined,
        ...extra,
    });

    it("writes every credential of a tenant with nothing kept (its first deploy), encrypted", async () => {
        const empty = await startFakeEngine([]);
        try {
            const dir = tempProject({ "Pulumi.acme.yaml": STACK });
            const r = await tenant(["credentials", "acme"], env(dir, { ...PASS, DOCKER_HOST: empty.host }));
            expect([r.code, r.err.trim()]).toEqual([
                0,
                "credentials: generated dbPassword, redisToken, adminPassword, encryptionKey (encrypted in the stack file)",
            ]);
            const plain = (await decryptStackSecrets(path.join(dir, "Pulumi.acme.yaml"), PASS))!;
            expect(Object.keys(plain).sort()).toEqual([
                "frontbase:adminPassword",
                "frontbase:dbPassword",
                "frontbase:encryptionKey",
                "frontbase:redisToken",
            ]);
        } finally {
            await empty.close();
        }
    });

    it("refuses, writing nothing, over a destroyed tenant's kept data, naming the volumes and how to recover", async () => {
        const dir = tempProject({ "Pulumi.acme.yaml": STACK });
        const r = await tenant(["credentials", "acme"], env(dir, { ...PASS, DOCKER_HOST: kept.host }));
        expect(r.code).toBe(1);
        expect(r.err).toContain(
            "credentials: none written: tenant acme's data is kept in acme_frontbase_backend_data, acme_frontbase_postgres_data, but Pulumi.acme.yaml stores no frontbase:dbPassword, frontbase:encryptionKey",
        );
        expect(r.err).toContain("pulumi stack output --show-secrets --stack acme");
        expect(readFileSync(path.join(dir, "Pulumi.acme.yaml"), "utf8")).toBe(STACK);
    });

    it("adds the admin password and redis token over kept data once the old encryption key and database password are back", async () => {
        const dir = tempProject({ "Pulumi.acme.yaml": STACK });
        const first = await tenant(["credentials", "acme"], env(dir, { ...PASS, DOCKER_HOST: (await emptyHost()).host }));
        expect(first.code).toBe(0);
        const file = path.join(dir, "Pulumi.acme.yaml");
        const doc = YAML.parseDocument(readFileSync(file, "utf8"));
        for (const k of ["adminPassword", "redisToken"]) doc.deleteIn(["config", `frontbase:${k}`]);
        writeFileSync(file, doc.toString());
        const r = await tenant(["credentials", "acme"], env(dir, { ...PASS, DOCKER_HOST: kept.host }));
        expect([r.code, r.err.trim()]).toEqual([
            0,
            "credentials: generated redisToken, adminPassword; kept dbPassword, encryptionKey (encrypted in the stack file)",
        ]);
    });

    it("with every credential stored, says so without asking the Docker host", async () => {
        const dir = tempProject({ "Pulumi.acme.yaml": STACK });
        await tenant(["credentials", "acme"], env(dir, { ...PASS, DOCKER_HOST: (await emptyHost()).host }));
        const r = await tenant(["credentials", "acme"], env(dir, { DOCKER_HOST: "unix:///nonexistent/docker.sock" }));
        expect([r.code, r.err.trim()]).toEqual([0, "credentials: all stored in Pulumi.acme.yaml"]);
    });

    it("without a passphrase writes none and says how to add them", async () => {
        const empty = await emptyHost();
        const dir = tempProject({ "Pulumi.acme.yaml": STACK });
        const r = await tenant(["credentials", "acme"], env(dir, { DOCKER_HOST: empty.host }));
        expect(r.code).toBe(0);
        expect(r.err).toContain(
            "credentials: PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) is not set, so no credential was written",
        );
        expect(readFileSync(path.join(dir, "Pulumi.acme.yaml"), "utf8")).toBe(STACK);
    });

    it("has nothing to write for the proxy stack, and refuses a stack with no file", async () => {
        const dir = tempProject({ "Pulumi.proxy.yaml": "config:\n  frontbase:acmeEmail: ops@example.com\n" });
        const untouched = nothingWritten({ project: dir });
        expect(await tenant(["credentials", "proxy"], env(dir))).toMatchObject({ code: 0, err: "credentials: the proxy stack has none\n" });
        const none = await tenant(["credentials", "nope"], env(dir));
        expect([none.code, none.err]).toEqual([
            1,
            expect.stringContaining("no Pulumi.nope.yaml; create it with: npm run tenant -- new nope"),
        ]);
        untouched();
    });

    const hosts: FakeEngine[] = [];
    afterAll(() => Promise.all(hosts.map((h) => h.close())));
    async function emptyHost(): Promise<FakeEngine> {
        const h = await startFakeEngine([]);
        hosts.push(h);
        return h;
    }
});

describe("tenant new and credentials", () => {
    const hosts: FakeEngine[] = [];
    afterAll(() => Promise.all(hosts.map((h) => h.close())));
    const host = async (volumes: ReturnType<typeof volume>[] = []) => {
        const h = await startFakeEngine([], volumes);
        hosts.push(h);
        return h;
    };
    const env = async (dir: string, extra: Record<string, string | undefined>, volumes: ReturnType<typeof volume>[] = []) => ({
        FRONTBASE_PROJECT_DIR: dir,
        FRONTBASE_LOCK_DIR: tempDir("lock"),
        DOCKER_HOST: (await host(volumes)).host,
        PULUMI_CONFIG_PASSPHRASE: undefined,
        PULUMI_CONFIG_PASSPHRASE_FILE: undefined,
        ...extra,
    });
    const header = (dir: string, t: string) =>
        readFileSync(path.join(dir, `Pulumi.${t}.yaml`), "utf8")
            .split("\n")
            .filter((l) => l.startsWith("#"))
            .join("\n");

    it("without a passphrase, writes a header that says the file holds no credentials yet, and how they get there", async () => {
        const dir = tempProject();
        expect((await tenant(["new", "acme"], await env(dir, {}))).code).toBe(0);
        const h = header(dir, "acme");
        expect(h).not.toContain("are generated once into this file");
        expect(h).toContain("It stores no credentials yet (no PULUMI_CONFIG_PASSPHRASE when it was written)");
        expect(h).toContain("npm run tenant -- credentials acme");
    });

    it("with a passphrase, says it holds them (and it does)", async () => {
        const dir = tempProject();
        expect((await tenant(["new", "acme"], await env(dir, PASS))).code).toBe(0);
        expect(header(dir, "acme")).toContain("are generated once into this file, encrypted (secure: values), so they outlive the stack");
        expect(Object.keys((await decryptStackSecrets(path.join(dir, "Pulumi.acme.yaml"), PASS))!)).toHaveLength(3);
    });

    it("refuses to make a tenant whose data is kept on the host, writing nothing", async () => {
        const dir = tempProject();
        const untouched = nothingWritten({ project: dir });
        const r = await tenant(
            ["new", "acme", "--database", "postgres"],
            await env(
                dir,
                PASS,
                ["backend", "postgres"].map((s) => volume("acme", s)),
            ),
        );
        expect(r.code).not.toBe(0);
        expect(r.err).toContain(
            "not writing Pulumi.acme.yaml: tenant acme's data is kept in acme_frontbase_backend_data, acme_frontbase_postgres_data",
        );
        untouched();
    });
});
