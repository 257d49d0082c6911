// A cross-process lock around read-decide-write of port allocations.
//
// Where it lives: one lock per Docker host, in a directory every process on this machine
// shares - FRONTBASE_LOCK_DIR, else /tmp/frontbase-tenants. Not the project directory (two
// checkouts, e.g. two CI jobs, would each lock their own copy) and not $TMPDIR (CI runners
// and login sessions often give each job its own). Processes on different machines that
// deploy to one remote host cannot share it; see docs/ports.md.
//
// How: exclusive create (O_EXCL) of a lock file holding {pid, hostname, token, at}. A
// holder that died (its pid is gone) or that has held it far longer than any allocation
// takes is stale and is broken, under a second exclusive "breaker" file so that two
// waiters cannot both break it and then both enter.
import { createHash, randomBytes } from "crypto";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;
/** An allocation holds the lock for well under a second; minutes means a hung or reused pid. */
export const STALE_AFTER_MS = 5 * 60_000;
const BREAKER_STALE_MS = 10_000;

export function lockDir(env: NodeJS.ProcessEnv = process.env): string {
    return env.FRONTBASE_LOCK_DIR ?? path.join(process.platform === "win32" ? os.tmpdir() : "/tmp", "frontbase-tenants");
}

/** Files of one Docker host: `<dir>/ports-<host slug>-<hash>.{lock,ledger.json}`. */
export function hostFiles(dockerHost: string, dir = lockDir()): { lock: string; ledger: string } {
    const slug = dockerHost.replace(/^[a-z]+:\/\//, "").replace(/[^A-Za-z0-9.-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40);
    const hash = createHash("sha256").update(dockerHost).digest("hex").slice(0, 8);
    const base = path.join(dir, `ports-${slug}-${hash}`);
    return { lock: `${base}.lock`, ledger: `${base}.ledger.json` };
}

interface Holder {
    readonly pid: number;
    readonly hostname: string;
    readonly token: string;
    readonly at: number;
    readonly what: string;
}

export interface LockOptions {
    readonly timeoutMs?: number;
    /** What the holder is doing, shown to whoever waits for it. */
    readonly what?: string;
    /** Told once when the lock is busy, so a CLI can say why it is waiting. */
    readonly onWait?: (holder: string) => void;
}

export class LockTimeoutError extends Error {
    constructor(file: string, holder: string, ms: number) {
        super(`could not take the port allocation lock ${file} within ${ms} ms; it is held by ${holder}. If that process is gone, remove the file.`);
        this.name = "LockTimeoutError";
    }
}

/** Take the lock; the returned function releases it (only if it is still ours). */
export async function acquireLock(file: string, opts: LockOptions = {}): Promise<() => Promise<void>> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    await ensureDir(path.dirname(file));
    const me: Holder = { pid: process.pid, hostname: os.hostname(), token: randomBytes(8).toString("hex"), at: Date.now(), what: opts.what ?? process.argv.slice(1).join(" ") };
    const deadline = Date.now() + timeoutMs;
    let told = false;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
        try {
            await fs.writeFile(file, JSON.stringify({ ...me, at: Date.now() }), { flag: "wx", mode: 0o644 });
            return () => release(file, me.token);
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw new Error(`cannot create lock file ${file}: ${(e as Error).message}`);
        }
        const holder = await readHolder(file);
        if (holder && isStale(holder)) {
            await breakStale(file, holder);
            continue;
        }
        const who = holder ? describe(holder) : "a process that is taking or releasing it right now";
        if (!told && opts.onWait) opts.onWait(who);
        told = true;
        if (Date.now() >= deadline) throw new LockTimeoutError(file, who, timeoutMs);
        await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    }
}

function describe(h: Holder): string {
    return `pid ${h.pid} on ${h.hostname} since ${new Date(h.at).toISOString()} (${h.what})`;
}

async function readHolder(file: string): Promise<Holder | undefined> {
    let text: string;
    try {
        text = await fs.readFile(file, "utf8");
    } catch {
        return undefined; // gone: the next exclusive create will tell
    }
    try {
        return JSON.parse(text) as Holder;
    } catch {
        // Created but not yet written (busy, look again) - or left empty by a process that
        // died in between, which would block every allocation: after a while, that is stale.
        const st = await fs.stat(file).catch(() => undefined);
        if (!st || Date.now() - st.mtimeMs < BREAKER_STALE_MS) return undefined;
        return { pid: -1, hostname: "?", token: `unreadable:${st.mtimeMs}`, at: 0, what: "an unreadable lock file" };
    }
}

function isStale(h: Holder): boolean {
    if (Date.now() - h.at > STALE_AFTER_MS) return true;
    if (h.hostname !== os.hostname()) return false;
    try {
        process.kill(h.pid, 0);
        return false;
    } catch (e) {
        return (e as NodeJS.ErrnoException).code === "ESRCH";
    }
}

/** Remove a stale lock only if it is still the same stale holder, one breaker at a time. */
async function breakStale(file: string, stale: Holder): Promise<void> {
    const breaker = `${file}.breaker`;
    try {
        await fs.writeFile(breaker, String(process.pid), { flag: "wx" });
    } catch {
        const st = await fs.stat(breaker).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > BREAKER_STALE_MS) await fs.rm(breaker, { force: true });
        return;
    }
    try {
        const now = await readHolder(file);
        if (now && now.token === stale.token) await fs.rm(file, { force: true });
    } finally {
        await fs.rm(breaker, { force: true });
    }
}

async function release(file: string, token: string): Promise<void> {
    const now = await readHolder(file);
    if (now?.token === token) await fs.rm(file, { force: true });
}

/** World-writable with the sticky bit, like /tmp, so every user's allocations share it. */
async function ensureDir(dir: string): Promise<void> {
    const created = await fs.mkdir(dir, { recursive: true });
    if (created !== undefined) await fs.chmod(dir, 0o1777).catch(() => undefined);
}
