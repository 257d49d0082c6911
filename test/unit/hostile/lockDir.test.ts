// Issue 13, item 1: a local user must not make root overwrite a file through the lock
// directory. Real directories, real symlinks, planted by a real second user where it matters.
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { readLedger, recordAllocation } from "../../../ports/ledger";
import { acquireLock, hostFiles } from "../../../ports/lock";
import { resolvePorts, ResolveOptions } from "../../../ports/resolve";
import { createExclusive, dirProblem, ensurePrivateDir } from "../../../project/safeFs";
import { freeBlock, sameRange } from "../../support/sockets";
import { removeTempDirs, tempDir } from "../../support/temp";
import { asOtherUser, IS_ROOT, NEEDS_ROOT, OTHER_UID, stickyDir } from "../../support/otherUser";

afterAll(removeTempDirs);

const HOST = "unix:///nonexistent/docker.sock";

/** A file of root's that the attack aims at, and a way to see it was not touched. */
function victim(): { file: string; unchanged: () => void } {
    const file = path.join(tempDir("victim"), "victim");
    writeFileSync(file, "root's secret\n", { mode: 0o600 });
    return { file, unchanged: () => expect([readFileSync(file, "utf8"), statSync(file).mode & 0o777]).toEqual(["root's secret\n", 0o600]) };
}

async function options(lockDir: string): Promise<ResolveOptions> {
    const base = await freeBlock(4);
    return { tenant: "t1", dockerHost: HOST, docker: null, ranges: sameRange(base, base + 10), maxRetries: 1, bindAddress: "127.0.0.1", by: "test", lockDir, lockTimeoutMs: 500 };
}

/** As the other user: create `dir` world-writable, and symlinks `<ledger>.<pid>.tmp` -> victim for pids around ours. */
const PLANT = `
const fs = require("fs");
const [dir, ledger, victim, pid] = process.argv.slice(1);
fs.mkdirSync(dir, { mode: 0o1777 }); fs.chmodSync(dir, 0o1777);
for (let p = Number(pid) - 50; p < Number(pid) + 50; p++) fs.symlinkSync(victim, ledger + "." + p + ".tmp");
`;

describe("lock directory", () => {
    it.skipIf(!IS_ROOT)(`refuses one another user created, and writes nothing through its planted links (${NEEDS_ROOT})`, async () => {
        const v = victim();
        chmodSync(path.dirname(v.file), 0o755);
        const dir = path.join(stickyDir("shared-tmp"), "frontbase-tenants");
        asOtherUser(PLANT, dir, hostFiles(HOST, dir).ledger, v.file, String(process.pid));
        await expect(resolvePorts(await options(dir))).rejects.toThrow(
            `unsafe lock directory: ${dir} is owned by uid ${OTHER_UID}, not by you (uid 0); expected a directory owned by you with mode 0700 (no group or world write). Remove it, or set FRONTBASE_LOCK_DIR to a directory of yours`,
        );
        v.unchanged();
        expect(existsSync(hostFiles(HOST, dir).ledger)).toBe(false);
    });

    it("refuses one of ours that others can write (as earlier versions made it), naming the fix", async () => {
        const dir = path.join(tempDir("old"), "frontbase-tenants");
        mkdirSync(dir);
        chmodSync(dir, 0o1777);
        await expect(acquireLock(hostFiles(HOST, dir).lock)).rejects.toThrow(`${dir} has mode 01777, writable by other users; expected a directory owned by you with mode 0700 (no group or world write): chmod 700 ${dir}`);
        expect(existsSync(hostFiles(HOST, dir).lock)).toBe(false);
    });

    it("refuses a symlink in its place, even to a directory of ours", async () => {
        const dir = path.join(tempDir("link"), "frontbase-tenants");
        symlinkSync(tempDir("elsewhere"), dir);
        await expect(ensurePrivateDir(dir)).rejects.toThrow(`${dir} is a symbolic link`);
    });

    it("creates a missing one private: mode 0700, ours", async () => {
        const dir = path.join(tempDir("new"), "a", "frontbase-tenants");
        await (await acquireLock(hostFiles(HOST, dir).lock))();
        const st = lstatSync(dir);
        expect([st.isDirectory(), st.mode & 0o7777, st.uid]).toEqual([true, 0o700, process.getuid!()]);
    });

    it.each([
        ["group-writable", 0o40770, 0, "has mode 0770, writable by other users"],
        ["foreign", 0o40700, 1000, "is owned by uid 1000, not by you (uid 0)"],
        ["private and ours", 0o40700, 0, undefined],
    ])("judges a %s directory (pure)", (_, mode, uid, problem) => {
        const st = { uid, mode, isDirectory: () => true, isFile: () => false, isSymbolicLink: () => false };
        const got = dirProblem("/d", st, 0);
        if (problem === undefined) expect(got).toBeUndefined();
        else expect(got).toContain(problem);
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
        await expect(readLedger(ledger)).rejects.toThrow(`refusing the port ledger: ${ledger} is a symbolic link; it must be a regular file`);
        await expect(recordAllocation(ledger, { tenant: "t1", ports: {}, at: Date.now(), by: "test" })).rejects.toThrow("is a symbolic link");
        v.unchanged();
    });

    it.skipIf(!IS_ROOT)(`refuse a ledger another user owns (${NEEDS_ROOT})`, async () => {
        const { ledger } = hostFiles(HOST, tempDir("lock"));
        writeFileSync(ledger, JSON.stringify({ version: 1, entries: [] }));
        chownSync(ledger, OTHER_UID, OTHER_UID);
        await expect(readLedger(ledger)).rejects.toThrow(`${ledger} is owned by uid ${OTHER_UID}, not by you (uid 0); it may be forged. Remove it`);
    });
});
