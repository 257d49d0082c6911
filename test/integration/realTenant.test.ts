// A user's journey on two REAL Frontbase tenants (upstream's backend, edge and frontend, built
// from ../shared/frontbase/src by `npm run images:frontbase`), one on sqlite and one on
// postgres, side by side: made by `tenant new` (credentials generated into the stack file as
// Pulumi secure values), deployed through the program by the engine double, then used as a
// browser and an operator would. Redis and postgres are Debian's; redis-http is the one
// stand-in (Elixir cannot be built here).
//
// The postgres tenant also carries what test/integration/postgres.test.ts proved on a tenant of
// its own (scenario 8: its own postgres, the generated password, nothing published; the clean
// stop of a replaced postgres; scenario 3's purge on destroy), so that the suite deploys one
// postgres tenant, not two; that file's drift check was already proven here, and its bad-config
// scenario (9) moved to engine-broken.test.ts. The two tenants deploy, and destroy and come back,
// side by side: what they wait for is mostly health checks, not the machine.
import { execFile } from "child_process";
import { promises as fs } from "fs";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroy, EngineOptions, preview } from "../engine/engine";
import { changesOf, diffLines, stepLine } from "../engine/progress";
import { containerLogTail } from "../engine/realizer/health";
import { REAL_TENANT_IMAGES } from "../images/frontbase";
import { docker, removeTenant, tenantObjects } from "./support/docker";
import { deploy, HEALTHY, imageVariant, states, tempDir, tenantCli } from "./support/fleet";
import { probeDocker } from "./support/probe";
import { copyProject, ProjectCopy } from "./support/projectCopy";
import { testTenant } from "./support/tenants";
import { loadStackFile, realServices, RealTenant, realTenant, web } from "./support/realTenants";
import { deriveKey, encryptValue } from "../../project/pulumiSecrets";
import { updateStackFile } from "../../project/stackFiles";
import { EngineResult } from "../engine/engine";

const run = promisify(execFile);
const probe = probeDocker(Object.values(REAL_TENANT_IMAGES), "the real-application journey");
const PASSPHRASE = "journey passphrase, test only";
/** The sqlite tenant's own variables: one plain, one a secure value inside `frontbase:env`. */
const ORIGINS = "https://shop.example,https://admin.shop.example";
const SMTP_PASSWORD = "smtp-journey-password-4f9c1e";

/** `pulumi config set --path [--secret] frontbase:env.<service>.<NAME>`, as the stack file then holds it. */
async function setOwnEnv(file: string): Promise<void> {
    const salt = /^encryptionsalt: (.+)$/m.exec(await fs.readFile(file, "utf8"))![1];
    const key = await deriveKey(PASSPHRASE, salt, file);
    await updateStackFile(file, {
        "frontbase:env": { edge: { ALLOWED_ORIGINS: ORIGINS }, backend: { SMTP_PASSWORD: { secure: encryptValue(key, SMTP_PASSWORD) } } },
    });
}

type Tenant = RealTenant;

async function exec(container: string, cmd: string[]): Promise<string> {
    return (await run("docker", ["exec", container, ...cmd], { timeout: 30_000 })).stdout.trim();
}

