// Run before every unit test file (vitest.config.mts setupFiles): the file's environment is
// the suite's, not the shell's, and what it made in the temporary directory goes afterwards.
//
// The variables below change what the project's code does when it reads process.env (the stack
// program, the lock directory, the Docker host, credentials, GitHub's output file). A test that
// wants one sets it itself; none is inherited from the shell, a CI step or GitHub Actions.
import { afterAll } from "vitest";
import { removeTempDirs } from "./temp";

const HOST_VARIABLES = [
    /^FRONTBASE_/,
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

afterAll(removeTempDirs);
