// Issue 20, round two, where behaviour depends on restic and Docker: a tenant's volume holding
// symbolic links, a device and a FIFO, backed up and restored by the real helper in the real
// backend image (the links come back as links, the device and FIFO are named and left out,
// nothing on the host outside the volume is read or written); snapshots forged to reach outside
// their tree; a clone that cannot complete writes nothing; `backups` of a project with a proxy
// stack and a tenant never backed up (issue 21, items 2 and 6).
import { spawnSync } from "child_process";
import { constants as fsConstants, existsSync, promises as fs, readdirSync, readFileSync, readlinkSync } from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashOf } from "../../backup/capture";
import { demux } from "../../backup/engineIo";
import { MANIFEST_FILE, MANIFEST_FORMAT } from "../../backup/manifest";
import { Restic, resticTarget, tenantTag } from "../../backup/restic";
import { labels, volumeName } from "../../components/naming";
import { REAL_IMAGES, REAL_BASE_IMAGE } from "../images/frontbase";
import { tempLockDir, tempProject, tenant } from "../support/cliRun";
import { FakeEngine, startFakeEngine } from "../support/fakeEngine";
import { nothingWritten } from "../support/unchanged";
import { tempDir } from "../support/temp";
import { docker, removeTenant } from "./support/docker";
import { probeDocker } from "./support/probe";
import { testTenant } from "./support/tenants";

const hasRestic = spawnSync("sh", ["-c", "command -v restic"]).status === 0;
if (!hasRestic && process.env.CI === "true")
    throw new Error("the hostile backup rows cannot run: restic is missing (apt-get install -y restic)");
const noRestic = hasRestic ? undefined : "needs restic (apt-get install -y restic)";

/** A fresh restic repository in a temporary directory, and the environment that opens it (with a lock directory of its own). */
async function repository(): Promise<{ env: Record<string, string>; restic: Restic }> {
    const dir = tempDir("restic");
    const env = {
        RESTIC_REPOSITORY: path.join(dir, "repo"),
        RESTIC_PASSWORD: "hostile rows, test only",
        FRONTBASE_LOCK_DIR: tempLockDir(),
    };
    const restic = new Restic(resticTarget({ ...process.env, ...env }, dir));
    await restic.run(["init"]);
    return { env, restic };
}

/** A snapshot of `tree` (files and links as given), tagged as `tenant`'s backup. */
async function forge(restic: Restic, tenantName: string, build: (dir: string) => Promise<void>): Promise<string> {
    const dir = tempDir("forged");
    await build(dir);
    const s = await restic.backup(dir, [tenantTag(tenantName), "frontbase-database=sqlite"]);
    return s.snapshotId;
}

function manifestOf(tenantName: string, files: { path: string; size: number; sha256: string; kind: string }[], images = {}): string {
    return JSON.stringify({
        format: MANIFEST_FORMAT,
        tenant: tenantName,
        startedAt: new Date().toISOString(),
        database: "sqlite",
        volumes: ["backend"],
        images,
        config: {},
        files,
        sourceTimes: {},
        tool: "test",
    });
}

