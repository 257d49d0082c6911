// File I/O that a local user cannot steer: the lock directory, its lock and ledger, and stack
// files. Another account may share the machine, so a path is never trusted to be what its name
// says: directories and files are checked for owner, mode and symlinks, files are opened with
// O_NOFOLLOW, and writes go to a fresh O_EXCL file renamed into place. The judgements
// (`dirProblem`, `fileProblem`) are pure; the rest does the I/O.
//
// Who is trusted (`Trust`): you, root, and the members of a trusted group - root's own group
// (gid 0) and `docker`, whose members control the Docker host (and so the machine) anyway. A
// directory or file that any other user can write, or that is a symbolic link, is refused.
import { randomBytes } from "crypto";
import { closeSync, constants, fstatSync, lstatSync, openSync, promises as fs, readFileSync, readSync, Stats } from "fs";
import * as path from "path";

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_NONBLOCK, O_RDONLY, O_WRONLY } = constants;

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

/** Whose writes are trusted: `uid` (you), root, and the groups in `groups` (gid -> name). */
export interface Trust {
    readonly uid: number;
    readonly groups: ReadonlyMap<number, string>;
}

/** The group whose members share the default lock directory. */
export const SHARED_GROUP = "docker";

/** The gid of `name` in an /etc/group text, or undefined. */
export function groupId(groupFileText: string, name: string): number | undefined {
    for (const line of groupFileText.split("\n")) {
        const [n, , gid] = line.split(":");
        if (n === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
    }
    return undefined;
}

let cachedDockerGid: number | null | undefined;

/** The docker group's gid from /etc/group (read once per process), or undefined when there is none. */
export function dockerGid(): number | undefined {
    if (cachedDockerGid === undefined) {
        let text = "";
        try {
            text = readFileSync("/etc/group", "utf8");
        } catch {
            // no /etc/group (Windows, a bare container): no docker group
        }
        cachedDockerGid = groupId(text, SHARED_GROUP) ?? null;
    }
    return cachedDockerGid ?? undefined;
}

/** You, root, root's group and (when it exists) the docker group. */
export function defaultTrust(uid = myUid()): Trust {
    const docker = dockerGid();
    return {
        uid,
        groups: new Map<number, string>([[0, "root"], ...(docker !== undefined ? [[docker, SHARED_GROUP] as [number, string]] : [])]),
    };
}

type StatLike = Pick<Stats, "uid" | "mode"> &
    Partial<Pick<Stats, "gid">> & { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean };

export function octal(mode: number): string {
    return `0${(mode & 0o7777).toString(8)}`;
}

/** What a lock directory must be, for messages. */
export function expectedDir(trust: Trust): string {
    const shared = [...trust.groups].find(([gid]) => gid !== 0);
    return `a directory owned by you${trust.uid === 0 ? "" : " or root"} that no other user can write (mode 0700)${shared ? `, or that only group ${shared[1]} can write too (mode 2770, group ${shared[1]})` : ""}`;
}

function groupName(gid: number | undefined, trust: Trust): string {
    return gid === undefined ? "its group" : trust.groups.has(gid) ? `group ${trust.groups.get(gid)}` : `group ${gid}`;
}

/** Who besides the owner can write `st`, as (chmod letters, words), or undefined when nobody untrusted can. */
function untrustedWriters(st: StatLike, trust: Trust): { who: string; letters: string } | undefined {
    const world = (st.mode & 0o002) !== 0;
    const group = (st.mode & 0o020) !== 0 && (st.gid === undefined || !trust.groups.has(st.gid));
    if (!world && !group) return undefined;
    const who = [group ? `${groupName(st.gid, trust)} (not a trusted group)` : "", world ? "every user" : ""].filter(Boolean).join(" and ");
    return { who, letters: `${group ? "g" : ""}${world ? "o" : ""}` };
}

function trustedOwner(owner: number, trust: Trust): boolean {
    return owner === trust.uid || owner === 0;
}

/** Why `st` (from lstat of `dir`) is not a directory only trusted users can change, or undefined when it is. */
export function dirProblem(dir: string, st: StatLike, trust: Trust): string | undefined {
    const expected = expectedDir(trust);
    if (st.isSymbolicLink())
        return `is a symbolic link; expected ${expected}. Remove the link, or set FRONTBASE_LOCK_DIR to a directory of yours`;
    if (!st.isDirectory()) return `is not a directory; expected ${expected}`;
    if (!trustedOwner(st.uid, trust))
        return `is owned by uid ${st.uid}, not by you (uid ${trust.uid})${trust.uid === 0 ? "" : " or root"}; expected ${expected}. Remove it, or set FRONTBASE_LOCK_DIR to a directory of yours`;
    const w = untrustedWriters(st, trust);
    if (w) return `has mode ${octal(st.mode)}, writable by ${w.who}; expected ${expected}: chmod ${w.letters}-w ${dir}`;
    return undefined;
}

/**
 * Why `st` (from fstat of a file opened without following links) is not a file only trusted
 * users wrote. `sharedGid`: the group of a directory that group may write (see `sharedGroupOf`);
 * any file of that group there was written by one of its members (or root), so its owner is trusted.
 */
export function fileProblem(st: StatLike, trust: Trust, sharedGid?: number): string | undefined {
    if (!st.isFile()) return "is not a regular file";
    const shared = sharedGid !== undefined && st.gid === sharedGid;
    if (!trustedOwner(st.uid, trust) && !shared) {
        return `is owned by uid ${st.uid}, not by you (uid ${trust.uid})${trust.uid === 0 ? "" : " or root"}${sharedGid !== undefined ? ` or a member of ${groupName(sharedGid, trust)}` : ""}; it may be forged. Remove it`;
    }
    const w = untrustedWriters(st, trust);
    if (w) return `has mode ${octal(st.mode)}, writable by ${w.who}; it may be forged. Remove it`;
    return undefined;
}

/** The group that may write `st` (a sound directory), when it is a trusted group other than root's. */
export function sharedGroupOf(dir: string, st: StatLike, trust: Trust): number | undefined {
    if (dirProblem(dir, st, trust) !== undefined || (st.mode & 0o020) === 0 || st.gid === undefined || st.gid === 0) return undefined;
    return trust.groups.has(st.gid) ? st.gid : undefined;
}

function myUid(): number {
    return process.getuid?.() ?? -1;
}

/** lstat `dir` and refuse it unless only trusted users can change it; ENOENT propagates as is. */
export async function checkTrustedDir(dir: string, trust = defaultTrust()): Promise<Stats> {
    const st = await fs.lstat(dir);
    if (trust.uid < 0) return st; // no uids (Windows)
    const problem = dirProblem(dir, st, trust);
    if (problem) throw new UnsafePathError(dir, problem);
    return st;
}

/** Create `dir` (mode 0700, yours) if missing; refuse one that is a link, foreign or writable by untrusted users. */
export async function ensurePrivateDir(dir: string, trust = defaultTrust()): Promise<Stats> {
    await fs.mkdir(path.dirname(dir), { recursive: true });
    try {
        await fs.mkdir(dir, { mode: 0o700 });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    return checkTrustedDir(dir, trust);
}

/** Open for reading without following a link; a FIFO or device does not block the open. */
function openNoFollow(file: string): number {
    try {
        return openSync(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ELOOP" || code === "EMLINK") throw new UnsafePathError(file, "is a symbolic link; it must be a regular file");
        throw e;
    }
}

export interface ReadOptions {
    /** Refuse larger files without reading them. */
    readonly maxBytes: number;
    /**
     * Also refuse a file that an untrusted user owns or can write (lock and ledger). The file's
     * directory is looked at too: in one shared with a trusted group, its members' files count.
     */
    readonly own?: boolean;
    readonly trust?: Trust;
}

/**
 * Read a regular file (not a link), at most `maxBytes`. ENOENT propagates as is. The I/O is
 * synchronous (a few system calls on a file already known to be regular; the open does not
 * block): as promises, they cost ten times as much, which `ls` with 200 stack files felt.
 */
export async function readFileSafely(file: string, opts: ReadOptions): Promise<string> {
    const fd = openNoFollow(file);
    try {
        const st = fstatSync(fd);
        const trust = opts.trust ?? defaultTrust();
        const problem =
            opts.own && trust.uid >= 0
                ? fileProblem(st, trust, sharedGroupOfParent(file, trust))
                : !st.isFile()
                  ? "is not a regular file"
                  : undefined;
        if (problem) throw new UnsafePathError(file, problem);
        const tooBig = `is ${st.size} bytes; at most ${opts.maxBytes} bytes are allowed`;
        if (st.size > opts.maxBytes) throw new UnsafePathError(file, tooBig);
        const text = readUpTo(fd, st.size, opts.maxBytes + 1);
        if (text.length > opts.maxBytes) throw new UnsafePathError(file, tooBig); // grew while we read
        return text.toString("utf8");
    } finally {
        closeSync(fd);
    }
}

/**
 * The file's bytes from its start, at most `limit`, in a buffer sized by what fstat said (plus
 * one byte to notice growth) rather than by the limit: zero-filling the limit per file was most
 * of the time spent reading 200 stack files.
 */
function readUpTo(fd: number, size: number, limit: number): Buffer {
    const chunks: Buffer[] = [];
    let total = 0;
    let want = Math.min(size + 1, limit);
    while (total < limit) {
        const buf = Buffer.allocUnsafe(want);
        const bytesRead = readSync(fd, buf, 0, want, total);
        if (bytesRead === 0) break;
        chunks.push(buf.subarray(0, bytesRead));
        total += bytesRead;
        want = Math.min(Math.max(want, 64 * 1024), limit - total);
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
}

function sharedGroupOfParent(file: string, trust: Trust): number | undefined {
    const dir = path.dirname(file);
    let st: Stats;
    try {
        st = lstatSync(dir);
    } catch {
        return undefined;
    }
    return sharedGroupOf(dir, st, trust);
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

/**
 * A secret kept in a file only its owner can read (the dashboard's token, the default restic
 * password): its trimmed content, or, when it does not exist and `make` is given, a new one
 * written with mode 0600 (O_EXCL, so a planted link is never followed). A file others can read,
 * or one that is not a regular file, is refused with the fix; `missing` says what to do when
 * there is none and none may be made.
 */
export async function ownerOnlySecret(
    file: string,
    o: { make?: () => string; missing: string; instead: string },
): Promise<{ value: string; created: boolean }> {
    const st = await fs.lstat(file).catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return undefined;
        throw e;
    });
    if (st) {
        if (!st.isFile() || (st.mode & 0o077) !== 0)
            throw new Error(`${file} must be a regular file only its owner can read (chmod 600 ${file}), or ${o.instead}`);
        return { value: (await fs.readFile(file, "utf8")).trim(), created: false };
    }
    if (!o.make) throw new Error(o.missing);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const value = o.make();
    await createExclusive(file, `${value}\n`, 0o600);
    return { value, created: true };
}
