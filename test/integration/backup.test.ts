// Backups on REAL Frontbase tenants (sqlite and postgres) with Debian's restic: back up while a
// write loop runs, purge the tenant, restore, and read everything back through the frontend as
// a browser would; the admin logs in, values encrypted with the tenant's ENCRYPTION_KEY still
// decrypt, the restored databases are whole. Bad input changes nothing.
import { execFile, spawnSync } from "child_process";
import { promises as fs } from "fs";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroy, EngineOptions, preview } from "../engine/engine";
import { changesOf, diffLines, stepLine } from "../engine/progress";
import { REAL_TENANT_IMAGES } from "../images/frontbase";
import { docker, removeTenant } from "./support/docker";
import { deploy, HEALTHY, inContainer, states, tempDir, tenantCli } from "./support/fleet";
import { probeDocker } from "./support/probe";
import { cannotRun } from "../support/skip";
import { copyProject, ProjectCopy } from "./support/projectCopy";
import { testTenant } from "./support/tenants";
import { until } from "./support/until";
import { loadStackFile, realServices, RealTenant, realTenant, web } from "./support/realTenants";

const run = promisify(execFile);
const probe = probeDocker(Object.values(REAL_TENANT_IMAGES), "the backup suite");
const hasRestic = spawnSync("sh", ["-c", "command -v restic"]).status === 0;
const skip = probe.reason ?? cannotRun("the backup suite", hasRestic ? undefined : "needs restic (apt-get install -y restic)");
const PASSPHRASE = "backup passphrase, test only";

type Tenant = RealTenant;