describe.skipIf(noRestic)("forged snapshots and clones that cannot complete (restic, a stand-in Engine)", () => {
    let engine: FakeEngine;
    beforeAll(async () => void (engine = await startFakeEngine([])));
    afterAll(() => engine.close());

    it("a snapshot whose database is a link to a FIFO outside its tree: refused, and the FIFO never opened", async () => {
        const { env, restic } = await repository();
        const outside = tempDir("outside");
        const fifo = path.join(outside, "fifo");
        spawnSync("mkfifo", [fifo]);
        await forge(restic, "t1", async (dir) => {
            await fs.mkdir(path.join(dir, "volumes/backend"), { recursive: true });
            await fs.symlink(fifo, path.join(dir, "volumes/backend/frontbase.db"));
            const files = [{ path: "volumes/backend/frontbase.db", size: 5, sha256: "0".repeat(64), kind: "sqlite" }];
            await fs.writeFile(path.join(dir, MANIFEST_FILE), manifestOf("t1", files));
        });
        const project = tempProject({ "Pulumi.t1.yaml": "config: {}\n" });
        const untouched = nothingWritten({ project });
        // Whoever opens the FIFO to read it lets a writer in (O_NONBLOCK: ENXIO while no reader has it open).
        let opened = false;
        const restore = tenant(["restore", "t1", "--force"], { ...env, FRONTBASE_PROJECT_DIR: project, DOCKER_HOST: engine.host });
        let done = false;
        void restore.finally(() => (done = true)).catch(() => undefined); // a failure is awaited below
        while (!done) {
            try {
                const fd = await fs.open(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
                opened = true;
                await fd.close(); // the reader gets its end of file: nothing waits forever
            } catch {
                // ENXIO: nobody reads it
            }
            await new Promise((r) => setTimeout(r, 20));
        }
        const r = await restore;
        expect(opened).toBe(false);
        expect([r.code, r.err]).toEqual([1, expect.stringContaining("is corrupted; nothing was changed: volumes/backend/frontbase.db")]);
        expect(r.err).toContain("the manifest records a file; the snapshot holds a symbolic link");
        untouched();
        expect(engine.changes).toEqual([]);
    });

    it("a manifest naming a path outside the snapshot's tree is refused before anything is read", async () => {
        const { env, restic } = await repository();
        await forge(restic, "t1", async (dir) => {
            const files = [{ path: "volumes/../../../etc/passwd", size: 1, sha256: "0".repeat(64), kind: "file" }];
            await fs.writeFile(path.join(dir, MANIFEST_FILE), manifestOf("t1", files));
        });
        const project = tempProject({ "Pulumi.t1.yaml": "config: {}\n" });
        const r = await tenant(["restore", "t1"], { ...env, FRONTBASE_PROJECT_DIR: project, DOCKER_HOST: engine.host });
        expect([r.code, r.err]).toEqual([1, expect.stringContaining('"volumes/../../../etc/passwd": not a path inside the snapshot')]);
    });

    it("restore --into a new tenant whose images are missing: no stack file, no ledger entry", async () => {
        const { env, restic } = await repository();
        await forge(restic, "src", async (dir) => {
            await fs.mkdir(path.join(dir, "volumes/backend"), { recursive: true });
            await fs.writeFile(path.join(dir, "volumes/backend/data.txt"), "data\n");
            const h = await hashOf(path.join(dir, "volumes/backend/data.txt"));
            const files = [{ path: "volumes/backend/data.txt", kind: "file", ...h }];
            await fs.writeFile(path.join(dir, MANIFEST_FILE), manifestOf("src", files, { backend: "frontbase-test/no-such-image:gone" }));
        });
        const project = tempProject({ "Pulumi.src.yaml": "config: {}\n" });
        const lockDir = path.join(tempDir("locks"), "locks");
        const untouched = nothingWritten({ project });
        const r = await tenant(["restore", "src", "--into", "clone"], {
            ...env,
            FRONTBASE_PROJECT_DIR: project,
            FRONTBASE_LOCK_DIR: lockDir,
            DOCKER_HOST: engine.host,
            PULUMI_CONFIG_PASSPHRASE: "passphrase, test only",
        });
        expect([r.code, r.err]).toEqual([1, expect.stringContaining("none of the backend images frontbase-test/no-such-image:gone")]);
        expect(r.err).toContain("nothing was changed");
        untouched();
        expect(existsSync(lockDir) ? readdirSync(lockDir).filter((f) => f.startsWith("ports-") || f.includes("ledger")) : []).toEqual([]);
    });

    it("backups --json lists the tenants of the stack files, not the proxy stack, and says null for one never backed up", async () => {
        const { env, restic } = await repository();
        await forge(restic, "acme", async (dir) => fs.writeFile(path.join(dir, MANIFEST_FILE), manifestOf("acme", [])));
        const project = tempProject({
            "Pulumi.acme.yaml": "config: {}\n",
            "Pulumi.never.yaml": "config: {}\n",
            "Pulumi.proxy.yaml": "config:\n  frontbase:tls: internal\n",
        });
        const e = { ...env, FRONTBASE_PROJECT_DIR: project };
        const listed = await tenant(["backups", "--json"], e);
        expect(listed.code, listed.err).toBe(0);
        const rows = JSON.parse(listed.out) as {
            tenant: string;
            lastBackup: string | null;
            snapshot: string | null;
            ageMs: number | null;
            lastDrill: unknown;
        }[];
        expect(rows.map((x) => x.tenant)).toEqual(["acme", "never"]);
        expect(rows[0].lastBackup).toMatch(/^\d{4}-\d\d-\d\dT/);
        expect(rows[1]).toEqual({ tenant: "never", lastBackup: null, snapshot: null, ageMs: null, lastDrill: null });
        const monitored = await tenant(["backups", "--max-age", "26h"], e);
        expect([monitored.code, monitored.err.trim()]).toEqual([3, "last backup older than 26h or missing: never"]);
    });
});

/** Every entry under `dir`: a link's target, a regular file's text. */
function walk(dir: string): { path: string; link?: string; text?: string }[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isSymbolicLink()) return [{ path: p, link: readlinkSync(p) }];
        if (e.isDirectory()) return walk(p);
        return [{ path: p, ...(e.isFile() ? { text: readFileSync(p, "latin1") } : {}) }];
    });
}

