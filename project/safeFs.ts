// File I/O that a local user cannot steer: the lock directory, its lock and ledger, and stack
// files. Another account may share the machine (and, by default, /tmp), so a path is never
// trusted to be what its name says: directories and files are checked for owner, mode and
// symlinks, files are opened with O_NOFOLLOW, and writes go to a fresh O_EXCL file renamed
// into place. The judgements (`dirProblem`, `fileProblem`) are pure; the rest does the I/O.
import { randomBytes } from "crypto";
import { constants, promises as fs, Stats } from "fs";
import * as path from "path";

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_WRONLY } = constants;

/** The owner and mode a private directory must have, for messages. */
const PRIVATE_DIR = "a directory owned by you with mode 0700 (no group or world write)";

export class UnsafePathError extends Error {
    /** `path` + " " + `problem` is the message; `problem` alone suits a "<file>: ..." report. */
    constructor(
        readonly path: string,
        readonly problem: string,
    ) {
        super(`${path} ${problem}`);
        this.name = "UnsafePathError";
    }
}

type StatLike = Pick<Stats, "uid" | "mode"> & { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean };

function octal(mode: number): string {
    return `0${(mode & 0o7777).toString(8)}`;
}

/** Why `st` (from lstat of `dir`) is not a directory only `uid` can change, or undefined when it is. */
export function dirProblem(dir: string, st: StatLike, uid: number): string | undefined {
    if (st.isSymbolicLink()) return `is a symbolic link; expected ${PRIVATE_DIR}. Remove it`;
    if (!st.isDirectory()) return `is not a directory; expected ${PRIVATE_DIR}`;
    if (st.uid !== uid) return `is owned by uid ${st.uid}, not by you (uid ${uid}); expected ${PRIVATE_DIR}. Remove it, or set FRONTBASE_LOCK_DIR to a directory of yours`;
    if ((st.mode & 0o022) !== 0) return `has mode ${octal(st.mode)}, writable by other users; expected ${PRIVATE_DIR}: chmod 700 ${dir}`;
    return undefined;
}

/** Why `st` (from fstat of a file opened without following links) is not a file only `uid` wrote. */
export function fileProblem(st: StatLike, uid: number): string | undefined {
    if (!st.isFile()) return "is not a regular file";
    if (st.uid !== uid) return `is owned by uid ${st.uid}, not by you (uid ${uid}); it may be forged. Remove it`;
    if ((st.mode & 0o022) !== 0) return `has mode ${octal(st.mode)}, writable by other users; it may be forged. Remove it`;
    return undefined;
}

function myUid(): number {
    return process.getuid?.() ?? -1;
}

/** Create `dir` (mode 0700) if missing; refuse one that is a link, foreign or writable by others. */
export async function ensurePrivateDir(dir: string, uid = myUid()): Promise<void> {
    await fs.mkdir(path.dirname(dir), { recursive: true });
    try {
        await fs.mkdir(dir, { mode: 0o700 });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (uid < 0) return; // no uids (Windows)
    const problem = dirProblem(dir, await fs.lstat(dir), uid);
    if (problem) throw new UnsafePathError(dir, problem);
}

/** Open for reading without following a link; a FIFO or device does not block the open. */
async function openNoFollow(file: string): Promise<fs.FileHandle> {
    try {
        return await fs.open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ELOOP" || code === "EMLINK") throw new UnsafePathError(file, "is a symbolic link; it must be a regular file");
        throw e;
    }
}

export interface ReadOptions {
    /** Refuse larger files without reading them. */
    readonly maxBytes: number;
    /** Also refuse a file not owned by us or writable by others (lock and ledger). */
    readonly own?: boolean;
    readonly uid?: number;
}

/** Read a regular file (not a link), at most `maxBytes`. ENOENT propagates as is. */
export async function readFileSafely(file: string, opts: ReadOptions): Promise<string> {
    const h = await openNoFollow(file);
    try {
        const st = await h.stat();
        const uid = opts.uid ?? myUid();
        const problem = opts.own && uid >= 0 ? fileProblem(st, uid) : !st.isFile() ? "is not a regular file" : undefined;
        if (problem) throw new UnsafePathError(file, problem);
        const tooBig = `is ${st.size} bytes; at most ${opts.maxBytes} bytes are allowed`;
        if (st.size > opts.maxBytes) throw new UnsafePathError(file, tooBig);
        const buf = Buffer.alloc(opts.maxBytes + 1);
        const { bytesRead } = await h.read(buf, 0, buf.length, 0);
        if (bytesRead > opts.maxBytes) throw new UnsafePathError(file, tooBig); // grew while we read
        return buf.subarray(0, bytesRead).toString("utf8");
    } finally {
        await h.close();
    }
}

/** Create `file` exclusively: fails (EEXIST) if anything, a link included, is already there. */
export async function createExclusive(file: string, data: string, mode: number): Promise<void> {
    const h = await fs.open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    try {
        await h.writeFile(data);
    } finally {
        await h.close();
    }
}

/**
 * Replace `file` atomically: write a fresh, unguessable temporary file next to it (O_EXCL and
 * O_NOFOLLOW, so a planted link is never followed) and rename it over `file`. rename replaces
 * a link at `file` itself rather than writing through it.
 */
export async function replaceFile(file: string, data: string, mode = 0o644): Promise<void> {
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
    await createExclusive(tmp, data, mode);
    try {
        await fs.rename(tmp, file);
    } catch (e) {
        await fs.rm(tmp, { force: true });
        throw e;
    }
}
