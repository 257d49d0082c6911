// Issue 13, item 1: a local user must not make root overwrite a file through the lock
// directory. Issue 15: the lock directory leaves /tmp for /var/lib/frontbase, shared by root and
// the docker group. Real directories, real symlinks, a real second user where it matters.
import { execFileSync } from "child_process";
import {
    chmodSync,
    chownSync,
    existsSync,
    lstatSync,
    mkdirSync,
    readdirSync,
    readFileSync,
    statSync,
    symlinkSync,
    writeFileSync,
} from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { readLedger, recordAllocation } from "../../../ports/ledger";
import { acquireLock, DEFAULT_LOCK_DIR, ensureLockDir, hostFiles, lockDir } from "../../../ports/lock";
import { resolvePorts, ResolveOptions } from "../../../ports/resolve";
import {
    createExclusive,
    defaultTrust,
    dirProblem,
    dockerGid,
    ensurePrivateDir,
    expectedDir,
    fileProblem,
    groupId,
} from "../../../project/safeFs";
import { asOtherUser, NEEDS_ROOT, NOT_ROOT, OTHER_UID, stickyDir } from "../../support/otherUser";
import { cannotRun } from "../../support/skip";
import { freeBlock, sameRange } from "../../support/sockets";
import { tempDir } from "../../support/temp";
import { LOCK_MODULES, transpiled } from "../../support/transpiled";
import { nothingWritten } from "../../support/unchanged";

const HOST = "unix:///nonexistent/docker.sock";

/** A file of root's that the attack aims at, and a way to see it was not touched (written, moved, re-moded). */
function victim(): { file: string; unchanged: () => void } {
    const file = path.join(tempDir("victim"), "victim");
    writeFileSync(file, "root's secret\n", { mode: 0o600 });
    return { file, unchanged: nothingWritten({ outside: [file] }) };
}

async function options(lockDir: string): Promise<ResolveOptions> {
    const base = await freeBlock(4);
    return {
        tenant: "t1",
        dockerHost: HOST,
        docker: null,
        ranges: sameRange(base, base + 10),
        maxRetries: 1,
        bindAddress: "127.0.0.1",
        by: "test",
        lockDir,
        lockTimeoutMs: 500,
    };
}

/** As the other user: create `dir` world-writable, and symlinks `<ledger>.<pid>.tmp` -> victim for pids around ours. */
const PLANT = `
const fs = require("fs");
const [dir, ledger, victim, pid] = process.argv.slice(1);
fs.mkdirSync(dir, { mode: 0o1777 }); fs.chmodSync(dir, 0o1777);
for (let p = Number(pid) - 50; p < Number(pid) + 50; p++) fs.symlinkSync(victim, ledger + "." + p + ".tmp");
`;

/** The directory a non-root user cannot create: as /var/lib is to /var/lib/frontbase. */
function rootOnlyParent(): string {
    const dir = tempDir("varlib");
    chmodSync(dir, 0o755);
    return dir;
}

const TRUST = defaultTrust();
const DOCKER = dockerGid();
const NEEDS_DOCKER_GROUP = "needs a docker group in /etc/group";
/** CI installs Docker (and so its group) after the unit tests: a fresh machine may not have it yet. */
const NO_DOCKER_GROUP = cannotRun(
    "the rows that share the lock directory with group docker",
    DOCKER === undefined ? NEEDS_DOCKER_GROUP : undefined,
    ".ci/run installs docker.io, which creates the group, after the unit tests",
);

/** As the other user (optionally with a given group), run `code` with ensureLockDir/acquireLock/readLedger/recordAllocation in scope; prints what it returns, or the error. */
function asOther(code: string, gid?: number, ...args: string[]): string {
    const js = transpiled(LOCK_MODULES);
    const script = `
const { ensureLockDir, acquireLock, hostFiles } = require(${JSON.stringify(path.join(js, "ports/lock.js"))});
const { readLedger, recordAllocation } = require(${JSON.stringify(path.join(js, "ports/ledger.js"))});
const args = process.argv.slice(1);
(async () => { ${code} })().then((r) => process.stdout.write(JSON.stringify(r ?? null)), (e) => process.stdout.write("error: " + e.message));`;
    return execFileSync(process.execPath, ["-e", script, ...args], { uid: OTHER_UID, gid: gid ?? OTHER_UID, encoding: "utf8" });
}

