// A cross-process lock around read-decide-write of port allocations.
//
// Where it lives: one lock per Docker host, in a directory every deploying process on this
// machine shares - FRONTBASE_LOCK_DIR, else /var/lib/frontbase. Not the project directory (two
// checkouts, e.g. two CI jobs, would each lock their own copy), not $TMPDIR (CI runners and login
// sessions often give each job its own) and not /tmp (any local user could create or pre-create
// the files that steer every allocation). /var/lib/frontbase is made by root: mode 2770, group
// docker (whose members may deploy, and control the host anyway), or 0700 when there is no
// docker group. A FRONTBASE_LOCK_DIR that does not exist is made private (0700, yours).
// Processes on other machines cannot share it; see docs/ports.md.
//
// How: exclusive create (O_EXCL) of a lock file holding {pid, hostname, token, at}. A
// holder that died (its pid is gone) or that has held it far longer than any allocation
// takes is stale and is broken, under a second exclusive "breaker" file so that two
// waiters cannot both break it and then both enter.
//
// Trust: the directory must be owned by us or root and writable by no one else but a trusted
// group (safeFs.ts), and the lock file a regular file of ours, root's or, in a directory shared
// with the docker group, that group's. A holder that is malformed or dated in the future is forged, not held:
// it is broken like a stale one, so no planted file can block allocations.
import { createHash, randomBytes } from "crypto";
import { constants as fsConstants, promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import {
    checkTrustedDir,
    createExclusive,
    defaultTrust,
    ensurePrivateDir,
    octal,
    readFileSafely,
    replaceFile,
    SHARED_GROUP,
    Trust,
    UnsafePathError,
} from "../project/safeFs";

export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;
/** An allocation holds the lock for well under a second; minutes means a hung or reused pid. */
export const STALE_AFTER_MS = 5 * 60_000;
const BREAKER_STALE_MS = 10_000;
/** Clock steps between processes of one machine are tiny; a timestamp further ahead is forged. */
export const CLOCK_SKEW_MS = 60_000;
const MAX_LOCK_BYTES = 64 * 1024;

/** The lock directory when FRONTBASE_LOCK_DIR is not set (on Windows, one under the temp directory). */
export const DEFAULT_LOCK_DIR = process.platform === "win32" ? path.join(os.tmpdir(), "frontbase") : "/var/lib/frontbase";

export function lockDir(env: NodeJS.ProcessEnv = process.env): string {
    return env.FRONTBASE_LOCK_DIR ? path.resolve(env.FRONTBASE_LOCK_DIR) : DEFAULT_LOCK_DIR;
}

export interface LockDirOptions {
    /** Create it as the shared default (root: mode 2770, group docker) rather than private (0700). */
    readonly shared?: boolean;
    readonly trust?: Trust;
}

/**
 * Make sure `dir` can hold the lock and ledger: created if missing, refused when it is a link or
 * others can write it (safeFs.dirProblem), and writable by us. Every refusal names the path,
 * what is wrong and the fix.
 */
export async function ensureLockDir(dir: string, o: LockDirOptions = {}): Promise<void> {
    const trust = o.trust ?? defaultTrust();
    const shared = o.shared ?? dir === DEFAULT_LOCK_DIR;
    try {
        if (shared) await createShared(dir, trust);
        else await ensurePrivateDir(dir, trust);
        await checkTrustedDir(dir, trust);
    } catch (e) {
        if (e instanceof UnsafePathError) throw new Error(`unsafe lock directory: ${e.message}`, { cause: e });
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EACCES" || code === "EPERM" || code === "EROFS")
            throw new Error(cannotCreate(dir, shared, trust, code), { cause: e });
        throw e;
    }
    if (trust.uid <= 0) return; // root may write anywhere; no uids on Windows
    try {
        await fs.access(dir, fsConstants.W_OK | fsConstants.X_OK);
    } catch {
        const st = await fs.stat(dir);
        throw new Error(
            `the lock directory ${dir} (owner uid ${st.uid}, group ${trust.groups.get(st.gid) ?? st.gid}, mode ${octal(st.mode)}) is not writable by you (uid ${trust.uid}). ` +
                `${sharedGroupFix(dir, st, trust)}; or set FRONTBASE_LOCK_DIR to a directory of yours`,
        );
    }
}

/** Root makes the shared directory: 0700 first (nothing can slip in), then group docker and 2770. */
async function createShared(dir: string, trust: Trust): Promise<void> {
    await fs.mkdir(path.dirname(dir), { recursive: true });
    try {
        await fs.mkdir(dir, { mode: 0o700 });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EEXIST") return;
        throw e;
    }
    const gid = sharedGid(trust);
    if (gid === undefined || trust.uid !== 0) return; // no docker group, or not root: private to its creator
    await fs.chown(dir, 0, gid);
    await fs.chmod(dir, 0o2770);
}

function sharedGid(trust: Trust): number | undefined {
    return [...trust.groups].find(([gid, name]) => gid !== 0 && name === SHARED_GROUP)?.[0];
}

function sharedGroupFix(dir: string, st: { gid: number; mode: number }, trust: Trust): string {
    const gid = sharedGid(trust);
    if (gid === undefined) return `As root: chown ${trust.uid} ${dir} && chmod 700 ${dir}`;
    const join = `join group ${SHARED_GROUP} (as root: usermod -aG ${SHARED_GROUP} <you>, then log in again)`;
    return st.gid === gid && (st.mode & 0o070) === 0o070
        ? `To share it, ${join}`
        : `To share it with group ${SHARED_GROUP}, as root: chgrp ${SHARED_GROUP} ${dir} && chmod 2770 ${dir}, and ${join}`;
}

function cannotCreate(dir: string, shared: boolean, trust: Trust, code: string): string {
    const why = `cannot create the lock directory ${dir} (${code}${trust.uid > 0 ? `: you are uid ${trust.uid}, not root` : ""})`;
    if (!shared) return `${why}. Create it yourself (mode 0700), or set FRONTBASE_LOCK_DIR to a directory you can create`;
    const create =
        sharedGid(trust) !== undefined
            ? `sudo install -d -o root -g ${SHARED_GROUP} -m 2770 ${dir} (and be a member of group ${SHARED_GROUP})`
            : `sudo install -d -o ${trust.uid} -m 0700 ${dir}`;
    return `${why}. Create it once as root: ${create}; or set FRONTBASE_LOCK_DIR to a directory of yours (created with mode 0700)`;
}

/** Files of one Docker host: `<dir>/ports-<host slug>-<hash>.{lock,ledger.json}`. */
export function hostFiles(dockerHost: string, dir = lockDir()): { lock: string; ledger: string } {
    const slug = dockerHost
        .replace(/^[a-z]+:\/\//, "")
        .replace(/[^A-Za-z0-9.-]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 40);
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
    /** What the lock guards, for messages (default: "the port allocation lock"). */
    readonly name?: string;
    /**
     * Held for longer than STALE_AFTER_MS (a rollout): rewrite the holder's time this often, so
     * that a live holder is never taken for a stale one. Stops at release.
     */
    readonly keepAliveMs?: number;
}

export class LockTimeoutError extends Error {
    constructor(
        file: string,
        readonly holder: string,
        ms: number,
        what = "the port allocation lock",
    ) {
        super(`could not take ${what} ${file} within ${ms} ms; it is held by ${holder}. If that process is gone, remove the file.`);
        this.name = "LockTimeoutError";
    }
}

/** Take the lock; the returned function releases it (only if it is still ours). */
export async function acquireLock(file: string, opts: LockOptions = {}): Promise<() => Promise<void>> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
    await ensureLockDir(path.dirname(file));
    const me: Holder = {
        pid: process.pid,
        hostname: os.hostname(),
        token: randomBytes(8).toString("hex"),
        at: Date.now(),
        what: opts.what ?? process.argv.slice(1).join(" "),
    };
    const deadline = Date.now() + timeoutMs;
    let told = false;
    for (let delay = 5; ; delay = Math.min(delay * 2, 100)) {
        try {
            await createExclusive(file, JSON.stringify({ ...me, at: Date.now() }), 0o644);
            const alive = opts.keepAliveMs
                ? setInterval(() => void keepAlive(file, me).catch(() => undefined), opts.keepAliveMs)
                : undefined;
            alive?.unref();
            return () => {
                clearInterval(alive);
                return release(file, me.token);
            };
        } catch (e) {
            if ((e as NodeJS.ErrnoException).code !== "EEXIST")
                throw new Error(`cannot create lock file ${file}: ${(e as Error).message}`, { cause: e });
        }
        const holder = await readHolder(file);
        if (holder && isStale(holder)) {
            await breakStale(file, holder);
            continue;
        }
        const who = holder ? describe(holder) : "a process that is taking or releasing it right now";
        if (!told && opts.onWait) opts.onWait(who);
        told = true;
        if (Date.now() >= deadline) throw new LockTimeoutError(file, who, timeoutMs, opts.name);
        await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    }
}

function describe(h: Holder): string {
    return `pid ${h.pid} on ${h.hostname} since ${new Date(h.at).toISOString()} (${h.what})`;
}

async function readHolder(file: string): Promise<Holder | undefined> {
    let text: string;
    try {
        text = await readFileSafely(file, { maxBytes: MAX_LOCK_BYTES, own: true });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined; // gone: the next exclusive create will tell
        throw new Error(`refusing the port allocation lock: ${(e as Error).message}`, { cause: e });
    }
    try {
        const h = JSON.parse(text) as unknown;
        const forged = holderProblem(h, Date.now());
        // pid -1: broken at once (isStale), still only if the file is unchanged (breakStale).
        return forged === undefined
            ? (h as Holder)
            : { pid: -1, hostname: "?", token: `forged:${text}`, at: 0, what: `a forged lock file (${forged})` };
    } catch {
        // Created but not yet written (busy, look again) - or left empty by a process that
        // died in between, which would block every allocation: after a while, that is stale.
        const st = await fs.stat(file).catch(() => undefined);
        if (!st || Date.now() - st.mtimeMs < BREAKER_STALE_MS) return undefined;
        return { pid: -1, hostname: "?", token: `unreadable:${st.mtimeMs}`, at: 0, what: "an unreadable lock file" };
    }
}

/** Why a parsed lock file is not one acquireLock could have written (pure). */
export function holderProblem(h: unknown, now: number): string | undefined {
    if (typeof h !== "object" || h === null) return "not an object";
    const x = h as Record<string, unknown>;
    if (!Number.isSafeInteger(x.pid) || (x.pid as number) < 1) return `pid ${JSON.stringify(x.pid)} is not a positive integer`;
    if (typeof x.hostname !== "string" || typeof x.token !== "string" || typeof x.what !== "string")
        return "hostname, token or what is not a string";
    if (typeof x.at !== "number" || !Number.isFinite(x.at) || x.at < 0) return `at ${JSON.stringify(x.at)} is not a time`;
    if (x.at > now + CLOCK_SKEW_MS) return `at ${new Date(x.at).toISOString()} is in the future`;
    return undefined;
}

function isStale(h: Holder): boolean {
    if (h.pid < 1) return true; // unreadable or forged
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
        await createExclusive(breaker, String(process.pid), 0o644);
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

/** A fresh time in the holder's file, still only if it is ours (a rename: readers never see half a file). */
async function keepAlive(file: string, me: Holder): Promise<void> {
    if ((await readHolder(file))?.token === me.token) await replaceFile(file, JSON.stringify({ ...me, at: Date.now() }), 0o644);
}

async function release(file: string, token: string): Promise<void> {
    const now = await readHolder(file);
    if (now?.token === token) await fs.rm(file, { force: true });
}
