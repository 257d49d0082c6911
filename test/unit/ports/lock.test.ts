// The cross-process lock, with real processes: mutual exclusion, timeout, stale recovery.
import { execFile, spawnSync } from "child_process";
import { existsSync, readFileSync, utimesSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { describe, expect, it } from "vitest";
import { acquireLock, hostFiles, LockTimeoutError, STALE_AFTER_MS } from "../../../ports/lock";
import { tempDir } from "../../support/temp";
import { LOCK_MODULES, transpiled } from "../../support/transpiled";

const run = promisify(execFile);

/** lock.ts as plain JS, so children start in milliseconds. */
const compiledLock = () => path.join(transpiled(LOCK_MODULES), "ports/lock.js");
const lockFile = () => path.join(tempDir("lock"), "ports.lock");

/** A child that takes the lock, writes "in <n>", waits, writes "out <n>", and lets go. */
const CHILD = `
const fs = require("fs");
const [lockJs, file, log, n] = process.argv.slice(1);
const { acquireLock } = require(lockJs);
acquireLock(file, { timeoutMs: 20000 }).then(async (release) => {
    fs.appendFileSync(log, "in " + n + "\\n");
    await new Promise((r) => setTimeout(r, 30));
    fs.appendFileSync(log, "out " + n + "\\n");
    await release();
});`;

describe("acquireLock", () => {
    it("lets one process at a time in, across 8 concurrent processes", async () => {
        const file = lockFile();
        const log = `${file}.log`;
        writeFileSync(log, "");
        const lockJs = compiledLock();
        await Promise.all(Array.from({ length: 8 }, (_, n) => run(process.execPath, ["-e", CHILD, lockJs, file, log, String(n)])));
        const lines = readFileSync(log, "utf8").trim().split("\n");
        expect(lines).toHaveLength(16);
        for (let i = 0; i < lines.length; i += 2) {
            expect(lines[i]).toMatch(/^in \d$/);
            expect(lines[i + 1]).toBe(lines[i].replace("in", "out"));
        }
        expect(existsSync(file)).toBe(false);
    });

    it("times out with a message naming the holder", async () => {
        const file = lockFile();
        const release = await acquireLock(file, { what: "tenant new t1" });
        try {
            const err = await acquireLock(file, { timeoutMs: 150 }).catch((e: unknown) => e);
            expect(err).toBeInstanceOf(LockTimeoutError);
            expect((err as Error).message).toMatch(
                new RegExp(`held by pid ${process.pid} on ${os.hostname()} since .* \\(tenant new t1\\)`),
            );
        } finally {
            await release();
        }
        await (
            await acquireLock(file, { timeoutMs: 150 })
        )();
    });

    it("breaks a lock whose process is gone", async () => {
        const file = lockFile();
        const dead = spawnSync(process.execPath, ["-e", "0"]).pid!;
        writeFileSync(file, JSON.stringify({ pid: dead, hostname: os.hostname(), token: "x", at: Date.now(), what: "crashed" }));
        const release = await acquireLock(file, { timeoutMs: 2000 });
        expect(JSON.parse(readFileSync(file, "utf8")).pid).toBe(process.pid);
        await release();
    });

    it("breaks a lock held far longer than any allocation takes, even if its pid now belongs to someone else", async () => {
        const file = lockFile();
        writeFileSync(
            file,
            JSON.stringify({
                pid: process.ppid,
                hostname: os.hostname(),
                token: "x",
                at: Date.now() - STALE_AFTER_MS - 1000,
                what: "hung",
            }),
        );
        await (
            await acquireLock(file, { timeoutMs: 2000 })
        )();
    });

    it("breaks a lock file left empty by a process that died before writing it", async () => {
        const file = lockFile();
        writeFileSync(file, "");
        const old = new Date(Date.now() - 60_000);
        utimesSync(file, old, old);
        await (
            await acquireLock(file, { timeoutMs: 2000 })
        )();
        // A fresh empty file is someone about to write it: wait, do not break it.
        writeFileSync(file, "");
        await expect(acquireLock(file, { timeoutMs: 100 })).rejects.toThrow("held by a process that is taking or releasing it right now");
    });

    it("keeps one lock per Docker host, outside the project", () => {
        const a = hostFiles("unix:///var/run/docker.sock", "/tmp/x");
        expect(a.lock).toMatch(/^\/tmp\/x\/ports-var-run-docker\.sock-[0-9a-f]{8}\.lock$/);
        expect(hostFiles("ssh://ops@vps", "/tmp/x").lock).not.toBe(a.lock);
    });
});
