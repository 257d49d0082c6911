// The audit trail: one JSON line per change made through the CLI or the dashboard, appended to
// `audit.log` in the lock directory (project/appendLog.ts: append-only, refused when forged).
// A line says when, who (the Unix user, or the dashboard and which session, by a digest of its
// id), what (the command, the tenant, the flags given, never their values) and how it ended.
// Nothing else goes in: no value, no message, so no secret can.
import { createHash } from "crypto";
import { constants, existsSync, promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { ensureLockDir } from "../ports/lock";
import { appendRecord, readRecords } from "../project/appendLog";
import { defaultTrust, fileProblem, sharedGroupOf, UnsafePathError } from "../project/safeFs";

export interface AuditLine {
    /** ISO time the change ended. */
    readonly time: string;
    /** `alice`, `root (sudo by alice)`, `dashboard session 3f2a9c01b4de`, `dashboard token`. */
    readonly actor: string;
    readonly via: "cli" | "dashboard";
    /** The command (`restore`), or the dashboard's route (`POST /api/v1/tenants/{name}/restart`). */
    readonly command: string;
    readonly tenant: string | null;
    /** The options given, by name only. */
    readonly flags: readonly string[];
    readonly outcome: "ok" | "failed";
    /** The CLI's exit code, or the API's HTTP status. */
    readonly code: number;
}

export function auditFile(lockDir: string): string {
    return path.join(lockDir, "audit.log");
}

/** The Unix user running this process, and who they were before sudo. */
export function unixActor(env: NodeJS.ProcessEnv): string {
    const me = os.userInfo().username;
    return env.SUDO_USER && env.SUDO_USER !== me ? `${me} (sudo by ${env.SUDO_USER})` : me;
}

/** A dashboard session by a digest of its id: the id opens the session, so it is never written. */
export function sessionActor(sessionId: string | undefined): string {
    return sessionId === undefined
        ? "dashboard token"
        : `dashboard session ${createHash("sha256").update(sessionId).digest("hex").slice(0, 12)}`;
}

/**
 * Whether a line could be written now: the lock directory made or sound, the log a regular file
 * only trusted users can write (or none yet). Called before a change, so that a change the trail
 * cannot record is refused rather than made.
 */
export async function checkAuditable(lockDir: string): Promise<void> {
    if (!existsSync(lockDir)) return; // made by the first line written
    await ensureLockDir(lockDir);
    const file = auditFile(lockDir);
    let h: fs.FileHandle;
    try {
        h = await fs.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") return;
        if (code === "ELOOP" || code === "EMLINK") throw new UnsafePathError(file, "is a symbolic link; it must be a regular file");
        throw e;
    }
    try {
        const trust = defaultTrust();
        if (trust.uid < 0) return;
        const problem = fileProblem(await h.stat(), trust, sharedGroupOf(lockDir, await fs.lstat(lockDir), trust));
        if (problem) throw new UnsafePathError(file, problem);
    } finally {
        await h.close();
    }
}

/** Whether the trail exists yet: taken before a change runs, for appendAudit. */
export function trailExists(lockDir: string): boolean {
    return existsSync(auditFile(lockDir));
}

/**
 * Appends the line. A command that fails writes nothing new (the project's rule), so a failure
 * goes into the trail only when the trail was there before the command ran (`hadTrail`): no file
 * and no directory is made just to say that nothing happened. Every success is written.
 */
export async function appendAudit(lockDir: string, line: AuditLine, hadTrail: boolean): Promise<void> {
    if (line.outcome === "failed" && !hadTrail) return;
    await appendRecord(auditFile(lockDir), line);
}

export async function readAudit(
    lockDir: string,
    o: { tenant?: string; since?: number } = {},
): Promise<{ lines: AuditLine[]; skipped: number }> {
    const { records, skipped } = await readRecords<AuditLine>(auditFile(lockDir));
    const lines = records.filter(
        (r) =>
            typeof r.time === "string" &&
            (o.tenant === undefined || r.tenant === o.tenant) &&
            (o.since === undefined || Date.parse(r.time) >= o.since),
    );
    return { lines, skipped };
}
