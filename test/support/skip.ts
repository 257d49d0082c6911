// A test that cannot run here says why, as a skip; under CI the same reason is a failure.
//
// CI (`.ci/run`, the GitHub workflows) installs every tool the suites use and runs as root, so a
// skip there would hide a broken setup behind a green run. A developer's laptop may lack a tool
// or root: there the test is skipped, and the reason is printed once.
//
//   const NO_TOOL = cannotRun("the known_hosts tests", hasTool("ssh-keygen") ? undefined : "needs ssh-keygen (apt-get install openssh-client)");
//   describe.skipIf(NO_TOOL)(...)            // at collection
//   it("...", (ctx) => skipWhen(ctx, why))   // inside a test, for a reason found at run time
import { spawnSync } from "child_process";

/** The CI environment variable, as GitHub Actions and `.ci/run` set it ("true"); "false" or "0" is not CI. */
export const UNDER_CI = !!process.env.CI && !["false", "0"].includes(process.env.CI);

/**
 * `reason` when `what` cannot run here (printed once), undefined when it can. Under CI it throws,
 * failing the file. `ciMaySkip` says why CI may skip it after all (a tool CI cannot install).
 */
export function cannotRun(what: string, reason: string | undefined, ciMaySkip?: string): string | undefined {
    if (reason === undefined) return undefined;
    if (UNDER_CI && ciMaySkip === undefined)
        throw new Error(`${what} cannot run: ${reason}. CI provides everything the tests need, so a skip there would hide a failure`);
    console.log(`skipping ${what}: ${reason}${ciMaySkip ? ` (allowed under CI: ${ciMaySkip})` : ""}`);
    return reason;
}

/** Inside a running test: skip it with `reason` (the reporter shows it), or fail under CI. */
export function skipWhen(ctx: { skip(note?: string): never }, reason: string | undefined): void {
    if (reason === undefined) return;
    if (UNDER_CI) throw new Error(`cannot run: ${reason}. CI provides everything the tests need, so a skip there would hide a failure`);
    ctx.skip(reason);
}

/** Whether `command` is on PATH. */
export function hasTool(command: string): boolean {
    return spawnSync("sh", ["-c", 'command -v "$1" >/dev/null', "sh", command]).status === 0;
}
