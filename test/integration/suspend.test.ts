// Suspend and resume on a REAL Frontbase tenant (the real backend, edge and frontend images),
// through the commands an operator runs: `tenant suspend` / `tenant resume` write the stack file
// and deploy it; here their `pulumi up` is the engine double's, on the stack file as written.
// Suspended: the memory is freed (`docker stats`), no container runs, the host ports stay in the
// containers' configuration (where the allocator counts them), `status` and `verify` pass it as
// suspended, and the drift check (`preview --refresh`, expect no changes) is clean. Resumed: every
// service healthy, the data written before still there. Its domain, through the host's real Caddy
// (its own CA): 503 "<domain> is suspended" while suspended, the app again once resumed. A backup
// taken while suspended (its data at rest) is a restic snapshot holding its database.
import { execFile, spawnSync } from "child_process";
import { promises as fs } from "fs";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run as runCli } from "../../cli/main";
import { readContainerPorts } from "../../ports/containers";
import { updateStackFile } from "../../project/stackFiles";
import { createContext } from "../../tenants/context";
import { EngineError, EngineOptions, preview, up } from "../engine/engine";
import { changesOf, diffLines, stepLine } from "../engine/progress";
import { REAL_TENANT_IMAGES } from "../images/frontbase";
import { TEST_PROXY_IMAGE } from "../images/images";
import { cannotRun } from "../support/skip";
import { docker, removeProxy, removeTenant } from "./support/docker";
import { deploy, HEALTHY, states, tempDir, tenantCli } from "./support/fleet";
import { getLocal, prepareLocalProxy } from "./support/localProxy";
import { probeDocker } from "./support/probe";
import { copyProject, ProjectCopy } from "./support/projectCopy";
import { loadStackFile, realTenant, web } from "./support/realTenants";
import { testTenant } from "./support/tenants";
import { until } from "./support/until";

const exec = promisify(execFile);
const probe = probeDocker([...Object.values(REAL_TENANT_IMAGES), TEST_PROXY_IMAGE], "suspend and resume");
const hasRestic = spawnSync("sh", ["-c", "command -v restic"]).status === 0;
const skip = probe.reason ?? cannotRun("suspend and resume", hasRestic ? undefined : "needs restic (apt-get install -y restic)");
const PASSPHRASE = "suspend passphrase, test only";
const SERVICES = ["redis", "redis-http", "backend", "edge", "frontend"];

/** The tenant's containers' memory in MiB, as `docker stats` reports it (0 for one that does not run). */
async function memoryMiB(tenant: string): Promise<number> {
    const names = SERVICES.map((s) => `${tenant}_frontbase-${s}-1`);
    const { stdout } = await exec("docker", ["stats", "--no-stream", "--format", "{{.MemUsage}}", ...names], { timeout: 60_000 });
    const units: Record<string, number> = { B: 1 / 2 ** 20, KiB: 1 / 1024, MiB: 1, GiB: 1024 };
    return stdout
        .trim()
        .split("\n")
        .map((line) => /^([\d.]+)(B|KiB|MiB|GiB)/.exec(line.trim()))
        .reduce((sum, m) => sum + (m ? Number(m[1]) * units[m[2]] : NaN), 0);
}

