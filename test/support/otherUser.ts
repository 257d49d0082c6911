// A real unprivileged user for the hostile tests: `nobody` (uid 65534), reached by running a
// child process with its uid and gid. Only root can switch users, so these rows need root
// (as `.ci/run` and this project's sandbox run); elsewhere they are skipped, with the reason,
// and under CI (which runs as root) that is a failure (skip.ts).
import { execFileSync } from "child_process";
import { chmodSync } from "fs";
import { cannotRun } from "./skip";
import { tempDir } from "./temp";

export const OTHER_UID = 65534;
export const IS_ROOT = process.getuid?.() === 0;
export const NEEDS_ROOT = "needs root, to act as a second, unprivileged user (uid 65534)";
/** For `it.skipIf(NOT_ROOT)`: why this process cannot run the rows that need root, or undefined. */
export const NOT_ROOT = cannotRun("the rows that act as a second user", IS_ROOT ? undefined : NEEDS_ROOT);

/** Run a Node script as the other user; `args` are in process.argv.slice(1). */
export function asOtherUser(script: string, ...args: string[]): string {
    return execFileSync(process.execPath, ["-e", script, ...args], { uid: OTHER_UID, gid: OTHER_UID, encoding: "utf8" });
}

/** A directory like /tmp: world-writable with the sticky bit. */
export function stickyDir(prefix: string): string {
    const dir = tempDir(prefix);
    chmodSync(dir, 0o1777);
    return dir;
}
