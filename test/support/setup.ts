// Run before every unit test file (vitest.config.mts setupFiles): the file's environment is
// the suite's, not the shell's, and what it made in the temporary directory goes afterwards.
//
// The variables below change what the project's code does when it reads process.env (the stack
// program, the lock directory, the Docker host, credentials, GitHub's output file). A test that
// wants one sets it itself; none is inherited from the shell, a CI step or GitHub Actions. Kept:
// FRONTBASE_WRITE_DOC_SAMPLES, which no code reads, only test/unit/docs/samples.test.ts.
import { writeFileSync } from "fs";
import * as path from "path";
import { afterAll } from "vitest";
import { removeTempDirs, tempDir } from "./temp";

const HOST_VARIABLES = [
    /^FRONTBASE_(?!WRITE_DOC_SAMPLES$)/,
    /^DOCKER_/,
    /^PULUMI_/,
    /^GITHUB_OUTPUT$/,
    /^RESTIC_/,
    /^SSH_AUTH_SOCK$/,
    /^DATABASE$/,
    /^DB_PASSWORD$/,
    /^ENCRYPTION_KEY$/,
];

for (const k of Object.keys(process.env)) if (HOST_VARIABLES.some((re) => re.test(k))) delete process.env[k];

// Code that falls back to the process's project and lock directories (the stack program, a host
// scan without a ledger named) finds an empty project and a lock directory of this file's, never
// the checkout's stack files or the host's /var/lib/frontbase. Tests that need others set them.
const project = tempDir("project");
writeFileSync(path.join(project, "Pulumi.yaml"), "name: frontbase\nruntime: nodejs\n");
process.env.FRONTBASE_PROJECT_DIR = project;
process.env.FRONTBASE_LOCK_DIR = path.join(tempDir("locks"), "frontbase");

afterAll(removeTempDirs);