describe.skipIf(skip)("a real tenant suspended and resumed through the commands", () => {
    const t = realTenant(testTenant("susp"), "sqlite");
    const domain = `${t.name}.frontbase.test`;
    let project: ProjectCopy;
    let stateDir: string;
    let lockDir: string;
    const saved = { ...process.env };
    const opts = (): EngineOptions => ({ projectDir: project.dir, stack: t.name, stateDir, config: t.config, secretKeys: t.secretKeys });
    let proxyConfig: Record<string, string> = {};
    const proxyOpts = (): EngineOptions => ({ projectDir: project.dir, stack: "proxy", stateDir, config: proxyConfig });
    let before = { memory: 0 };

    /** `npm run tenant -- <argv>` in-process, its `pulumi up` the engine double's on the stack file as the command left it. */
    async function tenant(argv: string[]): Promise<{ code: number; out: string; err: string; ms: number }> {
        let out = "";
        let err = "";
        const ctx = createContext({
            projectDir: project.dir,
            lockDir,
            io: { out: (s) => void (out += `${s}\n`), err: (s) => void (err += `${s}\n`) },
            pulumi: async (args) => {
                expect(args).toEqual(["up", "--stack", args[2] === "proxy" ? "proxy" : t.name, "--yes"]);
                await loadStackFile(project.dir, t);
                try {
                    await up(args[2] === "proxy" ? proxyOpts() : opts());
                    return 0;
                } catch (e) {
                    if (!(e instanceof EngineError)) throw e;
                    err += `${e.message}\n`;
                    return 255;
                }
            },
        });
        const started = Date.now();
        const code = await runCli(argv, ctx);
        const ms = Date.now() - started;
        console.log(`tenant ${argv.join(" ")}: exit ${code} in ${ms} ms`);
        return { code, out, err, ms };
    }

    beforeAll(async () => {
        process.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
        project = await copyProject();
        stateDir = await tempDir("state");
        lockDir = await tempDir("lock");
        process.env.FRONTBASE_LOCK_DIR = lockDir;
        process.env.RESTIC_REPOSITORY = path.join(lockDir, "restic");
        process.env.RESTIC_PASSWORD_FILE = path.join(lockDir, "restic-password, test only");
        await fs.writeFile(process.env.RESTIC_PASSWORD_FILE, "restic password, test only\n", { mode: 0o600 });
        expect((await tenantCli(["new", t.name], project.dir, lockDir)).code).toBe(0);
        await updateStackFile(`${project.dir}/Pulumi.${t.name}.yaml`, { "frontbase:domains": [domain] });
        proxyConfig = await prepareLocalProxy(project.dir);
        await loadStackFile(project.dir, t);
        await deploy(opts());
        await deploy(proxyOpts());
        const app = await until(
            "the app through the proxy",
            async () => {
                const r = await getLocal(domain, "/frontbase-admin/");
                return r.status === 200 ? r : undefined;
            },
            60_000,
            1000,
        );
        expect(app.subject).toBe(`DNS:${domain}`);
        const created = await web(t, "/api/variables/", {
            method: "POST",
            json: { name: "kept_while_suspended", type: "variable", value: "7" },
        });
        expect(created.status).toBe(200);
        before = { memory: await memoryMiB(t.name) };
    });
    afterAll(async () => {
        for (const k of ["PULUMI_CONFIG_PASSPHRASE", "FRONTBASE_LOCK_DIR", "RESTIC_REPOSITORY", "RESTIC_PASSWORD_FILE"]) {
            if (saved[k] === undefined) delete process.env[k];
            else process.env[k] = saved[k];
        }
        await removeProxy();
        await removeTenant(t.name);
        await project?.remove();
        for (const d of [stateDir, lockDir]) if (d) await fs.rm(d, { recursive: true, force: true });
    });

    it("suspend: the stack file says so, no container runs, its memory is freed, its ports stay in the containers' configuration", async () => {
        expect(before.memory).toBeGreaterThan(50);
        const r = await tenant(["suspend", t.name]);
        expect([r.code, r.err]).toEqual([0, ""]);
        expect(await fs.readFile(`${project.dir}/Pulumi.${t.name}.yaml`, "utf8")).toMatch(/\n {2}frontbase:suspended: true\n/);
        expect(Object.values(await states(t.name)).map((s) => s.split("/")[0])).toEqual(SERVICES.map(() => "created"));
        const after = await memoryMiB(t.name);
        console.log(`memory of ${t.name}: ${before.memory.toFixed(1)} MiB running, ${after.toFixed(1)} MiB suspended`);
        expect(after).toBe(0);
        const held = (await readContainerPorts(docker)).filter((c) => c.tenant === t.name && c.service === "frontend");
        expect(held.map((c) => [c.state, c.ports.map((p) => p.port)])).toEqual([["created", [t.frontend]]]);
        expect(r.out).toContain("suspended: no service runs; volumes, ports and credentials kept");
    });

    it("its domain answers 503 through the real Caddy, a one-line page naming the domain, with its certificate", async () => {
        const page = await until(
            "503 through the proxy",
            async () => {
                const a = await getLocal(domain, "/frontbase-admin/");
                return a.status === 503 ? a : undefined;
            },
            30_000,
            500,
        );
        expect([page.body, page.subject]).toEqual([`${domain} is suspended`, `DNS:${domain}`]);
    });

    it("is backed up while suspended (its data at rest): a restic snapshot holding its database", async () => {
        const b = await tenant(["backup", t.name, "--init"]);
        expect([b.code, b.err]).toEqual([0, expect.not.stringContaining("failed")]);
        const id = /snapshot ([0-9a-f]{8})/.exec(b.out)?.[1];
        expect(id, b.out).toBeTruthy();
        const { stdout } = await exec("restic", ["ls", id!], { timeout: 60_000 });
        expect(stdout).toMatch(/\/volumes\/backend\/frontbase\.db\n/);
        expect(Object.values(await states(t.name)).map((s) => s.split("/")[0])).toEqual(SERVICES.map(() => "created"));
    });

    it("is clean under the drift check while suspended, and status and verify pass it as suspended", async () => {
        const drift = changesOf((await preview({ ...opts(), refresh: true })).steps).map((s) => [stepLine(s), ...diffLines(s)].join("\n"));
        expect(drift).toEqual([]);
        const status = await tenant(["status", t.name]);
        expect([status.code, status.out]).toEqual([0, expect.stringContaining(`suspended: no service runs`)]);
        const verify = await tenant(["verify", t.name]);
        expect([verify.code, verify.err]).toEqual([0, ""]);
    });

    it("resume: every service healthy again, with the data written before the suspension", async () => {
        const r = await tenant(["resume", t.name]);
        expect([r.code, r.err]).toEqual([0, ""]);
        expect(await fs.readFile(`${project.dir}/Pulumi.${t.name}.yaml`, "utf8")).not.toContain("suspended");
        expect(await states(t.name)).toEqual(HEALTHY());
        const listed = JSON.parse((await web(t, "/api/variables/")).text) as { name: string; value: string }[];
        expect(listed.map((v) => [v.name, v.value])).toContainEqual(["kept_while_suspended", "7"]);
        const app = await until(
            "the app through the proxy again",
            async () => {
                const a = await getLocal(domain, "/frontbase-admin/");
                return a.status === 200 ? a : undefined;
            },
            30_000,
            500,
        );
        expect(app.body).toContain('<div id="root"');
    });
});
