// The host's record of recent allocations, kept next to the lock (see lock.ts).
//
// The lock alone serialises allocations, but the next allocator must also *see* what the
// previous one decided before any container exists: a stack file written by `new` in another
// checkout, or ports picked by a `pulumi up` that is still creating its containers. Each
// allocation therefore records, under the lock, the tenant, its ports and its stack file.
// An entry with a file lasts as long as the file; one without (a `pulumi up` allocation)
// lasts LEDGER_TTL_MS, by which time its containers publish the ports themselves.
//
// Trust: only a regular file we own and nobody else can write is read (as the lock's owner
// could have written it), and only entries that recordAllocation could have written: a valid
// tenant name, known port keys with port numbers, an absolute stack file path, and a time not
// in the future (a future one would make a forged entry live, and sticky, forever).
import { existsSync } from "fs";
import * as path from "path";
import { ALL_PORT_KEYS, tenantNameProblem } from "../components/naming";
import { readFileSafely, replaceFile } from "../project/safeFs";
import type { Ports } from "./allocate";
import { CLOCK_SKEW_MS } from "./lock";

export const LEDGER_TTL_MS = 60 * 60_000;
const MAX_LEDGER_BYTES = 4 * 1024 * 1024;

export interface LedgerEntry {
    readonly tenant: string;
    readonly ports: Readonly<Partial<Ports>>;
    /** Absolute path of the stack file pinning the ports, if any. */
    readonly file?: string;
    /** Milliseconds since the epoch. */
    readonly at: number;
    /** `tenant new` or `pulumi up`, for messages. */
    readonly by: string;
    /** How long an entry without a file lasts (a dashboard reservation); default LEDGER_TTL_MS. */
    readonly ttlMs?: number;
}

/** The longest a reservation may hold ports without becoming a stack file. */
export const MAX_TTL_MS = 7 * 24 * 60 * 60_000;
export const MIN_TTL_MS = 60_000;

/**
 * Entries still in force, forged ones left out. A missing ledger is an empty one; one that is a
 * link, not a regular file, not ours or writable by others is refused (it may be forged).
 */
export async function readLedger(file: string, now = Date.now()): Promise<LedgerEntry[]> {
    let text: string;
    try {
        text = await readFileSafely(file, { maxBytes: MAX_LEDGER_BYTES, own: true });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw new Error(`refusing the port ledger: ${(e as Error).message}`, { cause: e });
    }
    let data: unknown;
    try {
        data = JSON.parse(text);
    } catch {
        return []; // torn by a crash before write-then-rename existed; rewritten at the next allocation
    }
    const entries = (data as { entries?: unknown } | null)?.entries;
    return Array.isArray(entries)
        ? entries.filter((e): e is LedgerEntry => entryProblem(e, now) === undefined && live(e as LedgerEntry, now))
        : [];
}

/** Record (or replace) a tenant's allocation. Call it with the lock held. */
export async function recordAllocation(file: string, entry: LedgerEntry): Promise<void> {
    const kept = (await readLedger(file, Math.max(entry.at, Date.now()))).filter((e) => e.tenant !== entry.tenant);
    await writeLedger(file, [...kept, entry]);
}

/** Write-then-rename: a reader never sees half a ledger, and no planted link is followed. */
function writeLedger(file: string, entries: readonly LedgerEntry[]): Promise<void> {
    return replaceFile(file, JSON.stringify({ version: 1, entries }, null, 1), 0o644);
}

function live(e: LedgerEntry, now: number): boolean {
    return e.file !== undefined ? existsSync(e.file) : now - e.at < (e.ttlMs ?? LEDGER_TTL_MS);
}

/** When an entry without a file stops holding its ports (ms since the epoch). */
export function expiresAt(e: LedgerEntry): number | undefined {
    return e.file === undefined ? e.at + (e.ttlMs ?? LEDGER_TTL_MS) : undefined;
}

/** Drop the tenant's entries that `which` picks (a reservation, say); the removed ones. Call it with the lock held. */
export async function releaseEntries(file: string, tenant: string, which: (e: LedgerEntry) => boolean): Promise<LedgerEntry[]> {
    const all = await readLedger(file);
    const removed = all.filter((e) => e.tenant === tenant && which(e));
    if (removed.length > 0)
        await writeLedger(
            file,
            all.filter((e) => !removed.includes(e)),
        );
    return removed;
}

/** Why `e` is not an entry recordAllocation could have written at or before `now` (pure). */
export function entryProblem(e: unknown, now: number): string | undefined {
    if (typeof e !== "object" || e === null) return "not an object";
    const x = e as Record<string, unknown>;
    if (typeof x.tenant !== "string" || tenantNameProblem(x.tenant)) return `tenant ${JSON.stringify(x.tenant)} is not a tenant name`;
    if (typeof x.ports !== "object" || x.ports === null || Array.isArray(x.ports)) return "ports is not an object";
    for (const [k, v] of Object.entries(x.ports)) {
        if (!(ALL_PORT_KEYS as readonly string[]).includes(k)) return `ports.${k} is not one of ${ALL_PORT_KEYS.join(", ")}`;
        if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 65535) return `ports.${k} is not a port number`;
    }
    if (x.file !== undefined && (typeof x.file !== "string" || !path.isAbsolute(x.file))) return "file is not an absolute path";
    if (typeof x.at !== "number" || !Number.isFinite(x.at) || x.at < 0) return "at is not a time";
    if (x.at > now + CLOCK_SKEW_MS) return `at ${new Date(x.at).toISOString()} is in the future`;
    if (x.ttlMs !== undefined && (!Number.isInteger(x.ttlMs) || (x.ttlMs as number) < MIN_TTL_MS || (x.ttlMs as number) > MAX_TTL_MS))
        return `ttlMs is not a whole number of ms from ${MIN_TTL_MS} to ${MAX_TTL_MS}`;
    return undefined;
}
