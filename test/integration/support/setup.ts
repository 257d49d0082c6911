// Run before every integration test file (vitest.integration.config.mts setupFiles).
//
// The program a test deploys runs in a child process (the engine double's runner, or the real
// Pulumi CLI) that inherits this environment, and reads its lock directory and ledger from
// FRONTBASE_LOCK_DIR as under `pulumi up`. Without one it would read the host's
// /var/lib/frontbase, where another checkout's pins make a deploy fail ("8082 is already taken
// by tenant ...'s stack file"). So each file gets a private lock directory; a test that allocates
// with its own sets FRONTBASE_LOCK_DIR to it, so that allocation and deploy see one ledger.
// Nothing else of the shell's that steers the project's code is inherited: no FRONTBASE_*, no
// passphrase, no GitHub output file. DOCKER_HOST stays: it names the Engine the suite runs on.
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { afterAll } from "vitest";
import { removeTempDirs } from "../../support/temp";

for (const k of Object.keys(process.env))
    if (/^FRONTBASE_/.test(k) || /^PULUMI_CONFIG_PASSPHRASE/.test(k) || k === "GITHUB_OUTPUT") delete process.env[k];

const lockDir = mkdtempSync(path.join(tmpdir(), "frontbase-it-locks-"));
process.env.FRONTBASE_LOCK_DIR = lockDir;

afterAll(() => {
    rmSync(lockDir, { recursive: true, force: true });
    removeTempDirs();
});