describe.skipIf(skip)("backups and restore of real tenants with restic", () => {
    const tenants: Tenant[] = [realTenant(testTenant("bk"), "sqlite"), realTenant(testTenant("bkpg"), "postgres")];
    let project: ProjectCopy;
    let stateDir: string;
    let lockDir: string;
    let repoDir: string;
    const saved = { ...process.env };
    const opts = (t: Tenant): EngineOptions => ({
        projectDir: project.dir,
        stack: t.name,
        stateDir,
        config: t.config,
        secretKeys: t.secretKeys,
    });
    const cli = (argv: string[]) => tenantCli(argv, project.dir, lockDir);
    /** Acknowledged writes per tenant: name -> when the API answered it. */
    const acked = new Map<string, Map<string, number>>();
    const ciphertext = new Map<string, string>();
    const snapshotOf = new Map<string, { id: string; startedAt: number }>();

    const load = (t: Tenant) => loadStackFile(project.dir, t);
    const services = realServices;
    const names = async (t: Tenant) =>
        (JSON.parse((await web(t, "/api/variables/")).text) as { name: string; value: string }[]).map((v) => v.name);

    beforeAll(async () => {
        process.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
        project = await copyProject();
        stateDir = await tempDir("state");
        lockDir = await tempDir("lock");
        // Allocation (tenantCli) and deploy (the runner inherits this environment) see one ledger.
        process.env.FRONTBASE_LOCK_DIR = lockDir;
        repoDir = await tempDir("restic");
        process.env.RESTIC_REPOSITORY = path.join(repoDir, "repo");
        process.env.RESTIC_PASSWORD_FILE = path.join(repoDir, "password");
        await fs.writeFile(process.env.RESTIC_PASSWORD_FILE, "restic password, test only\n", { mode: 0o600 });
        for (const t of tenants) {
            expect((await cli(["new", t.name, "--database", t.database])).code).toBe(0);
            await load(t);
        }
        await Promise.all(tenants.map((t) => deploy(opts(t))));
    }, 600_000);
    afterAll(async () => {
        for (const k of ["PULUMI_CONFIG_PASSPHRASE", "RESTIC_REPOSITORY", "RESTIC_PASSWORD_FILE", "RESTIC_PASSWORD"]) {
            if (saved[k] === undefined) delete process.env[k];
            else process.env[k] = saved[k];
        }
        await Promise.all(tenants.map((t) => removeTenant(t.name)));
        await project?.remove();
        for (const d of [stateDir, lockDir, repoDir]) if (d) await fs.rm(d, { recursive: true, force: true });
    });

    it("backs up each tenant while a write loop runs through its API: every write acknowledged before the snapshot began is in it", async () => {
        for (const t of tenants) {
            // A value encrypted by the backend's own code with the tenant's ENCRYPTION_KEY.
            const secret = await inContainer(t.name, "backend", [
                "python3",
                "-c",
                "from app.database.utils import encrypt_data; print(encrypt_data('the tenant secret'))",
            ]);
            expect(secret).not.toContain("the tenant secret");
            ciphertext.set(t.name, secret);
            expect(
                (await web(t, "/api/variables/", { method: "POST", json: { name: "encrypted", type: "variable", value: secret } })).status,
            ).toBeLessThan(300);
            const writes = new Map<string, number>();
            acked.set(t.name, writes);
            let stop = false;
            const loop = (async () => {
                for (let i = 0; i < 2000 && !stop; i++) {
                    const name = `w${i}`;
                    const r = await web(t, "/api/variables/", { method: "POST", json: { name, type: "variable", value: String(i) } });
                    if (r.status < 300) writes.set(name, Date.now());
                }
            })();
            await new Promise((r) => setTimeout(r, 1500));
            const started = Date.now();
            const b = await cli(["backup", t.name, "--init"]); // the first makes the repository RESTIC_REPOSITORY names
            stop = true;
            await loop;
            console.log(`backup of ${t.name}: ${b.out.trim()}`);
            expect(b.err + b.out).not.toContain("failed");
            expect(b.code).toBe(0);
            const snapshot = /snapshot ([0-9a-f]{8})/.exec(b.out)![1];
            snapshotOf.set(t.name, { id: snapshot, startedAt: started });
            expect(writes.size).toBeGreaterThan(3);
        }
        const listed = await cli(["backups", tenants[0].name]);
        expect(listed.code).toBe(0);
        expect(listed.out).toContain(snapshotOf.get(tenants[0].name)!.id);
        expect(listed.out).toMatch(/sqlite/);
        const all = await cli(["backups", "--max-age", "1h"]);
        expect(all.code, all.err).toBe(0);
        for (const t of tenants) expect(all.out).toContain(t.name);
    }, 600_000);

    it("refuses bad input and changes nothing: wrong password, unknown tenant, missing snapshot, another tenant's snapshot, newer data without --force", async () => {
        const [lite, pg] = tenants;
        const before = await names(lite);
        process.env.RESTIC_PASSWORD = "not the password";
        const savedFile = process.env.RESTIC_PASSWORD_FILE;
        delete process.env.RESTIC_PASSWORD_FILE;
        try {
            const wrong = await cli(["restore", lite.name]);
            expect(wrong.code).toBe(1);
            expect(wrong.err).toContain("wrong password");
        } finally {
            delete process.env.RESTIC_PASSWORD;
            process.env.RESTIC_PASSWORD_FILE = savedFile;
        }
        const unknown = await cli(["backup", "no-such-tenant"]);
        expect(unknown.code).toBe(1);
        expect(unknown.err).toContain('unknown tenant "no-such-tenant"');
        const missing = await cli(["restore", lite.name, "--snapshot", "deadbeef"]);
        expect(missing.code).toBe(1);
        expect(missing.err).toContain('no snapshot "deadbeef"');
        const foreign = await cli(["restore", lite.name, "--snapshot", snapshotOf.get(pg.name)!.id]);
        expect(foreign.code).toBe(1);
        expect(foreign.err).toContain(`is not tenant "${lite.name}"'s`);
        // A write after the snapshot: restoring over it needs --force.
        expect(
            (await web(lite, "/api/variables/", { method: "POST", json: { name: "after_snapshot", type: "variable", value: "1" } })).status,
        ).toBeLessThan(300);
        const newer = await cli(["restore", lite.name]);
        expect(newer.code).toBe(1);
        expect(newer.err).toMatch(/has data written after snapshot .*backend\/frontbase\.db/);
        expect(newer.err).toContain("--force");
        expect(await names(lite)).toEqual([...before, "after_snapshot"]);
        expect(await states(lite.name, services(lite))).toEqual(HEALTHY(services(lite)));
    }, 300_000);

    it("restores over the running tenant with --force: the later write is gone, every service healthy, and a refreshed preview changes nothing", async () => {
        const lite = tenants[0];
        const ids = await Promise.all(
            services(lite).map(async (s) => (await docker.getContainer(`${lite.name}_frontbase-${s}-1`).inspect()).Id),
        );
        const r = await cli(["restore", lite.name, "--force"]);
        expect(r.code, r.err).toBe(0);
        expect(r.out).toContain("every service is healthy");
        expect(await names(lite)).not.toContain("after_snapshot");
        expect(await names(lite)).toContain("encrypted");
        expect(await states(lite.name, services(lite))).toEqual(HEALTHY(services(lite)));
        expect(
            await Promise.all(services(lite).map(async (s) => (await docker.getContainer(`${lite.name}_frontbase-${s}-1`).inspect()).Id)),
        ).toEqual(ids);
        const drift = changesOf((await preview({ ...opts(lite), refresh: true })).steps).map((s) =>
            [stepLine(s), ...diffLines(s)].join("\n"),
        );
        expect(drift).toEqual([]);
    }, 300_000);

    it("after destroy and purge, restore brings each tenant back: its writes, admin login, encrypted values that decrypt, whole databases", async () => {
        for (const t of tenants) {
            await destroy(opts(t));
            const purged = await cli(["purge", t.name, "--yes"]);
            expect(purged.code, purged.err).toBe(0);
            expect((await docker.listVolumes()).Volumes.filter((v) => v.Name.startsWith(`${t.name}_`))).toEqual([]);
        }
        const [lite, pg] = tenants;
        // As on a new host: no container, no volume. The restore makes the volumes (postgres through
        // a temporary server with the tenant's password), then `up` adopts them.
        for (const t of tenants) {
            const r = await cli(["restore", t.name]);
            expect(r.code, r.err).toBe(0);
            expect(r.out).toContain("deploy it now");
            // Labelled as the stack labels them, so that `up` adopts them as they are.
            const volumes = (await docker.listVolumes()).Volumes.filter((v) => v.Name.startsWith(`${t.name}_`));
            expect(volumes.map((v) => [v.Name, v.Labels?.["frontbase.tenant"]]).sort()).toEqual(
                services(t)
                    .filter((s) => ["postgres", "redis", "backend", "edge"].includes(s))
                    .map((s) => [`${t.name}_frontbase_${s}_data`, t.name])
                    .sort(),
            );
        }
        await Promise.all(tenants.map((t) => deploy(opts(t))));
        for (const t of tenants) {
            const drift = changesOf((await preview({ ...opts(t), refresh: true })).steps).map((s) =>
                [stepLine(s), ...diffLines(s)].join("\n"),
            );
            expect(drift, `${t.name}: a refreshed preview after restore and up`).toEqual([]);
        }
        for (const t of tenants) {
            expect(await states(t.name, services(t))).toEqual(HEALTHY(services(t)));
            const present = new Set(await names(t));
            const { startedAt } = snapshotOf.get(t.name)!;
            const missed = [...acked.get(t.name)!].filter(([name, at]) => at < startedAt && !present.has(name)).map(([n]) => n);
            expect(missed, `writes acknowledged before the snapshot began, missing after the restore`).toEqual([]);
            expect(present.has("after_snapshot")).toBe(false);
            const login = await web(t, "/api/auth/login", {
                method: "POST",
                json: { email: t.config["frontbase:adminEmail"] ?? "admin@example.com", password: t.adminPassword },
            });
            expect(login.status).toBe(200);
            const stored = (JSON.parse((await web(t, "/api/variables/")).text) as { name: string; value: string }[]).find(
                (v) => v.name === "encrypted",
            )!;
            expect(stored.value).toBe(ciphertext.get(t.name));
            expect(
                await inContainer(t.name, "backend", [
                    "python3",
                    "-c",
                    `from app.database.utils import decrypt_data; print(decrypt_data(${JSON.stringify(stored.value)}))`,
                ]),
            ).toBe("the tenant secret");
        }
        expect(await inContainer(lite.name, "backend", ["sqlite3", "/app/data/frontbase.db", "PRAGMA integrity_check"])).toBe("ok");
        for (const db of ["edge.db", "pages.db"]) {
            const out = await run("docker", [
                "run",
                "--rm",
                "-v",
                `${lite.name}_frontbase_edge_data:/d`,
                REAL_TENANT_IMAGES.backend,
                "sqlite3",
                `/d/${db}`,
                "PRAGMA integrity_check",
            ]);
            expect(out.stdout.trim()).toBe("ok");
        }
        expect(
            await inContainer(pg.name, "postgres", [
                "psql",
                "-U",
                "frontbase",
                "-d",
                "frontbase",
                "-tAc",
                "SELECT name FROM app_variables WHERE name = 'encrypted'",
            ]),
        ).toBe("encrypted");
    }, 900_000);

    it("clones with restore --into: a second working tenant with its own ports, credentials and network; the source untouched", async () => {
        const pg = tenants[1];
        const clone = realTenant(testTenant("bkclone"), "postgres");
        tenants.push(clone);
        const before = await names(pg);
        // No stack file yet: the restore makes it as `tenant new` does, then fills its volumes.
        const r = await cli(["restore", pg.name, "--into", clone.name]);
        expect(r.code, r.err).toBe(0);
        expect(r.out).toContain("deploy it now");
        expect(r.err).toContain(`frontbase:encryptionKey set to ${pg.name}'s`);
        await load(clone);
        expect(clone.config["frontbase:encryptionKey"]).toBe(pg.config["frontbase:encryptionKey"]);
        expect(clone.adminPassword).not.toBe(pg.adminPassword);
        expect(clone.frontend).not.toBe(pg.frontend);
        await deploy(opts(clone));
        expect(await states(clone.name, services(clone))).toEqual(HEALTHY(services(clone)));
        expect(await names(clone)).toEqual(before);
        const stored = (JSON.parse((await web(clone, "/api/variables/")).text) as { name: string; value: string }[]).find(
            (v) => v.name === "encrypted",
        )!;
        expect(
            await inContainer(clone.name, "backend", [
                "python3",
                "-c",
                `from app.database.utils import decrypt_data; print(decrypt_data(${JSON.stringify(stored.value)}))`,
            ]),
        ).toBe("the tenant secret");
        const login = (t: Tenant, password: string) =>
            web(t, "/api/auth/login", { method: "POST", json: { email: "admin@example.com", password } });
        expect((await login(clone, clone.adminPassword)).status).toBe(200);
        expect((await login(clone, pg.adminPassword)).status).toBe(401);
        const nets = async (t: Tenant) =>
            Object.keys((await docker.getContainer(`${t.name}_frontbase-backend-1`).inspect()).NetworkSettings.Networks);
        expect(await nets(clone)).toEqual([`${clone.name}_frontbase_frontbase`]);
        // The source: untouched.
        expect(await names(pg)).toEqual(before);
        expect(await states(pg.name, services(pg))).toEqual(HEALTHY(services(pg)));
    }, 900_000);

    it("backs up a postgres tenant whose postgres is stopped (as a suspended tenant's is): started for pg_dump, stopped again after", async () => {
        const pg = tenants[1];
        const name = `${pg.name}_frontbase-postgres-1`;
        await docker.getContainer(name).stop();
        const stoppedAt = (await docker.getContainer(name).inspect()).State.StartedAt;
        const b = await cli(["backup", pg.name]);
        expect([b.code, b.err]).toEqual([0, ""]);
        const id = /snapshot ([0-9a-f]{8})/.exec(b.out)?.[1];
        expect(id, b.out).toBeTruthy();
        const { stdout } = await run("restic", ["ls", "--long", id!], { timeout: 60_000 });
        const dump = stdout.split("\n").find((l) => l.endsWith("/postgres/frontbase.dump"));
        expect(dump, stdout).toBeTruthy();
        expect(Number(dump!.trim().split(/\s+/)[3])).toBeGreaterThan(1000); // the size column: a real dump, not an empty file
        // Started for the dump (a later start time), stopped again with a clean shutdown.
        const after = (await docker.getContainer(name).inspect()).State;
        expect({ status: after.Status, exit: after.ExitCode, startedAgain: after.StartedAt > stoppedAt }).toEqual({
            status: "exited",
            exit: 0,
            startedAgain: true,
        });
        await docker.getContainer(name).start();
        await until(
            "postgres healthy again",
            async () => ((await states(pg.name, ["postgres"])).postgres === "running/healthy" ? true : undefined),
            120_000,
        );
    }, 300_000);

    it("prunes by the host's retention, and a damaged repository fails the restore without changing the tenant", async () => {
        const lite = tenants[0];
        expect((await cli(["backup", lite.name])).code).toBe(0);
        // Every tenant with a stack file; one made by `new` and never deployed is skipped, not failed.
        const never = testTenant("bknever");
        expect((await cli(["new", never])).code).toBe(0);
        const all = await cli(["backup", "--all"]);
        expect(all.code, all.err).toBe(0);
        for (const t of tenants) expect(all.out).toMatch(new RegExp(`^${t.name}: snapshot [0-9a-f]{8}, `, "m"));
        expect(all.out).toContain(`${never}: skipped, not deployed`);
        expect((await cli(["backups", lite.name, "--json"])).out).toMatch(/"id"/);
        const count = async () => (JSON.parse((await cli(["backups", lite.name, "--json"])).out) as unknown[]).length;
        expect(await count()).toBe(3);
        try {
            // A bad policy is refused before anything is backed up.
            process.env.FRONTBASE_BACKUP_KEEP = "fortnightly=2";
            const refused = await cli(["backup", lite.name, "--prune"]);
            expect(refused.code).toBe(1);
            expect(refused.err).toContain('FRONTBASE_BACKUP_KEEP: unknown unit "fortnightly"');
            expect(await count()).toBe(3);
            process.env.FRONTBASE_BACKUP_KEEP = "last=1";
            const pruned = await cli(["backup", "--prune"]);
            expect(pruned.code, pruned.err).toBe(0);
            expect(pruned.out).toMatch(new RegExp(`${lite.name}: kept 1 snapshots`));
        } finally {
            delete process.env.FRONTBASE_BACKUP_KEEP;
        }
        expect(await count()).toBe(1);
        // Damage every data pack: restic's own checks fail the restore before anything is touched.
        const data = path.join(process.env.RESTIC_REPOSITORY!, "data");
        for (const sub of await fs.readdir(data)) {
            for (const f of await fs.readdir(path.join(data, sub))) {
                const p = path.join(data, sub, f);
                const buf = await fs.readFile(p);
                for (let i = 0; i < buf.length; i += 512) buf[i] ^= 0xff;
                await fs.writeFile(p, buf);
            }
        }
        const before = await names(lite);
        const r = await cli(["restore", lite.name, "--force"]);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/restic|corrupted/);
        expect(await names(lite)).toEqual(before);
        expect(await states(lite.name, services(lite))).toEqual(HEALTHY(services(lite)));
    }, 600_000);
});