describe("lock directory", () => {
    it("is /var/lib/frontbase unless FRONTBASE_LOCK_DIR says otherwise (an empty one does not)", () => {
        expect(lockDir({})).toBe("/var/lib/frontbase");
        expect(DEFAULT_LOCK_DIR).toBe("/var/lib/frontbase");
        expect(lockDir({ FRONTBASE_LOCK_DIR: "" })).toBe("/var/lib/frontbase");
        expect(lockDir({ FRONTBASE_LOCK_DIR: "/srv/locks" })).toBe("/srv/locks");
        expect(lockDir({ FRONTBASE_LOCK_DIR: "rel/locks" })).toBe(path.resolve("rel/locks"));
        expect(hostFiles("unix:///var/run/docker.sock", lockDir({})).lock).toMatch(/^\/var\/lib\/frontbase\/ports-/);
    });

    it.skipIf(NOT_ROOT)(`refuses one another user created, and writes nothing through its planted links (${NEEDS_ROOT})`, async () => {
        const v = victim();
        chmodSync(path.dirname(v.file), 0o755);
        const dir = path.join(stickyDir("shared-tmp"), "frontbase-tenants");
        asOtherUser(PLANT, dir, hostFiles(HOST, dir).ledger, v.file, String(process.pid));
        await expect(resolvePorts(await options(dir))).rejects.toThrow(
            `unsafe lock directory: ${dir} is owned by uid ${OTHER_UID}, not by you (uid 0); expected ${expectedDir(TRUST)}. Remove it, or set FRONTBASE_LOCK_DIR to a directory of yours`,
        );
        v.unchanged();
        expect(existsSync(hostFiles(HOST, dir).ledger)).toBe(false);
    });

    it("refuses one of ours that every user can write (as /tmp/frontbase-tenants once was), naming the fix", async () => {
        const dir = path.join(tempDir("old"), "frontbase-tenants");
        mkdirSync(dir);
        chmodSync(dir, 0o1777);
        await expect(acquireLock(hostFiles(HOST, dir).lock)).rejects.toThrow(
            `unsafe lock directory: ${dir} has mode 01777, writable by every user; expected ${expectedDir(TRUST)}: chmod o-w ${dir}`,
        );
        expect(existsSync(hostFiles(HOST, dir).lock)).toBe(false);
    });

    it.skipIf(NOT_ROOT)(`refuses one that a group other than root's or docker's can write (${NEEDS_ROOT})`, async () => {
        const dir = path.join(tempDir("grp"), "frontbase");
        mkdirSync(dir);
        chownSync(dir, 0, OTHER_UID);
        chmodSync(dir, 0o2770);
        await expect(ensureLockDir(dir)).rejects.toThrow(
            `unsafe lock directory: ${dir} has mode 02770, writable by group ${OTHER_UID} (not a trusted group); expected ${expectedDir(TRUST)}: chmod g-w ${dir}`,
        );
    });

    it("refuses a symlink in its place, even to a directory of ours", async () => {
        const dir = path.join(tempDir("link"), "frontbase-tenants");
        symlinkSync(tempDir("elsewhere"), dir);
        await expect(ensurePrivateDir(dir)).rejects.toThrow(`${dir} is a symbolic link`);
        await expect(ensureLockDir(dir)).rejects.toThrow(
            `unsafe lock directory: ${dir} is a symbolic link; expected ${expectedDir(TRUST)}. Remove the link, or set FRONTBASE_LOCK_DIR to a directory of yours`,
        );
        await expect(ensureLockDir(dir, { shared: true })).rejects.toThrow(`${dir} is a symbolic link`);
    });

    it("creates a missing FRONTBASE_LOCK_DIR private: mode 0700, ours", async () => {
        const dir = path.join(tempDir("new"), "a", "frontbase-tenants");
        await (
            await acquireLock(hostFiles(HOST, dir).lock)
        )();
        const st = lstatSync(dir);
        expect([st.isDirectory(), st.mode & 0o7777, st.uid]).toEqual([true, 0o700, process.getuid!()]);
    });

    it.skipIf(NOT_ROOT)(
        `creates the default one as root: mode 2770, group docker; without a docker group, 0700 (${NEEDS_ROOT})`,
        async () => {
            const withGroup = path.join(rootOnlyParent(), "frontbase");
            await ensureLockDir(withGroup, {
                shared: true,
                trust: {
                    uid: 0,
                    groups: new Map([
                        [0, "root"],
                        [OTHER_UID, "docker"],
                    ]),
                },
            });
            const st = lstatSync(withGroup);
            expect([st.isDirectory(), st.mode & 0o7777, st.uid, st.gid]).toEqual([true, 0o2770, 0, OTHER_UID]);

            const without = path.join(rootOnlyParent(), "frontbase");
            await ensureLockDir(without, { shared: true, trust: { uid: 0, groups: new Map([[0, "root"]]) } });
            expect(lstatSync(without).mode & 0o7777).toBe(0o700);
        },
    );

    it.skipIf(NOT_ROOT)(`tells a user who is not root how to create the default one, or to set FRONTBASE_LOCK_DIR (${NEEDS_ROOT})`, () => {
        const dir = path.join(rootOnlyParent(), "frontbase");
        const got = asOther("await ensureLockDir(args[0], { shared: true });", undefined, dir);
        const create =
            DOCKER !== undefined
                ? `sudo install -d -o root -g docker -m 2770 ${dir} (and be a member of group docker)`
                : `sudo install -d -o ${OTHER_UID} -m 0700 ${dir}`;
        expect(got).toContain(
            `error: cannot create the lock directory ${dir} (EACCES: you are uid ${OTHER_UID}, not root). Create it once as root: ${create}; or set FRONTBASE_LOCK_DIR to a directory of yours (created with mode 0700)`,
        );
        expect(existsSync(dir)).toBe(false);
    });

    it.skipIf(NOT_ROOT)(`tells a user who may not write it (root's, mode 0700) what to do (${NEEDS_ROOT})`, () => {
        const dir = path.join(rootOnlyParent(), "frontbase");
        mkdirSync(dir, { mode: 0o700 });
        const got = asOther("await ensureLockDir(args[0], { shared: true });", undefined, dir);
        const fix =
            DOCKER !== undefined
                ? `To share it with group docker, as root: chgrp docker ${dir} && chmod 2770 ${dir}, and join group docker`
                : `As root: chown ${OTHER_UID} ${dir} && chmod 700 ${dir}`;
        expect(got).toContain(
            `error: the lock directory ${dir} (owner uid 0, group root, mode 0700) is not writable by you (uid ${OTHER_UID}). ${fix}`,
        );
        expect(got).toMatch(/; or set FRONTBASE_LOCK_DIR to a directory of yours$/);
    });

    it.skipIf(NOT_ROOT || NO_DOCKER_GROUP)(
        `is shared by root and the members of group docker: each sees the other's allocations (${NEEDS_ROOT}; ${NEEDS_DOCKER_GROUP})`,
        async () => {
            const dir = path.join(rootOnlyParent(), "frontbase");
            await ensureLockDir(dir, { shared: true });
            expect([lstatSync(dir).mode & 0o7777, lstatSync(dir).gid]).toEqual([0o2770, DOCKER]);
            const { lock, ledger } = hostFiles(HOST, dir);
            // A docker member (uid 65534, group docker) allocates first...
            const member = asOther(
                `const release = await acquireLock(args[0]); await recordAllocation(args[1], { tenant: "member", ports: { backend: 9001 }, at: Date.now(), by: "test" }); await release(); return (await readLedger(args[1])).map((e) => e.tenant);`,
                DOCKER,
                lock,
                ledger,
            );
            expect(member).toBe(JSON.stringify(["member"]));
            expect([statSync(ledger).uid, statSync(ledger).gid]).toEqual([OTHER_UID, DOCKER]);
            // ...root sees it, and replaces the ledger; the member sees root's entry too.
            const release = await acquireLock(lock);
            await recordAllocation(ledger, { tenant: "root", ports: { backend: 9002 }, at: Date.now(), by: "test" });
            await release();
            expect(asOther("return (await readLedger(args[0])).map((e) => e.tenant);", DOCKER, ledger)).toBe(
                JSON.stringify(["member", "root"]),
            );
            // A file of the member's outside the shared directory is not trusted.
            const privateLedger = hostFiles(HOST, tempDir("private")).ledger;
            writeFileSync(privateLedger, readFileSync(ledger));
            chownSync(privateLedger, OTHER_UID, DOCKER!);
            await expect(readLedger(privateLedger)).rejects.toThrow(
                `${privateLedger} is owned by uid ${OTHER_UID}, not by you (uid 0); it may be forged. Remove it`,
            );
        },
    );

    it.skipIf(NOT_ROOT || NO_DOCKER_GROUP)(
        `a user outside group docker can neither create nor use the shared one (${NEEDS_ROOT}; ${NEEDS_DOCKER_GROUP})`,
        async () => {
            const dir = path.join(rootOnlyParent(), "frontbase");
            await ensureLockDir(dir, { shared: true });
            const got = asOther("await acquireLock(args[0]);", undefined, hostFiles(HOST, dir).lock);
            expect(got).toBe(
                `error: the lock directory ${dir} (owner uid 0, group docker, mode 02770) is not writable by you (uid 65534). To share it, join group docker (as root: usermod -aG docker <you>, then log in again); or set FRONTBASE_LOCK_DIR to a directory of yours`,
            );
            expect(readdirSync(dir)).toEqual([]);
        },
    );

    it.each([
        ["group-writable by an untrusted group", 0o40770, 0, 1000, "has mode 0770, writable by group 1000 (not a trusted group)"],
        ["writable by every user", 0o41777, 0, 0, "has mode 01777, writable by every user"],
        ["foreign", 0o40700, 1000, 0, "is owned by uid 1000, not by you (uid 0)"],
        ["private and ours", 0o40700, 0, 0, undefined],
        ["root's, shared with group docker", 0o42770, 0, 105, undefined],
        ["root's group may write", 0o40770, 0, 0, undefined],
    ])("judges a directory %s (pure)", (_, mode, uid, gid, problem) => {
        const st = { uid, gid, mode, isDirectory: () => true, isFile: () => false, isSymbolicLink: () => false };
        const got = dirProblem("/d", st, {
            uid: 0,
            groups: new Map([
                [0, "root"],
                [105, "docker"],
            ]),
        });
        if (problem === undefined) expect(got).toBeUndefined();
        else expect(got).toContain(problem);
    });

    it.each([
        ["a user's, in a directory shared with docker", 1000, 105, 0o100644, 105, undefined],
        [
            "a user's, in a private directory",
            1000,
            105,
            0o100644,
            undefined,
            "is owned by uid 1000, not by you (uid 2000) or root; it may be forged",
        ],
        [
            "a user's of another group, in a shared directory",
            1000,
            1000,
            0o100644,
            105,
            "is owned by uid 1000, not by you (uid 2000) or root or a member of group docker",
        ],
        ["root's", 0, 0, 0o100644, undefined, undefined],
        ["ours, writable by every user", 2000, 105, 0o100666, 105, "has mode 0666, writable by every user; it may be forged"],
        ["ours, group-writable by docker", 2000, 105, 0o100664, 105, undefined],
    ])("judges a lock or ledger file: %s (pure)", (_, uid, gid, mode, sharedGid, problem) => {
        const st = { uid, gid, mode, isDirectory: () => false, isFile: () => true, isSymbolicLink: () => false };
        const got = fileProblem(
            st,
            {
                uid: 2000,
                groups: new Map([
                    [0, "root"],
                    [105, "docker"],
                ]),
            },
            sharedGid,
        );
        if (problem === undefined) expect(got).toBeUndefined();
        else expect(got).toContain(problem);
    });

    it("finds the docker group in /etc/group text (pure)", () => {
        expect(groupId("root:x:0:\ndocker:x:105:alice,bob\n", "docker")).toBe(105);
        expect(groupId("root:x:0:\ndockers:x:7:\n", "docker")).toBeUndefined();
    });
});

