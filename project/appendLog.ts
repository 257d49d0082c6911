// Append-only JSON-lines files in the lock directory (the audit trail, the drill log), with the
// lock directory's safety rules (safeFs.ts): the directory is checked before anything is written;
// the file is opened without following a link (O_NOFOLLOW) and refused, before a byte is
// written, when it is not a regular file that only trusted users own and can write; each record
// is one write of one line under O_APPEND, so concurrent writers never interleave within a line
// and nothing already written is ever rewritten.
import { constants, promises as fs } from "fs";
import * as path from "path";
import { ensureLockDir } from "../ports/lock";
import { defaultTrust, fileProblem, readFileSafely, sharedGroupOf, Trust, UnsafePathError } from "./safeFs";

const { O_APPEND, O_CREAT, O_NOFOLLOW, O_WRONLY } = constants;

/** Large enough for years of a fleet's records; a bigger file is refused, not read: rotate it (it is only appended to). */
export const MAX_LOG_BYTES = 64 * 1024 * 1024;

/** Appends `record` as one JSON line to `file` (created 0644 if missing). */
export async function appendRecord(file: string, record: unknown, trust: Trust = defaultTrust()): Promise<void> {
    const dir = path.dirname(file);
    await ensureLockDir(dir, { trust });
    const line = `${JSON.stringify(record)}\n`;
    let h: fs.FileHandle;
    try {
        h = await fs.open(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW, 0o644);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ELOOP" || code === "EMLINK") throw new UnsafePathError(file, "is a symbolic link; it must be a regular file");
        throw e;
    }
    try {
        const st = await h.stat();
        if (trust.uid >= 0) {
            const problem = fileProblem(st, trust, sharedGroupOf(dir, await fs.lstat(dir), trust));
            if (problem) throw new UnsafePathError(file, problem);
        } else if (!st.isFile()) throw new UnsafePathError(file, "is not a regular file");
        await h.write(line);
    } finally {
        await h.close();
    }
}

export interface Records<T> {
    readonly records: T[];
    /** Lines that are not JSON objects (a torn last line, a hand edit): skipped, counted. */
    readonly skipped: number;
}

/** Every record of `file` in order; none when it does not exist. A file that is not safe to trust is refused. */
export async function readRecords<T>(file: string, trust: Trust = defaultTrust()): Promise<Records<T>> {
    let text: string;
    try {
        text = await readFileSafely(file, { maxBytes: MAX_LOG_BYTES, own: true, trust });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return { records: [], skipped: 0 };
        throw e;
    }
    const records: T[] = [];
    let skipped = 0;
    for (const line of text.split("\n")) {
        if (line.trim() === "") continue;
        try {
            const r = JSON.parse(line) as unknown;
            if (typeof r === "object" && r !== null && !Array.isArray(r)) records.push(r as T);
            else skipped++;
        } catch {
            skipped++;
        }
    }
    return { records, skipped };
}
