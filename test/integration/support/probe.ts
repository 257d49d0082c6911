// Synchronous probes, so that suites can be skipped at collection time (describe.skipIf) with
// a printed reason instead of failing on a machine without an engine or without the images.
import { spawnSync } from "child_process";
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
    if (reason && (process.env.CI === "true" || process.env.FRONTBASE_REQUIRE_DOCKER === "1")) {
        // CI installs the engine and builds the images first: a skip there would hide a failure.
        throw new Error(`${what} cannot run: ${reason}`);
    }
    if (reason) console.log(`skipping ${what}: ${reason}`);
    return { reason };
}
