// Watching a REAL Frontbase tenant (sqlite, deployed once through the engine double and reused by
// every test here): `stats` agrees with `docker stats`; `alerts` delivers a signed alert to a
// webhook receiver on loopback when the backend is stopped and its resolution when it is back; a
// restore drill of its snapshot passes (deployed through the Context's Pulumi runner, driving the
// engine double), and a drill of a damaged snapshot fails with the reason; `backups` and `alerts`
// show both drills.
import { execFile, spawnSync } from "child_process";
import { promises as fs } from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main";
import { Restic, resticTarget, tenantTag } from "../../backup/restic";
import type { Stats } from "../../monitor/stats";
import { SIGNATURE_HEADER, verifySignature } from "../../monitor/webhook";
import type { Context } from "../../tenants/context";
import { REAL_TENANT_IMAGES } from "../images/frontbase";
import { docker, removeTenant, tenantObjects } from "./support/docker";
import { enginePulumi } from "./support/enginePulumi";
import { deploy, HEALTHY, states, tempDir } from "./support/fleet";
import { probeDocker } from "./support/probe";
import { copyProject, ProjectCopy } from "./support/projectCopy";
import { loadStackFile, realTenant, web } from "./support/realTenants";
import { testTenant } from "./support/tenants";
import { until } from "./support/until";

const run = promisify(execFile);
const probe = probeDocker(Object.values(REAL_TENANT_IMAGES), "the watch suite");
const hasRestic = spawnSync("sh", ["-c", "command -v restic"]).status === 0;
const skip = probe.reason ?? (hasRestic ? undefined : "needs restic (apt-get install -y restic)");
const SECRET = "alerts secret, test only, 0123456789";
const QUIET = ["--backup-age", "off", "--drill-age", "off", "--cert-within", "off", "--volume-size", "off"];
const MIB = 1024 * 1024;

