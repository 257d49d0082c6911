// A release rolled out over four REAL Frontbase tenants (sqlite, the real backend, edge and
// frontend images) by `tenant rollout`, whose `pulumi up` is the engine double in a process of its
// own (support/harnessPulumi.ts) against the real Docker Engine: new tenants in one go, then a new
// release in waves 1 then 3 with --parallel 2 (the canary first, a backup of each before its
// upgrade, a refreshed preview clean for each after), then a release whose backend cannot start:
// stopped after the canary, the other three untouched and serving; resumed once the release is set
// back to the good one (docs/releases.md, "Rolling back a release"): the canary redeployed, the rest skipped.
import { spawnSync } from "child_process";
import { promises as fs, readFileSync } from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../cli/main";
import { readStackFile, updateStackFile } from "../../project/stackFiles";
import { REAL_IMAGES, REAL_TENANT_IMAGES } from "../images/frontbase";
import { docker, removeTenant } from "./support/docker";
import { http, imageVariant, tempDir, tenantCli } from "./support/fleet";
import { driftCheck, harnessPulumi } from "./support/harnessPulumi";
import { probeDocker } from "./support/probe";
import { copyProject, ProjectCopy, PROJECT_DIR } from "./support/projectCopy";
import { testTenant } from "./support/tenants";

const probe = probeDocker(Object.values(REAL_TENANT_IMAGES), "the rollout suite");
const hasRestic = spawnSync("sh", ["-c", "command -v restic"]).status === 0;
if (!hasRestic && process.env.CI === "true") throw new Error("the rollout suite cannot run: restic is missing (apt-get install -y restic)");
const skip = probe.reason ?? (hasRestic ? undefined : "needs restic for the backups before an upgrade (apt-get install -y restic)");

type Images = { backend: string; edge: string; frontend: string };
const SERVICES = ["backend", "edge", "frontend"] as const;

