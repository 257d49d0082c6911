// Synchronous probes, so that suites can be skipped at collection time (describe.skipIf) with
// a printed reason instead of failing on a machine without an engine or without the images;
// under CI, which has both, the reason is a failure.
import { spawnSync } from "child_process";
import { cannotRun } from "../../support/skip";
import { PROJECT_DIR } from "./projectCopy";

const SCRIPT = `
const Docker = require("dockerode");
const docker = new Docker();
(async () => {
  try { await docker.ping(); } catch (e) { return { problem: "no Docker Engine answers (" + e.message + ")" }; }
  const missing = [];
  for (const name of JSON.parse(process.argv[1])) {
    try { await docker.getImage(name).inspect(); } catch { missing.push(name); }
  }
  return { missing };
})().then((r) => process.stdout.write(JSON.stringify(r)));
`;

export interface Probe {
    /** Why the suite cannot run, or undefined when it can. */
    readonly reason: string | undefined;
}

/** Whether a Docker Engine answers and has `images`; the reason is printed when it does not. */
export function probeDocker(images: readonly string[] = [], what = "suite"): Probe {
    const r = spawnSync(process.execPath, ["-e", SCRIPT, JSON.stringify(images)], { cwd: PROJECT_DIR, encoding: "utf8", timeout: 30_000 });
    let reason: string | undefined;
    if (r.status !== 0 || !r.stdout) reason = `could not probe the Docker Engine: ${r.error?.message ?? r.stderr}`;
    else {
        const out = JSON.parse(r.stdout) as { problem?: string; missing?: string[] };
        if (out.problem) reason = out.problem;
        else if (out.missing && out.missing.length > 0)
            reason = `images missing: ${out.missing.join(", ")} (build them: npm run images:test)`;
    }
    // CI installs the engine and builds the images first: there a reason is a failure (support/skip.ts).
    return { reason: cannotRun(what, reason) };
}