const probe = probeDocker([REAL_IMAGES.backend, REAL_BASE_IMAGE], "the backup helper's hostile volume rows");

describe.skipIf(noRestic ?? probe.reason)("a volume with links, a device and a FIFO, through the real backup helper", () => {
    const name = testTenant("links");
    const volume = volumeName(name, "backend");
    const outside = tempDir("host");
    const marker = path.join(outside, "host-secret");
    let env: Record<string, string>;
    let restic: Restic;

    /** A shell in a throwaway container with the tenant's volume at /v (Debian's, not the helper's). */
    async function inVolume(script: string): Promise<string> {
        const c = await docker.createContainer({
            Image: REAL_BASE_IMAGE,
            Cmd: ["sh", "-c", script],
            HostConfig: { Binds: [`${volume}:/v`] },
            Labels: labels(name),
        });
        try {
            await c.start();
            await c.wait();
            return demux(await c.logs({ stdout: true, stderr: true })).join("");
        } finally {
            await c.remove({ force: true });
        }
    }

    beforeAll(async () => {
        ({ env, restic } = await repository());
        await fs.writeFile(marker, "a file of the host's, outside every volume\n");
        await docker.createVolume({ Name: volume, Labels: labels(name, "backend") });
        // The tenant's backend, as far as a backup needs it: its image (the helper runs in it) and its env.
        const backend = await docker.createContainer({
            name: `${name}_frontbase-backend-1`,
            Image: REAL_IMAGES.backend,
            Entrypoint: ["sleep", "infinity"],
            Env: ["DATABASE=sqlite"],
            Labels: labels(name, "backend"),
            HostConfig: { Binds: [`${volume}:/app/data`] },
        });
        await backend.start();
        await inVolume(
            [
                "echo kept > /v/data.txt",
                "mkdir /v/sub && echo below > /v/sub/file.txt",
                "ln -s /etc/passwd /v/to-etc",
                "ln -s sub /v/to-sub",
                "ln -s ../../../../../etc/shadow /v/climbs-out",
                `ln -s ${marker} /v/to-host`,
                "mknod /v/zero c 1 5",
                "mkfifo /v/pipe",
            ].join(" && "),
        );
    }, 120_000);
    afterAll(() => removeTenant(name));

    const links = () => inVolume('cd /v && for f in *; do if [ -L "$f" ]; then echo "$f -> $(readlink "$f")"; fi; done | sort');
    const LINKS = ["climbs-out -> ../../../../../etc/shadow", "to-etc -> /etc/passwd", `to-host -> ${marker}`, "to-sub -> sub"];

    it("backs up the links as links and names the device and the FIFO it leaves out; restores the links as they were", async () => {
        const untouchedHost = nothingWritten({ outside: [outside] });
        expect((await links()).trim().split("\n")).toEqual(LINKS);
        const project = tempProject();
        const e = { ...env, FRONTBASE_PROJECT_DIR: project, DOCKER_HOST: "unix:///var/run/docker.sock" };
        const b = await tenant(["backup", name], e);
        expect(b.code, b.err).toBe(0);
        expect(b.err).toContain(
            `${name}: not copied (a backup holds files, directories and links): backend/pipe (a FIFO), backend/zero (a character device)`,
        );
        // In the snapshot: the links, never what they point at.
        const got = tempDir("got");
        await restic.restore("latest", got);
        const entries = walk(got);
        const linked = entries.filter((e) => e.link !== undefined).map((e) => `${path.basename(e.path)} -> ${e.link}`);
        expect(linked.sort()).toEqual(LINKS);
        expect(entries.filter((e) => /\/(zero|pipe)$/.test(e.path))).toEqual([]);
        expect(entries.filter((e) => e.text?.includes("a file of the host's"))).toEqual([]);
        // The volume loses everything; the restore brings the files and the links back.
        await inVolume("rm -rf /v/* && echo later > /v/data.txt");
        const r = await tenant(["restore", name, "--force"], e);
        expect(r.code, r.err).toBe(0);
        expect((await links()).trim().split("\n")).toEqual(LINKS);
        expect((await inVolume("cat /v/data.txt /v/sub/file.txt; ls /v")).split("\n")).toEqual(
            expect.arrayContaining(["kept", "below", "data.txt", "sub"]),
        );
        // Nothing outside the volume was written.
        untouchedHost(); // the marker file too: its content, inode and mtime
    }, 300_000);
});
