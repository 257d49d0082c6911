// The host's record of recent allocations, kept next to the lock (see lock.ts).
//
// The lock alone serialises allocations, but the next allocator must also *see* what the
// previous one decided before any container exists: a stack file written by `new` in another
// checkout, or ports picked by a `pulumi up` that is still creating its containers. Each
// allocation therefore records, under the lock, the tenant, its ports and its stack file.
// An entry with a file lasts as long as the file; one without (a `pulumi up` allocation)
// lasts LEDGER_TTL_MS, by which time its containers publish the ports themselves.
import { existsSync, promises as fs } from "fs";
import type { Ports } from "./allocate";

export const LEDGER_TTL_MS = 60 * 60_000;

export interface LedgerEntry {
    readonly tenant: string;
    readonly ports: Readonly<Partial<Ports>>;
    /** Absolute path of the stack file pinning the ports, if any. */
    readonly file?: string;
    /** Milliseconds since the epoch. */
    readonly at: number;
    /** `tenant new` or `pulumi up`, for messages. */
    readonly by: string;
}

/** Entries still in force; a missing or unreadable ledger is an empty one. */
export async function readLedger(file: string, now = Date.now()): Promise<LedgerEntry[]> {
    let data: unknown;
    try {
        data = JSON.parse(await fs.readFile(file, "utf8"));
    } catch {
        return [];
    }
    const entries = (data as { entries?: unknown }).entries;
    return Array.isArray(entries) ? entries.filter((e): e is LedgerEntry => isEntry(e) && live(e, now)) : [];
}

/** Record (or replace) a tenant's allocation. Call it with the lock held. */
export async function recordAllocation(file: string, entry: LedgerEntry): Promise<void> {
    const kept = (await readLedger(file, entry.at)).filter((e) => e.tenant !== entry.tenant);
    // Write-then-rename: a reader never sees half a ledger.
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify({ version: 1, entries: [...kept, entry] }, null, 1), { mode: 0o644 });
    await fs.rename(tmp, file);
}

function live(e: LedgerEntry, now: number): boolean {
    return e.file !== undefined ? existsSync(e.file) : now - e.at < LEDGER_TTL_MS;
}

function isEntry(e: unknown): e is LedgerEntry {
    const x = e as LedgerEntry;
    return typeof x === "object" && x !== null && typeof x.tenant === "string" && typeof x.ports === "object" && x.ports !== null && typeof x.at === "number";
}