describe.skipIf(skip)("rolling a release out over four real tenants", () => {
    // Sorted by name, as --all orders them: the first is the canary.
    const stacks = ["ra", "rb", "rc", "rd"].map((p) => testTenant(p)).sort();
    const suffix = stacks[0].slice(-6);
    const releases: Record<string, Images> = {};
    const made: string[] = [];
    const saved = { ...process.env };
    let project: ProjectCopy;
    let stateDir: string;
    let lockDir: string;
    let repoDir: string;
    const started = Date.now();

    /** Pulumi.yaml with these releases, the fleet on `release`. */
    const declare = async (release: string) => {
        const head = readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8").split(/^config:/m)[0];
        const catalog = Object.entries(releases).map(([n, i]) => `      ${n}: ${JSON.stringify(i)}`);
        await fs.writeFile(
            path.join(project.dir, "Pulumi.yaml"),
            `${head}config:\n  frontbase:releases:\n    value:\n${catalog.join("\n")}\n  frontbase:release: ${release}\n`,
        );
    };
    const runner = () => harnessPulumi({ projectDir: project.dir, stateDir });
    const rollout = async (argv: string[]) => {
        const pulumi = runner();
        let out = "";
        let err = "";
        process.env.FRONTBASE_PROJECT_DIR = project.dir;
        process.env.FRONTBASE_LOCK_DIR = lockDir;
        const t0 = Date.now();
        const code = await main(
            ["rollout", ...argv],
            { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) },
            { pulumi },
        );
        console.log(`rollout ${argv.join(" ")}: exit ${code} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n${err}`);
        return { code, json: JSON.parse(out), err, calls: pulumi.calls };
    };
    /** Each tenant's backend, edge and frontend: container ID and image ID. */
    const running = async (t: string) =>
        Object.fromEntries(
            await Promise.all(
                SERVICES.map(async (s) => {
                    const i = await docker.getContainer(`${t}_frontbase-${s}-1`).inspect();
                    return [s, { id: i.Id, image: i.Image, state: i.State.Status, health: i.State.Health?.Status }] as const;
                }),
            ),
        );
    const imageIds = async (r: Images) =>
        Object.fromEntries(await Promise.all(SERVICES.map(async (s) => [s, (await docker.getImage(r[s]).inspect()).Id] as const)));
    const frontendPort = async (t: string) =>
        (JSON.parse((await readStackFile(path.join(project.dir, `Pulumi.${t}.yaml`))).config["frontbase:ports"]) as { frontend: number })
            .frontend;

    beforeAll(async () => {
        process.env.PULUMI_CONFIG_PASSPHRASE = "rollout suite passphrase, test only";
        [project, stateDir, lockDir, repoDir] = await Promise.all([copyProject(), tempDir("state"), tempDir("locks"), tempDir("restic")]);
        // The first release: the images built here, under tags of this run's own.
        releases[`it-r1-${suffix}`] = Object.fromEntries(
            await Promise.all(
                SERVICES.map(async (s) => {
                    const [repo] = REAL_IMAGES[s].split(":");
                    await docker.getImage(REAL_IMAGES[s]).tag({ repo, tag: `it-r1-${suffix}` });
                    made.push(`${repo}:it-r1-${suffix}`);
                    return [s, `${repo}:it-r1-${suffix}`];
                }),
            ),
        ) as Images;
        await declare(`it-r1-${suffix}`);
        for (const t of stacks) {
            expect(await tenantCli(["new", t, "--json"], project.dir, lockDir)).toMatchObject({ code: 0 });
            // The upstream services' images built here; loopback; short health intervals (README: healthInterval).
            const { redis, redisHttp, postgres } = REAL_TENANT_IMAGES;
            await updateStackFile(path.join(project.dir, `Pulumi.${t}.yaml`), {
                "frontbase:images": { redis, redisHttp, postgres },
                "frontbase:bindAddress": "127.0.0.1",
                "frontbase:healthInterval": 2,
            });
        }
    });
    afterAll(async () => {
        await Promise.all(stacks.map((t) => removeTenant(t)));
        for (const image of made.reverse())
            await docker
                .getImage(image)
                .remove()
                .catch(() => undefined);
        await Promise.all([
            project?.remove(),
            ...[stateDir, lockDir, repoDir].filter(Boolean).map((d) => fs.rm(d, { recursive: true, force: true })),
        ]);
        for (const k of ["PULUMI_CONFIG_PASSPHRASE", "FRONTBASE_PROJECT_DIR", "FRONTBASE_LOCK_DIR", "RESTIC_REPOSITORY", "RESTIC_PASSWORD"])
            saved[k] === undefined ? delete process.env[k] : (process.env[k] = saved[k]);
        console.log(`the rollout suite took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

    it("deploys four new tenants to the fleet's release at once, each through every gate", async () => {
        const r = await rollout(["--all", "--waves", "100%", "--parallel", "4", "--yes", "--json"]);
        expect([r.code, r.json.waves, r.json.onTarget]).toEqual([0, [stacks], stacks]);
        const ids = await imageIds(releases[`it-r1-${suffix}`]);
        for (const t of stacks) expect(Object.values(await running(t)).map((c) => c.image)).toEqual(SERVICES.map((s) => ids[s]));
        expect(r.err).toContain(`${stacks[0]}: smoke ok: admin page, login as admin@example.com, session, API read`);
    });

    it("rolls a new release out in waves 1 then 3, --parallel 2: the canary first, a backup of each first, all on it after, previews clean", async () => {
        const r1 = releases[`it-r1-${suffix}`];
        const r2 = (releases[`it-r2-${suffix}`] = {} as Images);
        for (const s of SERVICES) made.push((r2[s] = await imageVariant(r1[s], `it-r2-${suffix}`)));
        await declare(`it-r2-${suffix}`);
        process.env.RESTIC_REPOSITORY = path.join(repoDir, "repo");
        process.env.RESTIC_PASSWORD = "restic password, test only";
        expect(spawnSync("restic", ["init"], { env: process.env, encoding: "utf8" }).status).toBe(0);
        const before = Object.fromEntries(await Promise.all(stacks.map(async (t) => [t, await running(t)] as const)));

        const r = await rollout(["--all", "--waves", "1,100%", "--parallel", "2", "--yes", "--json"]);
        expect([r.code, r.json.waves, r.json.notOnTarget]).toEqual([0, [[stacks[0]], stacks.slice(1)], []]);
        expect(r.calls.map((c) => c[2])[0]).toBe(stacks[0]);
        // The canary was done before wave 2 began: its line comes first.
        expect(r.err.indexOf(`${stacks[0]}: done`)).toBeLessThan(r.err.indexOf("wave 2 of 2"));
        const ids = await imageIds(r2);
        for (const t of stacks) {
            const now = await running(t);
            expect(Object.values(now).map((c) => [c.image, c.state, c.health])).toEqual(
                SERVICES.map((s) => [ids[s], "running", "healthy"]),
            );
            expect(now.backend.id).not.toBe(before[t].backend.id);
        }
        const progress = JSON.parse(readFileSync(path.join(lockDir, "rollout-frontbase.json"), "utf8"));
        const snapshots = JSON.parse(spawnSync("restic", ["snapshots", "--json"], { env: process.env, encoding: "utf8" }).stdout) as {
            tags: string[];
        }[];
        for (const t of stacks) {
            expect(Object.values(progress.records[t].backups)).toHaveLength(1);
            expect(snapshots.some((s) => s.tags.includes(`frontbase-tenant=${t}`))).toBe(true);
        }
        const drift = await Promise.all(stacks.map((stack) => driftCheck({ projectDir: project.dir, stateDir, stack })));
        expect(drift.map((d) => [d.code, d.code === 0 ? "" : d.out])).toEqual(stacks.map(() => [0, ""]));
        delete process.env.RESTIC_REPOSITORY;
    });

    it("stops after the canary when the release's backend cannot start: the other three untouched and serving", async () => {
        const r2 = releases[`it-r2-${suffix}`];
        const broken = `frontbase-real/backend:it-r3-${suffix}`;
        const dir = await tempDir("broken");
        await fs.writeFile(path.join(dir, "Dockerfile"), `FROM ${r2.backend}\nENTRYPOINT ["/no-such-entrypoint"]\n`);
        const stream = await docker.buildImage({ context: dir, src: ["Dockerfile"] }, { t: broken });
        await new Promise((res, rej) => docker.modem.followProgress(stream, (e: Error | null) => (e ? rej(e) : res(undefined))));
        made.push(broken);
        await fs.rm(dir, { recursive: true, force: true });
        releases[`it-r3-${suffix}`] = { ...r2, backend: broken };
        await declare(`it-r3-${suffix}`);
        const before = Object.fromEntries(await Promise.all(stacks.slice(1).map(async (t) => [t, await running(t)] as const)));

        const r = await rollout(["--all", "--waves", "1,100%", "--parallel", "2", "--yes", "--json"]);
        expect(r.code).toBe(1);
        expect(r.json.stacks.map((s: { stack: string; state: string }) => [s.stack, s.state])).toEqual([
            [stacks[0], "failed"],
            ...stacks.slice(1).map((t) => [t, "not started"]),
        ]);
        expect([r.json.stacks[0].gate, r.calls.length, r.json.notOnTarget]).toEqual(["up", 1, stacks]);
        expect(r.json.resume).toBe("npm run rollout -- --all --waves 1,100% --parallel 2 --yes");
        for (const t of stacks.slice(1)) {
            expect(await running(t)).toEqual(before[t]);
            const port = await frontendPort(t);
            expect([(await http(port, "/frontbase-admin/")).status, (await http(port, "/api/variables/")).status]).toEqual([200, 200]);
        }
    });

    it("resumes once the release is fixed (set back to the last good one): the canary redeployed, the three on it skipped", async () => {
        await declare(`it-r2-${suffix}`);
        const before = Object.fromEntries(await Promise.all(stacks.slice(1).map(async (t) => [t, await running(t)] as const)));
        const r = await rollout(["--all", "--waves", "1,100%", "--parallel", "2", "--yes", "--json"]);
        expect([r.code, r.json.notOnTarget, r.calls.map((c) => c[2])]).toEqual([0, [], [stacks[0]]]);
        expect(r.err).toContain("resuming the rollout started");
        expect(r.json.stacks.map((s: { state: string; why?: string }) => s.why ?? s.state)).toEqual([
            "done",
            ...stacks.slice(1).map(() => `already on release it-r2-${suffix}, healthy`),
        ]);
        const ids = await imageIds(releases[`it-r2-${suffix}`]);
        expect(Object.values(await running(stacks[0])).map((c) => [c.image, c.state, c.health])).toEqual(
            SERVICES.map((s) => [ids[s], "running", "healthy"]),
        );
        for (const t of stacks.slice(1)) expect(await running(t)).toEqual(before[t]);
        const drift = await driftCheck({ projectDir: project.dir, stateDir, stack: stacks[0] });
        expect([drift.code, drift.code === 0 ? "" : drift.out]).toEqual([0, ""]);
    });
});