describe.skipIf(probe.reason)("real Frontbase tenants, sqlite and postgres: a user's journey", () => {
    const tenants: Tenant[] = [realTenant(testTenant("real"), "sqlite"), realTenant(testTenant("realpg"), "postgres")];
    let project: ProjectCopy;
    let stateDir: string;
    let lockDir: string;
    let variant: string | undefined;
    const firstDeploys: EngineResult[] = [];
    const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
    const opts = (t: Tenant): EngineOptions => ({
        projectDir: project.dir,
        stack: t.name,
        stateDir,
        config: t.config,
        secretKeys: t.secretKeys,
    });
    const containerOf = (t: Tenant, service: string) => `${t.name}_frontbase-${service}-1`;
    const login = (t: Tenant, email: string, password: string) => web(t, "/api/auth/login", { method: "POST", json: { email, password } });
    const services = realServices;
    const env = async (t: Tenant, service: string) =>
        Object.fromEntries((await docker.getContainer(containerOf(t, service)).inspect()).Config.Env.map((e) => e.split(/=(.*)/s)));
    const psql = (t: Tenant, sql: string) => exec(containerOf(t, "postgres"), ["psql", "-U", "frontbase", "-d", "frontbase", "-tAc", sql]);

    const load = (t: Tenant) => loadStackFile(project.dir, t);

    beforeAll(async () => {
        process.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
        project = await copyProject();
        stateDir = await tempDir("state");
        lockDir = await tempDir("lock");
        // Allocation (tenantCli) and deploy (the runner inherits this environment) see one ledger.
        process.env.FRONTBASE_LOCK_DIR = lockDir;
        for (const t of tenants) {
            const made = await tenantCli(["new", t.name, "--database", t.database], project.dir, lockDir);
            expect(made.err).toContain("credentials: generated");
            expect(made.code).toBe(0);
            if (t.database === "sqlite") await setOwnEnv(path.join(project.dir, `Pulumi.${t.name}.yaml`));
            await load(t);
        }
        firstDeploys.push(...(await Promise.all(tenants.map((t) => deploy(opts(t))))));
    });
    afterAll(async () => {
        if (saved === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
        else process.env.PULUMI_CONFIG_PASSPHRASE = saved;
        await Promise.all(tenants.map((t) => removeTenant(t.name)));
        if (variant)
            await docker
                .getImage(variant)
                .remove()
                .catch(() => undefined);
        await project?.remove();
        for (const d of [stateDir, lockDir]) if (d) await fs.rm(d, { recursive: true, force: true });
    });

    it("keeps the credentials only encrypted in the stack file, and every service healthy; the token job done", async () => {
        for (const t of tenants) {
            const text = await fs.readFile(path.join(project.dir, `Pulumi.${t.name}.yaml`), "utf8");
            expect(text).not.toContain(t.adminPassword);
            expect(text).toMatch(/secure: v1:/);
            expect(await states(t.name, services(t))).toEqual(HEALTHY(services(t)));
            const job = await docker.getContainer(`${t.name}_frontbase-redis-token-job`).inspect();
            expect([job.State.Status, job.State.ExitCode]).toEqual(["exited", 0]);
        }
    });

    it("serves the admin UI at /frontbase-admin/ and the edge's public root through the frontend port", async () => {
        for (const t of tenants) {
            const admin = await web(t, "/frontbase-admin/");
            expect([admin.status, admin.text.includes('<div id="root"')]).toEqual([200, true]);
            const root = await web(t, "/");
            expect(root.status).toBe(200);
            expect(root.text).toContain("No Homepage Configured");
        }
    });

    it("logs the admin in with the generated password; refuses a wrong one, and the other tenant's", async () => {
        const [a, b] = tenants;
        for (const t of tenants) {
            const ok = await login(t, "admin@example.com", t.adminPassword);
            expect(ok.status).toBe(200);
            expect(ok.cookie).toBeTruthy();
            expect((await web(t, "/api/auth/me", { cookie: ok.cookie })).status).toBe(200);
            expect((await login(t, "admin@example.com", `${t.adminPassword}x`)).status).toBe(401);
        }
        expect((await login(a, "admin@example.com", b.adminPassword)).status).toBe(401);
        expect((await login(b, "admin@example.com", a.adminPassword)).status).toBe(401);
    });

    it("reads back through the frontend what was created through the API; the data is where the config says", async () => {
        for (const t of tenants) {
            const created = await web(t, "/api/variables/", {
                method: "POST",
                json: { name: `journey_${t.database}`, type: "variable", value: "42" },
            });
            expect(created.status).toBe(200);
            const listed = JSON.parse((await web(t, "/api/variables/")).text) as { name: string; value: string }[];
            expect(listed.map((v) => [v.name, v.value])).toContainEqual([`journey_${t.database}`, "42"]);
        }
        const [lite, pg] = tenants;
        expect(await psql(pg, "SELECT name FROM app_variables")).toContain("journey_postgres");
        expect(await exec(containerOf(lite, "backend"), ["sqlite3", "/app/data/frontbase.db", "SELECT name FROM app_variables"])).toContain(
            "journey_sqlite",
        );
        // Isolation: neither tenant sees the other's data.
        expect((await web(lite, "/api/variables/")).text).not.toContain("journey_postgres");
        // The postgres tenant keeps no core tables in sqlite.
        expect(await exec(containerOf(pg, "backend"), ["sh", "-c", "ls /app/data"])).not.toMatch(/frontbase\.db/);
    });

    it("8. the postgres tenant runs its own postgres, never published; the backend gets the stack file's password and nothing it ignores", async () => {
        const pg = tenants[1];
        // The real backend connects to postgres:5432 as frontbase/frontbase; only DB_PASSWORD comes
        // from the env. Isolation comes from each tenant's own postgres container.
        const password = pg.config["frontbase:dbPassword"];
        expect(password).toMatch(/^[A-Za-z0-9]{32}$/);
        expect(await env(pg, "postgres")).toMatchObject({
            POSTGRES_DB: "frontbase",
            POSTGRES_USER: "frontbase",
            POSTGRES_PASSWORD: password,
        });
        const backend = await env(pg, "backend");
        expect(backend).toMatchObject({ DATABASE: "postgresql", DB_PASSWORD: password });
        expect(
            Object.keys(backend).filter((k) => ["DATABASE_URL", "SECRET_KEY", "CORS_ORIGINS"].includes(k) || k.startsWith("UPSTASH_")),
        ).toEqual([]);
        expect((await docker.getContainer(containerOf(pg, "postgres")).inspect()).HostConfig.PortBindings).toEqual({});
        // The redis settings the edge reads at start-up are kept in that postgres database, with
        // the tenant's own token (written there by the redis-token job).
        expect(await psql(pg, "SELECT redis_url || ' ' || redis_token || ' ' || redis_enabled FROM project_settings")).toBe(
            `http://redis-http:80 ${pg.config["frontbase:redisToken"]} true`,
        );
    });

    it("makes the cache round trip edge -> redis-http -> redis with the generated token (no 401)", async () => {
        for (const t of tenants) {
            const test = JSON.parse(await exec(containerOf(t, "edge"), ["curl", "-sS", "http://127.0.0.1:3002/api/cache/test"]));
            expect(test.success).toBe(true);
            // With the settings it read from the backend at start-up, not the UPSTASH_* fallback.
            expect(await containerLogTail(docker.getContainer(containerOf(t, "edge")), 200)).toContain(
                "[Startup Sync] ✅ Redis initialized from settings",
            );
        }
    });

    it("passes the drift check", async () => {
        const drift = await Promise.all(
            tenants.map(async (t) => [
                t.name,
                changesOf((await preview({ ...opts(t), refresh: true })).steps).map((s) => [stepLine(s), ...diffLines(s)].join("\n")),
            ]),
        );
        expect(drift).toEqual(tenants.map((t) => [t.name, []]));
    });

    it("gives the sqlite tenant's services its own variables (frontbase:env, one secure), the secret in no output", async () => {
        const t = tenants[0];
        expect(t.secretKeys).toContain("frontbase:env");
        expect((await env(t, "edge")).ALLOWED_ORIGINS).toBe(ORIGINS);
        expect((await env(t, "backend")).SMTP_PASSWORD).toBe(SMTP_PASSWORD);
        const registered = firstDeploys[0].registrations.find((r) => r.name === `${t.name}-backend-container`)!;
        expect(registered.secretPaths).toContain("envs");
        const said = [
            ...firstDeploys.flatMap((r) => [
                ...r.steps.flatMap((s) => [stepLine(s), ...diffLines(s)]),
                ...r.diagnostics.map((d) => d.message),
                r.runner?.stdout ?? "",
                r.runner?.stderr ?? "",
            ]),
            ...(await Promise.all(
                [["status", t.name], ["ls"], ["check"]].map(async (argv) => {
                    const r = await tenantCli(argv, project.dir, lockDir);
                    return `${r.out}\n${r.err}`;
                }),
            )),
            await fs.readFile(path.join(project.dir, `Pulumi.${t.name}.yaml`), "utf8"),
        ].join("\n");
        expect(said).toContain(t.name);
        expect(said).not.toContain(SMTP_PASSWORD);
    });

    it("survives a backend replacement (env change, then image rebuild): still serving through the frontend, same data, same password", async () => {
        const t = tenants[1];
        t.config = { ...t.config, "frontbase:adminEmail": "owner@example.org" };
        const changed = await deploy(opts(t));
        expect(changed.steps.find((s) => s.name === `${t.name}-backend-container`)?.op).toBe("replace");
        expect(changed.steps.find((s) => s.name === `${t.name}-frontend-container`)?.op).toBe("replace");
        expect((await login(t, "owner@example.org", t.adminPassword)).status).toBe(200);
        expect((await web(t, "/api/variables/")).text).toContain("journey_postgres");
    });

    it("a replaced postgres is stopped with its grace period: the new one finds a clean shutdown, not a crash, and the backend the data", async () => {
        const t = tenants[1];
        variant = await imageVariant(REAL_TENANT_IMAGES.postgres, `clean-stop-${t.name}`);
        // The tenant keeps the upgraded image from here on (destroy and up included).
        t.config = { ...t.config, "frontbase:images": JSON.stringify({ ...REAL_TENANT_IMAGES, postgres: variant }) };
        const r = await deploy(opts(t));
        // Only postgres is replaced: the backend reconnects to the new one by its name.
        expect(r.steps.filter((s) => s.op !== "same" && s.type === "docker:index/container:Container").map((s) => [s.name, s.op])).toEqual([
            [`${t.name}-postgres-container`, "replace"],
        ]);
        const logs = await containerLogTail(docker.getContainer(containerOf(t, "postgres")), 200);
        expect(logs).toMatch(/database system was shut down at/);
        expect(logs).not.toMatch(/database system was interrupted|automatic recovery in progress/);
        expect((await web(t, "/api/variables/")).text).toContain("journey_postgres");
        expect((await login(t, "owner@example.org", t.adminPassword)).status).toBe(200);
    });

    it("survives destroy and up over the kept volumes: healthy again, data readable, the same admin password", async () => {
        // Side by side, as two operators would; each tenant's checks are its own.
        await Promise.all(
            tenants.map(async (t) => {
                await destroy(opts(t));
                await deploy(opts(t));
                expect(await states(t.name, services(t))).toEqual(HEALTHY(services(t)));
                const email = t.config["frontbase:adminEmail"] ?? "admin@example.com";
                expect((await login(t, email, t.adminPassword)).status).toBe(200);
                expect((await web(t, "/api/variables/")).text).toContain(`journey_${t.database}`);
                const test = JSON.parse(await exec(containerOf(t, "edge"), ["curl", "-sS", "http://127.0.0.1:3002/api/cache/test"]));
                expect(test.success).toBe(true);
            }),
        );
    });

    it("measures each service's memory at rest (docker stats), for the table in docs/configuration.md", async () => {
        const rows: string[] = [];
        for (const t of tenants) {
            const { stdout } = await run("docker", [
                "stats",
                "--no-stream",
                "--format",
                "{{.Name}} {{.MemUsage}}",
                ...services(t).map((s) => containerOf(t, s)),
            ]);
            rows.push(...stdout.trim().split("\n"));
        }
        console.log(`memory at rest:\n${rows.join("\n")}`);
        expect(rows).toHaveLength(11);
    });

    it("3. with purgeDataOnDestroy: true, destroy removes the postgres tenant's volumes too", async () => {
        const t = tenants[1];
        t.config = { ...t.config, "frontbase:purgeDataOnDestroy": "true" };
        const marked = await deploy(opts(t));
        expect(new Set(marked.steps.map((s) => s.op))).toEqual(new Set(["same"]));
        expect((await tenantObjects(t.name)).volumes).toHaveLength(4);
        const gone = await destroy(opts(t));
        expect(gone.steps.filter((s) => s.name.endsWith("-data")).map((s) => s.op)).toEqual(["delete", "delete", "delete", "delete"]);
        const left = await tenantObjects(t.name);
        expect([left.containers, left.networks, left.volumes]).toEqual([[], [], []]);
    });
});