describe("ledger writes", () => {
    it("never write through a link planted at the old temporary name; the ledger is a regular file afterwards", async () => {
        const v = victim();
        const dir = tempDir("lock");
        const { ledger } = hostFiles(HOST, dir);
        for (let p = process.pid - 50; p < process.pid + 50; p++) symlinkSync(v.file, `${ledger}.${p}.tmp`);
        await recordAllocation(ledger, { tenant: "t1", ports: { backend: 8001 }, at: Date.now(), by: "test" });
        v.unchanged();
        expect(lstatSync(ledger).isFile()).toBe(true);
        expect((await readLedger(ledger)).map((e) => e.tenant)).toEqual(["t1"]);
    });

    it("create their temporary file exclusively: a link already there is an error, its target untouched", async () => {
        const v = victim();
        const link = path.join(tempDir("excl"), "x.tmp");
        symlinkSync(v.file, link);
        await expect(createExclusive(link, "overwritten", 0o644)).rejects.toMatchObject({ code: "EEXIST" });
        v.unchanged();
    });

    it("refuse a ledger that is a symlink (it would be read from, and renamed over, someone else's file)", async () => {
        const v = victim();
        const { ledger } = hostFiles(HOST, tempDir("lock"));
        symlinkSync(v.file, ledger);
        await expect(readLedger(ledger)).rejects.toThrow(
            `refusing the port ledger: ${ledger} is a symbolic link; it must be a regular file`,
        );
        await expect(recordAllocation(ledger, { tenant: "t1", ports: {}, at: Date.now(), by: "test" })).rejects.toThrow(
            "is a symbolic link",
        );
        v.unchanged();
    });

    it.skipIf(NOT_ROOT)(`refuse a ledger another user owns (${NEEDS_ROOT})`, async () => {
        const { ledger } = hostFiles(HOST, tempDir("lock"));
        writeFileSync(ledger, JSON.stringify({ version: 1, entries: [] }));
        chownSync(ledger, OTHER_UID, OTHER_UID);
        await expect(readLedger(ledger)).rejects.toThrow(
            `${ledger} is owned by uid ${OTHER_UID}, not by you (uid 0); it may be forged. Remove it`,
        );
    });
});
