// A rollout's progress, in a file of its own beside the port locks (never in a stack): its plan,
// each stack's last outcome, and the backups taken before each stack's first upgrade to a target.
// One rollout of a project at a time on a machine: a lock with the port lock's rules
// (ports/lock.ts: exclusive create, owner and mode checks, no symbolic link followed), kept alive
// while the rollout runs. The file is read with the same checks and replaced atomically.
import { constants, promises as fs } from "fs";
import * as path from "path";
import { acquireLock, ensureLockDir, LockTimeoutError } from "../../ports/lock";
import { readFileSafely, replaceFile } from "../../project/safeFs";
import type { Outcome } from "./rolloutPlan";

const MAX_PROGRESS_BYTES = 1024 * 1024;

export interface StackRecord {
    /** The last run's outcome for this stack, and what it was rolled to. */
    readonly outcome?: Outcome;
    readonly target?: string;
    /** Target key (its images) -> the restic snapshot taken before the first upgrade to it. */
    readonly backups?: Readonly<Record<string, string>>;
}

export interface Progress {
    readonly version: 1;
    /** The selection, in plan order, and its waves. */
    readonly stacks: readonly string[];
    readonly waves: readonly (readonly string[])[];
    /** The command that resumes it. */
    readonly command: string;
    readonly startedAt: string;
    readonly updatedAt: string;
    readonly records: Readonly<Record<string, StackRecord>>;
}

export interface RolloutFiles {
    readonly lock: string;
    readonly progress: string;
    /** Every `pulumi up`'s output, each line prefixed by its stack. */
    readonly log: string;
}

export function rolloutFiles(lockDir: string, project: string): RolloutFiles {
    const base = path.join(lockDir, `rollout-${project.replace(/[^A-Za-z0-9._-]/g, "-")}`);
    return { lock: `${base}.lock`, progress: `${base}.json`, log: `${base}.log` };
}

export class RolloutBusyError extends Error {}

/** Take the project's rollout lock at once, or say who holds it. */
export async function lockRollout(files: RolloutFiles, what: string): Promise<() => Promise<void>> {
    await ensureLockDir(path.dirname(files.lock));
    try {
        return await acquireLock(files.lock, { timeoutMs: 0, what, name: "the rollout lock", keepAliveMs: 60_000 });
    } catch (e) {
        if (!(e instanceof LockTimeoutError)) throw e;
        throw new RolloutBusyError(
            `another rollout of this project is running: ${e.holder}. Wait for it to finish; if that process is gone, remove ${files.lock}`,
            { cause: e },
        );
    }
}

/** The progress file, or undefined when there is none; one that is not ours or not a progress file is refused. */
export async function readProgress(files: RolloutFiles): Promise<Progress | undefined> {
    let text: string;
    try {
        text = await readFileSafely(files.progress, { maxBytes: MAX_PROGRESS_BYTES, own: true });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw new Error(`refusing the rollout's progress file: ${(e as Error).message}`, { cause: e });
    }
    let p: Progress;
    try {
        p = JSON.parse(text) as Progress;
    } catch {
        throw new Error(`${files.progress} is not valid JSON; remove it to start afresh`);
    }
    if (p?.version !== 1 || !Array.isArray(p.stacks) || !Array.isArray(p.waves) || typeof p.records !== "object" || p.records === null)
        throw new Error(`${files.progress} is not a rollout progress file (version 1); remove it to start afresh`);
    return p;
}

export async function writeProgress(files: RolloutFiles, p: Progress): Promise<void> {
    await replaceFile(files.progress, `${JSON.stringify(p, null, 2)}\n`, 0o644);
}

/** The log of this run, truncated: opened without following a link planted at its name. */
export async function openLog(files: RolloutFiles): Promise<fs.FileHandle> {
    const { O_WRONLY, O_CREAT, O_TRUNC, O_NOFOLLOW } = constants;
    return fs.open(files.log, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o644);
}
