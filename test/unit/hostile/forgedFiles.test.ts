// Issue 13, items 2 and 3: a forged ledger must not move anyone's ports or block them for
// ever, and a forged lock must not block every allocation. Real files, real processes.
import { chownSync, readFileSync, writeFileSync } from "fs";
import * as os from "os";
import { describe, expect, it } from "vitest";
import { entryProblem, readLedger } from "../../../ports/ledger";
import { acquireLock, holderProblem, hostFiles } from "../../../ports/lock";
import { resolvePorts, ResolveOptions } from "../../../ports/resolve";
import { freeBlock, sameRange } from "../../support/sockets";
import { tempDir } from "../../support/temp";
import { nothingWritten } from "../../support/unchanged";
import { NEEDS_ROOT, NOT_ROOT, OTHER_UID } from "../../support/otherUser";

const HOST = "unix:///nonexistent/docker.sock";
const YEAR_2286 = 10_000_000_000_000;

async function options(tenant: string, base: number, lockDir: string): Promise<ResolveOptions> {
    return {
        tenant,
        dockerHost: HOST,
        docker: null,
        ranges: sameRange(base, base + 20),
        maxRetries: 1,
        bindAddress: "127.0.0.1",
        by: "test",
        lockDir,
        lockTimeoutMs: 2000,
    };
}

describe("a forged ledger", () => {
    it("with an entry dated in the future neither steers the tenant's ports nor blocks them for others", async () => {
        const base = await freeBlock(21);
        const lockDir = tempDir("lock");
        const { ledger } = hostFiles(HOST, lockDir);
        const chosen = { backend: base + 17, edge: base + 18, frontend: base + 19, redisHttp: base + 20 };
        const blocked = { backend: base, edge: base + 1, frontend: base + 2, redisHttp: base + 3 };
        writeFileSync(
            ledger,
            JSON.stringify({
                version: 1,
                entries: [
                    { tenant: "t1", ports: chosen, at: YEAR_2286, by: "x" },
                    { tenant: "madeup", ports: blocked, at: YEAR_2286, by: "x" },
                ],
            }),
            { mode: 0o644 },
        );
        const r = await resolvePorts(await options("t1", base, lockDir));
        expect(r.ports).toEqual(blocked);
        expect(Object.values(r.sources)).toEqual(["allocated", "allocated", "allocated", "allocated"]);
        // Rewritten under the lock: the forged entries are gone.
        expect(JSON.parse(readFileSync(ledger, "utf8")).entries.map((e: { tenant: string }) => e.tenant)).toEqual(["t1"]);
    });

    it.each<[string, unknown, string]>([
        ["a time in the future", { tenant: "t1", ports: {}, at: YEAR_2286, by: "x" }, "is in the future"],
        ["a time that is not a number", { tenant: "t1", ports: {}, at: "soon", by: "x" }, "at is not a time"],
        ["an invalid tenant", { tenant: "../etc", ports: {}, at: 1, by: "x" }, "is not a tenant name"],
        [
            "an unknown port key",
            { tenant: "t1", ports: { ssh: 22 }, at: 1, by: "x" },
            "ports.ssh is not one of backend, edge, frontend, redisHttp",
        ],
        ["a port out of range", { tenant: "t1", ports: { backend: 70000 }, at: 1, by: "x" }, "ports.backend is not a port number"],
        ["a relative file", { tenant: "t1", ports: {}, file: "Pulumi.t1.yaml", at: 1, by: "x" }, "file is not an absolute path"],
    ])("drops an entry with %s", (_, entry, problem) => {
        expect(entryProblem(entry, Date.now())).toContain(problem);
    });

    it.skipIf(NOT_ROOT)(`owned by another user is refused before anything is allocated (${NEEDS_ROOT})`, async () => {
        const base = await freeBlock(21);
        const lockDir = tempDir("lock");
        const { ledger } = hostFiles(HOST, lockDir);
        writeFileSync(
            ledger,
            JSON.stringify({ version: 1, entries: [{ tenant: "t1", ports: { backend: base + 9 }, at: Date.now(), by: "x" }] }),
        );
        chownSync(ledger, OTHER_UID, OTHER_UID);
        const untouched = nothingWritten({ outside: [ledger] });
        await expect(resolvePorts(await options("t1", base, lockDir))).rejects.toThrow(
            `refusing the port ledger: ${ledger} is owned by uid ${OTHER_UID}`,
        );
        untouched();
        await expect(readLedger(ledger)).rejects.toThrow("it may be forged");
    });
});

describe("a forged lock", () => {
    it.each<[string, object]>([
        ["pid 1 dated in the year 2286", { pid: 1, at: YEAR_2286 }],
        ["pid 1 with a full holder dated in the year 2286", { pid: 1, hostname: os.hostname(), token: "t", at: YEAR_2286, what: "x" }],
        ["pid 0 (kill(0) asks about our own process group)", { pid: 0, hostname: os.hostname(), token: "t", at: Date.now(), what: "x" }],
        ["a time that is not a number", { pid: 1, hostname: os.hostname(), token: "t", at: "now", what: "x" }],
    ])("is broken at once: %s", async (_, forged) => {
        const { lock } = hostFiles(HOST, tempDir("lock"));
        writeFileSync(lock, JSON.stringify(forged));
        // "At once": it never waits for the forged holder (onWait is told before the first wait);
        // how long breaking it takes is measured by `npm run bench -- --only hostile`.
        const waitedFor: string[] = [];
        const release = await acquireLock(lock, { timeoutMs: 2000, onWait: (who) => void waitedFor.push(who) });
        expect(JSON.parse(readFileSync(lock, "utf8")).pid).toBe(process.pid);
        await release();
        expect(waitedFor).toEqual([]);
    });

    it("a real holder still waits: pid alive, time now", async () => {
        const { lock } = hostFiles(HOST, tempDir("lock"));
        writeFileSync(
            lock,
            JSON.stringify({ pid: process.ppid, hostname: os.hostname(), token: "t", at: Date.now(), what: "tenant new t9" }),
        );
        const waitedFor: string[] = [];
        await expect(acquireLock(lock, { timeoutMs: 200, onWait: (who) => void waitedFor.push(who) })).rejects.toThrow(
            `held by pid ${process.ppid}`,
        );
        expect(waitedFor).toEqual([expect.stringContaining(`pid ${process.ppid}`)]);
        expect(holderProblem({ pid: process.ppid, hostname: "h", token: "t", at: Date.now(), what: "w" }, Date.now())).toBeUndefined();
    });

    it.skipIf(NOT_ROOT)(`owned by another user is refused, naming the file and owner (${NEEDS_ROOT})`, async () => {
        const { lock } = hostFiles(HOST, tempDir("lock"));
        writeFileSync(lock, JSON.stringify({ pid: 1, hostname: os.hostname(), token: "t", at: Date.now(), what: "x" }));
        chownSync(lock, OTHER_UID, OTHER_UID);
        await expect(acquireLock(lock, { timeoutMs: 500 })).rejects.toThrow(
            `refusing the port allocation lock: ${lock} is owned by uid ${OTHER_UID}, not by you (uid 0); it may be forged. Remove it`,
        );
    });
});
