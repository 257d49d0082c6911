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
import { readStackFile } from "../../project/stackFiles";
import { REAL_TENANT_IMAGES } from "../images/frontbase";
import { docker } from "./support/docker";
import { http, tempDir } from "./support/fleet";
import { driftCheck } from "./support/harnessPulumi";
import { probeDocker } from "./support/probe";
import { Images, RELEASE_SERVICES as SERVICES, ReleaseFleet, releaseFleet } from "./support/releaseFleet";
import { testTenant } from "./support/tenants";

const probe = probeDocker(Object.values(REAL_TENANT_IMAGES), "the rollout suite");
const hasRestic = spawnSync("sh", ["-c", "command -v restic"]).status === 0;
if (!hasRestic && process.env.CI === "true") throw new Error("the rollout suite cannot run: restic is missing (apt-get install -y restic)");
const skip = probe.reason ?? (hasRestic ? undefined : "needs restic for the backups before an upgrade (apt-get install -y restic)");
const WAVES = ["--all", "--waves", "1,100%", "--parallel", "2", "--yes", "--json"];

describe.skipIf(skip)("rolling a release out over four real tenants", () => {
    // Sorted by name, as --all orders them: the first is the canary.
    const stacks = ["ra", "rb", "rc", "rd"].map((p) => testTenant(p)).sort();
    const suffix = stacks[0].slice(-6);
    const [r1, r2, r3] = [1, 2, 3].map((n) => `it-r${n}-${suffix}`);
    const saved = { ...process.env };
    let fleet: ReleaseFleet;
    let repoDir: string;
    const started = Date.now();

    const rollout = async (argv: readonly string[]) => {
        const t0 = Date.now();
        const r = await fleet.rollout(argv);
        console.log(`rollout ${argv.join(" ")}: exit ${r.code} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n${r.err}`);
        return r;
    };
    /** A tenant's backend, edge and frontend: container ID, image ID, state and health. */
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
    const onRelease = async (t: string, r: Images) => {
        const ids = await imageIds(r);
        expect(Object.values(await running(t)).map((c) => [c.image, c.state, c.health])).toEqual(
            SERVICES.map((s) => [ids[s], "running", "healthy"]),
        );
    };
    const frontendPort = async (t: string) =>
        (
            JSON.parse((await readStackFile(path.join(fleet.project.dir, `Pulumi.${t}.yaml`))).config["frontbase:ports"]) as {
                frontend: number;
            }
        ).frontend;
    const drift = (stack: string) => driftCheck({ projectDir: fleet.project.dir, stateDir: fleet.stateDir, stack });

    beforeAll(async () => {
        process.env.PULUMI_CONFIG_PASSPHRASE = "rollout suite passphrase, test only";
        repoDir = await tempDir("restic");
        fleet = await releaseFleet(stacks);
        await fleet.tagRealImages(r1);
        await fleet.declare(r1);
    });
    afterAll(async () => {
        await fleet?.cleanup();
        if (repoDir) await fs.rm(repoDir, { recursive: true, force: true });
        for (const k of ["PULUMI_CONFIG_PASSPHRASE", "RESTIC_REPOSITORY", "RESTIC_PASSWORD"])
            saved[k] === undefined ? delete process.env[k] : (process.env[k] = saved[k]);
        console.log(`the rollout suite took ${((Date.now() - started) / 1000).toFixed(1)} s`);
    });

    it("deploys four new tenants to the fleet's release at once, each through every gate", async () => {
        const r = await rollout(["--all", "--waves", "100%", "--parallel", "4", "--yes", "--json"]);
        expect([r.code, r.json.waves, r.json.onTarget]).toEqual([0, [stacks], stacks]);
        for (const t of stacks) await onRelease(t, fleet.releases[r1]);
        expect(r.err).toContain(`${stacks[0]}: smoke ok: admin page, login as admin@example.com, session, API read`);
    });

    it("rolls a new release out in waves 1 then 3, --parallel 2: the canary first, a backup of each first, all on it after, previews clean", async () => {
        await fleet.variantOf(r2, fleet.releases[r1]);
        await fleet.declare(r2);
        process.env.RESTIC_REPOSITORY = path.join(repoDir, "repo");
        process.env.RESTIC_PASSWORD = "restic password, test only";
        expect(spawnSync("restic", ["init"], { env: process.env, encoding: "utf8" }).status).toBe(0);
        const before = Object.fromEntries(await Promise.all(stacks.map(async (t) => [t, await running(t)] as const)));

        const r = await rollout(WAVES);
        expect([r.code, r.json.waves, r.json.notOnTarget]).toEqual([0, [[stacks[0]], stacks.slice(1)], []]);
        expect(r.calls.map((c) => c[2])[0]).toBe(stacks[0]);
        // The canary was done before wave 2 began.
        expect(r.err.indexOf(`${stacks[0]}: done`)).toBeLessThan(r.err.indexOf("wave 2 of 2"));
        for (const t of stacks) {
            await onRelease(t, fleet.releases[r2]);
            expect((await running(t)).backend.id).not.toBe(before[t].backend.id);
        }
        const progress = JSON.parse(readFileSync(path.join(fleet.lockDir, "rollout-frontbase.json"), "utf8"));
        const snapshots = JSON.parse(spawnSync("restic", ["snapshots", "--json"], { env: process.env, encoding: "utf8" }).stdout) as {
            tags: string[];
        }[];
        for (const t of stacks) {
            expect(Object.values(progress.records[t].backups)).toHaveLength(1);
            expect(snapshots.some((s) => s.tags.includes(`frontbase-tenant=${t}`))).toBe(true);
        }
        const checks = await Promise.all(stacks.map(drift));
        expect(checks.map((d) => [d.code, d.code === 0 ? "" : d.out])).toEqual(stacks.map(() => [0, ""]));
        delete process.env.RESTIC_REPOSITORY;
    });

    it("stops after the canary when the release's backend cannot start: the other three untouched and serving", async () => {
        const good = fleet.releases[r2];
        const broken = `frontbase-real/backend:${r3}`;
        const dir = await tempDir("broken");
        await fs.writeFile(path.join(dir, "Dockerfile"), `FROM ${good.backend}\nENTRYPOINT ["/no-such-entrypoint"]\n`);
        const stream = await docker.buildImage({ context: dir, src: ["Dockerfile"] }, { t: broken });
        await new Promise((res, rej) => docker.modem.followProgress(stream, (e: Error | null) => (e ? rej(e) : res(undefined))));
        fleet.own(broken);
        await fs.rm(dir, { recursive: true, force: true });
        fleet.releases[r3] = { ...good, backend: broken };
        await fleet.declare(r3);
        const before = Object.fromEntries(await Promise.all(stacks.slice(1).map(async (t) => [t, await running(t)] as const)));

        const r = await rollout(WAVES);
        expect(r.code).toBe(1);
        expect(r.json.stacks.map((s) => [s.stack, s.state])).toEqual([
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
        await fleet.declare(r2);
        const before = Object.fromEntries(await Promise.all(stacks.slice(1).map(async (t) => [t, await running(t)] as const)));
        const r = await rollout(WAVES);
        expect([r.code, r.json.notOnTarget, r.calls.map((c) => c[2])]).toEqual([0, [], [stacks[0]]]);
        expect(r.err).toContain("resuming the rollout started");
        expect(r.json.stacks.map((s) => s.why ?? s.state)).toEqual([
            "done",
            ...stacks.slice(1).map(() => `already on release ${r2}, healthy`),
        ]);
        await onRelease(stacks[0], fleet.releases[r2]);
        for (const t of stacks.slice(1)) expect(await running(t)).toEqual(before[t]);
        const d = await drift(stacks[0]);
        expect([d.code, d.code === 0 ? "" : d.out]).toEqual([0, ""]);
    });
});
