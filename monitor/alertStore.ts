// Where `alerts` keeps what it knew at its last run, and the webhook deliveries still owed: one
// file per project in the lock directory, `alerts-<project>-<hash>.json`, changed only under its
// own lock (ports/lock.ts, which also breaks a dead holder's) with the lock directory's rules:
// read without following links and refused when someone untrusted could have written it,
// replaced whole by write-then-rename. Two runs at once (a slow one and the next timer) therefore
// never fire or deliver one event twice: a delivery is claimed under the lock before it is sent.
import { createHash } from "crypto";
import * as path from "path";
import { acquireLock, LockTimeoutError } from "../ports/lock";
import { readFileSafely, replaceFile } from "../project/safeFs";
import type { Alert, AlertEvent } from "./alertState";

const MAX_STATE_BYTES = 8 * 1024 * 1024;

export interface Outgoing {
    readonly event: AlertEvent;
    readonly attempts: number;
    /** Not before (ms). */
    readonly nextAt: number;
    readonly firstAt: number;
    /** A run sending it now: others leave it alone until then (ms). */
    readonly claimedUntil?: number;
    readonly claimedBy?: string;
}

export interface AlertStore {
    readonly version: 1;
    readonly alerts: Record<string, Alert>;
    readonly outbox: Outgoing[];
}

export const EMPTY_STORE: AlertStore = { version: 1, alerts: {}, outbox: [] };

export function alertFiles(lockDir: string, projectDir: string): { state: string; lock: string } {
    const slug =
        path
            .basename(projectDir)
            .replace(/[^A-Za-z0-9.-]+/g, "-")
            .slice(0, 40) || "project";
    const hash = createHash("sha256").update(path.resolve(projectDir)).digest("hex").slice(0, 8);
    const base = path.join(lockDir, `alerts-${slug}-${hash}`);
    return { state: `${base}.json`, lock: `${base}.lock` };
}

/** Why a parsed state file is not one this code wrote (pure). */
export function storeProblem(x: unknown): string | undefined {
    if (typeof x !== "object" || x === null) return "is not a JSON object";
    const s = x as Record<string, unknown>;
    if (s.version !== 1) return `has version ${JSON.stringify(s.version)}, not 1`;
    if (typeof s.alerts !== "object" || s.alerts === null || Array.isArray(s.alerts)) return "has no alerts object";
    for (const [k, a] of Object.entries(s.alerts as Record<string, unknown>)) {
        const v = a as Partial<Alert> | null;
        if (!v || v.key !== k || typeof v.message !== "string" || typeof v.since !== "number") return `has a malformed alert "${k}"`;
    }
    if (
        !Array.isArray(s.outbox) ||
        s.outbox.some((o) => typeof (o as Outgoing)?.event?.id !== "string" || typeof (o as Outgoing).nextAt !== "number")
    )
        return "has a malformed outbox";
    return undefined;
}

async function read(file: string): Promise<AlertStore> {
    let text: string;
    try {
        text = await readFileSafely(file, { maxBytes: MAX_STATE_BYTES, own: true });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return EMPTY_STORE;
        throw new Error(`refusing the alerts' state: ${(e as Error).message}`, { cause: e });
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (e) {
        throw new Error(
            `the alerts' state ${file} is not JSON (${(e as Error).message}); remove it to start afresh (firing alerts then fire again)`,
            { cause: e },
        );
    }
    const problem = storeProblem(parsed);
    if (problem) throw new Error(`the alerts' state ${file} ${problem}; remove it to start afresh (firing alerts then fire again)`);
    return parsed as AlertStore;
}

/** Reads the state under its lock, lets `change` make the next one, writes it when it differs; resolves to `change`'s result. */
export async function withStore<T>(
    files: { state: string; lock: string },
    change: (s: AlertStore) => { next: AlertStore; result: T },
): Promise<T> {
    let release: () => Promise<void>;
    try {
        release = await acquireLock(files.lock, { timeoutMs: 60_000, what: "tenant alerts" });
    } catch (e) {
        if (e instanceof LockTimeoutError)
            throw new Error(`another tenant alerts run still holds ${files.lock}: ${e.message}`, { cause: e });
        throw e;
    }
    try {
        const before = await read(files.state);
        const { next, result } = change(before);
        if (JSON.stringify(next) !== JSON.stringify(before)) await replaceFile(files.state, `${JSON.stringify(next, null, 1)}\n`, 0o644);
        return result;
    } finally {
        await release();
    }
}