describe.skipIf(skip)("watching a real tenant: stats, alerts, restore drills", () => {
    const t = realTenant(testTenant("watch"), "sqlite");
    const variables = ["alpha", "beta", "gamma"];
    let project: ProjectCopy;
    let stateDir: string;
    let lockDir: string;
    let repoDir: string;
    let snapshot: string;
    const saved = { ...process.env };
    const pulumi = () => enginePulumi(stateDir);

    /** `npm run tenant -- <argv>` in this process, on the project copy, with what the test gives the Context. */
    async function cli(argv: string[], given: Partial<Context> = {}) {
        let out = "";
        let err = "";
        const io = { out: (s: string) => void (out += `${s}\n`), err: (s: string) => void (err += `${s}\n`) };
        const code = await main(argv, io, { projectDir: project.dir, lockDir, ...given });
        return { code, out, err };
    }

    beforeAll(async () => {
        project = await copyProject();
        stateDir = await tempDir("state");
        lockDir = path.join(await tempDir("lock"), "locks");
        repoDir = await tempDir("restic");
        Object.assign(process.env, {
            PULUMI_CONFIG_PASSPHRASE: "watch passphrase, test only",
            RESTIC_REPOSITORY: path.join(repoDir, "repo"),
            RESTIC_PASSWORD_FILE: path.join(repoDir, "password"),
            FRONTBASE_ALERTS_SECRET: SECRET,
        });
        await fs.writeFile(process.env.RESTIC_PASSWORD_FILE!, "restic password, test only\n", { mode: 0o600 });
        expect((await cli(["new", t.name])).code).toBe(0);
        await loadStackFile(project.dir, t);
        await deploy({ projectDir: project.dir, stack: t.name, stateDir, config: t.config, secretKeys: t.secretKeys });
        for (const name of variables)
            expect(
                (await web(t, "/api/variables/", { method: "POST", json: { name, type: "variable", value: `${name} value` } })).status,
            ).toBeLessThan(300);
    }, 600_000);

    afterAll(async () => {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
        await removeTenant(t.name);
        await project?.remove();
        for (const d of [stateDir, lockDir && path.dirname(lockDir), repoDir]) if (d) await fs.rm(d, { recursive: true, force: true });
    });

    it("stats agrees with docker stats --no-stream: memory within 10% or 8 MiB, limits exactly, network within 10% or 16 kB, CPU within 15 points", async () => {
        const [ours, theirs] = await Promise.all([
            cli(["stats", t.name, "--json"]),
            run("docker", ["stats", "--no-stream", "--format", "{{json .}}"]),
        ]);
        expect(ours.code, ours.err).toBe(0);
        const s = JSON.parse(ours.out) as Stats;
        expect(s.via).toMatchObject({ engine: 0 }); // read from this machine's kernel
        const docker = new Map(
            theirs.stdout
                .trim()
                .split("\n")
                .map((l) => JSON.parse(l) as { Name: string; CPUPerc: string; MemUsage: string; NetIO: string })
                .map((d) => [d.Name, d]),
        );
        const services = s.tenants.find((x) => x.tenant === t.name)!.services;
        expect(services.map((x) => x.service).sort()).toEqual(Object.keys(HEALTHY()).sort());
        for (const x of services) {
            const d = docker.get(x.container!)!;
            const [used, limit] = d.MemUsage.split(" / ").map(size);
            const [rx, tx] = d.NetIO.split(" / ").map(size);
            const near = (a: number, b: number, abs: number, rel: number) => Math.abs(a - b) <= Math.max(abs, rel * Math.max(a, b));
            const row = { service: x.service, ours: [x.cpuPercent, x.memoryUsed, x.memoryLimit, x.network], docker: d };
            expect(near(x.memoryUsed!, used, 8 * MIB, 0.1), JSON.stringify(row)).toBe(true);
            expect(x.memoryLimit, JSON.stringify(row)).toBe(limit);
            expect(near(x.network!.rx, rx, 16_000, 0.1) && near(x.network!.tx, tx, 16_000, 0.1), JSON.stringify(row)).toBe(true);
            expect(Math.abs(x.cpuPercent! - Number(d.CPUPerc.replace("%", ""))), JSON.stringify(row)).toBeLessThanOrEqual(15);
        }
        expect(services.find((x) => x.service === "backend")!.volume).toMatchObject({ name: `${t.name}_frontbase_backend_data` });
        expect(s.host.memoryCommitted).toBeGreaterThanOrEqual(services.reduce((n, x) => n + (x.memoryLimit ?? 0), 0));
        expect(s.host.fits).toBe(Math.floor((s.host.memoryTotal - s.host.memoryCommitted) / s.host.tenantSize));
    }, 60_000);

    it("delivers a signed alert to a receiver on loopback when the backend is stopped, and its resolution when it is back", async () => {
        const hook = await receiver();
        try {
            const alerts = () => cli(["alerts", "--once", "--webhook", hook.url, "--down-for", "0s", ...QUIET]);
            expect((await alerts()).code).toBe(0);
            const backend = docker.getContainer(`${t.name}_frontbase-backend-1`);
            await backend.stop();
            const fired = await alerts();
            expect(fired.code, fired.out + fired.err).toBe(3);
            expect(fired.out).toMatch(
                new RegExp(`^FIRED\\s+service:${t.name}:backend\\s+backend \\(${t.name}_frontbase-backend-1\\) is exited`, "m"),
            );
            const key = `service:${t.name}:backend`;
            const firedPosts = hook.got.filter((g) => JSON.parse(g.body).alert.key === key);
            expect(firedPosts.map((g) => JSON.parse(g.body).event)).toEqual(["fired"]);
            for (const g of hook.got)
                expect(verifySignature(g.body, g.headers[SIGNATURE_HEADER.toLowerCase()] as string, SECRET)).toBe(true);

            await backend.start();
            await until(
                "the backend healthy again",
                async () => ((await states(t.name))["backend"] === "running/healthy" ? true : undefined),
                120_000,
                1000,
            );
            const back = await alerts();
            expect(back.out).toMatch(new RegExp(`^resolved\\s+${key}`, "m"));
            const posts = hook.got.filter((g) => JSON.parse(g.body).alert.key === key);
            expect(posts.map((g) => JSON.parse(g.body).event)).toEqual(["fired", "resolved"]);
            expect(verifySignature(posts[1].body, posts[1].headers[SIGNATURE_HEADER.toLowerCase()] as string, SECRET)).toBe(true);
            expect(JSON.parse(posts[1].body).id).toBe(JSON.parse(posts[0].body).id.replace(/^fired/, "resolved"));
        } finally {
            await hook.close();
        }
    }, 300_000);

    it("drills the tenant's snapshot: restored into a temporary tenant, deployed, healthy, admin login with the source's password, its data read back; then removed", async () => {
        const b = await cli(["backup", t.name, "--init"]);
        expect(b.code, b.err).toBe(0);
        snapshot = /snapshot ([0-9a-f]{8})/.exec(b.out)![1];
        const runner = pulumi();
        const d = await cli(["drill", t.name, "--json"], { pulumi: runner });
        console.log(`drill: ${d.err}`);
        expect(d.code, d.err).toBe(0);
        const r = JSON.parse(d.out);
        expect(r).toMatchObject({ tenant: t.name, snapshot, passed: true, variables: variables.length, leftovers: [] });
        expect(r.checks.map((c: { what: string; ok: boolean }) => [c.what, c.ok])).toEqual([
            ["admin page", true],
            ["login as admin@example.com", true],
            ["session", true],
            ["API read", true],
        ]);
        console.log(`drill of ${t.name}: healthy ${r.healthyMs} ms after the deploy began, ${r.totalMs} ms in all`);
        expect(runner.calls.map((c) => c.slice(0, 2).join(" "))).toEqual(["stack select", "up --stack", "destroy --stack", "stack rm"]);
        const left = await tenantObjects(r.drillTenant);
        expect([left.containers.length, left.networks.length, left.volumes.length]).toEqual([0, 0, 0]);
        expect(await fs.readdir(project.dir)).not.toContain(`Pulumi.${r.drillTenant}.yaml`);
        const listed = await cli(["backups"]);
        expect(listed.out).toMatch(new RegExp(`^${t.name}\\s.*passed \\(${snapshot}, healthy in \\d+ s\\)`, "m"));
        const quiet = await cli(["alerts", "--once", "--backup-age", "off", "--cert-within", "off"]);
        expect(quiet.out).not.toContain(`drill:${t.name}`);
    }, 600_000);

    it("fails a drill of a damaged snapshot with the reason, records it, and alerts fire on it", async () => {
        // The same tenant's data with the database's bytes flipped: a snapshot restic keeps intact, whose content is not what was backed up.
        const restic = new Restic(resticTarget(process.env, lockDir));
        const tree = await tempDir("damaged");
        try {
            await restic.restore(snapshot, tree);
            const rel = ((await fs.readdir(tree, { recursive: true })) as string[]).find((f) =>
                f.endsWith(path.join("volumes", "backend", "frontbase.db")),
            )!;
            const root = path.join(tree, rel.slice(0, -path.join("volumes", "backend", "frontbase.db").length));
            const db = path.join(tree, rel);
            const bytes = await fs.readFile(db);
            bytes.fill(0x5a, 100, Math.min(bytes.length, 4196));
            await fs.writeFile(db, bytes);
            const damaged = await restic.backup(root, [tenantTag(t.name), "frontbase-database=sqlite"]);
            const id = damaged.snapshotId.slice(0, 8);
            const d = await cli(["drill", t.name, "--snapshot", id, "--json"], { pulumi: pulumi() });
            expect(d.code, d.out + d.err).toBe(3);
            const r = JSON.parse(d.out);
            expect(r).toMatchObject({ passed: false, snapshot: id, leftovers: [] });
            expect(r.reason).toMatch(
                new RegExp(`^restore: snapshot ${id} is corrupted; nothing was changed: volumes/backend/frontbase\\.db`),
            );
            const left = await tenantObjects(r.drillTenant);
            expect([left.containers.length, left.networks.length, left.volumes.length]).toEqual([0, 0, 0]);
            const listed = await cli(["backups"]);
            expect(listed.out).toMatch(new RegExp(`^${t.name}\\s.*FAILED \\(${id}\\): restore: snapshot ${id} is corrupted`, "m"));
            const alerts = await cli(["alerts", "--once", "--backup-age", "off", "--cert-within", "off"]);
            expect(alerts.code).toBe(3);
            expect(alerts.out).toMatch(
                new RegExp(
                    `^FIRED\\s+drill:${t.name}:last drill\\s+${t.name} last restore drill failed \\(.*\\): restore: snapshot ${id} is corrupted`,
                    "m",
                ),
            );
        } finally {
            await fs.rm(tree, { recursive: true, force: true });
        }
    }, 300_000);

    it("has an audit line for each change this suite made through the CLI, and none for what only reads", async () => {
        const r = await cli(["audit", "--tenant", t.name, "--since", "1h", "--json"]);
        expect(r.code).toBe(0);
        const lines = JSON.parse(r.out) as {
            command: string;
            flags: string[];
            outcome: string;
            code: number;
            via: string;
            actor: string;
        }[];
        expect(lines.map((l) => [l.command, l.flags.join(" "), l.outcome, l.code])).toEqual([
            ["new", "", "ok", 0],
            ["backup", "--init", "ok", 0],
            ["drill", "--json", "ok", 0],
            ["drill", "--snapshot --json", "failed", 3],
        ]);
        expect(new Set(lines.map((l) => `${l.via} ${l.actor}`))).toEqual(new Set([`cli ${os.userInfo().username}`]));
    });
});

/** `45.3MiB`, `512MiB`, `1.2kB`, `3.4MB`, `0B` -> bytes (docker's units: binary for memory, decimal for I/O). */
function size(text: string): number {
    const m = /^([\d.]+)\s*([KMGT]?i?B|[kMGT]B)$/.exec(text.trim());
    if (!m) throw new Error(`not a size: ${text}`);
    const unit = m[2];
    const base = unit.includes("i") ? 1024 : 1000;
    const power = "BKMGT".indexOf(unit[0].toUpperCase());
    return Number(m[1]) * base ** Math.max(0, power);
}

async function receiver() {
    const got: { body: string; headers: http.IncomingHttpHeaders }[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d: Buffer) => (body += String(d)));
        req.on("end", () => {
            got.push({ body, headers: req.headers });
            res.writeHead(204).end();
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
        got,
        close: () => new Promise((r) => server.close(r)),
    };
}
