// Run a tenant command in-process, as cli/main does, with its output captured and its whole
// Context chosen by the test: an explicit environment (nothing inherited from the shell), the
// project and lock directories the test names, and a fake machine (fakeEngine.ts) so that ports
// in use on the machine running the tests change nothing.
import { writeFileSync } from "fs";
import * as path from "path";
import type { Context } from "../../tenants/context";
import { createContext } from "../../tenants/context";
import { run } from "../../cli/main";
import { fakeMachine } from "./fakeEngine";
import { tempDir } from "./temp";

export interface CliResult {
    readonly code: number;
    readonly out: string;
    readonly err: string;
}

/** A project directory (with Pulumi.yaml) holding the given stack files. */
export function tempProject(files: Record<string, string> = {}): string {
    const dir = tempDir("project");
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: frontbase\nruntime: nodejs\n");
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
}

/** What every command's environment holds unless the test says otherwise: nothing of the shell's but PATH (commands run git, ssh, id), and a Docker host that does not answer. */
export const BASE_ENV: Readonly<Record<string, string>> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    DOCKER_HOST: "unix:///nonexistent/docker.sock",
};

/**
 * A Context for one command: BASE_ENV with `env` applied (undefined removes), a fake machine and
 * no terminal. The test names the project directory and the lock directory (FRONTBASE_PROJECT_DIR
 * and FRONTBASE_LOCK_DIR, or `given`): none is found from the working directory or the machine's.
 */
export function testContext(
    env: Record<string, string | undefined> = {},
    given: Partial<Context> = {},
): Context & { output(): Omit<CliResult, "code"> } {
    const merged: NodeJS.ProcessEnv = { ...BASE_ENV };
    for (const [k, v] of Object.entries(env)) v === undefined ? delete merged[k] : (merged[k] = v);
    if (!merged.FRONTBASE_PROJECT_DIR && given.projectDir === undefined)
        throw new Error("testContext: name the project directory (FRONTBASE_PROJECT_DIR, or given.projectDir)");
    if (!merged.FRONTBASE_LOCK_DIR && given.lockDir === undefined)
        throw new Error("testContext: name the lock directory (FRONTBASE_LOCK_DIR, or given.lockDir)");
    let out = "";
    let err = "";
    // Like the process's Io: every write ends with a newline.
    const nl = (t: string) => (t.endsWith("\n") ? t : `${t}\n`);
    const ctx = createContext({
        io: { out: (t) => void (out += nl(t)), err: (t) => void (err += nl(t)) },
        env: merged,
        ...fakeMachine(),
        terminal: { interactive: false, ask: async () => "" },
        ...given,
    });
    return { ...ctx, output: () => ({ out, err }) };
}

/** A lock directory for one test: its parent exists, it does not (a command that creates it is seen doing so). */
export function tempLockDir(): string {
    return path.join(tempDir("locks"), "frontbase");
}

/** The environment naming a fresh project (holding `files`) and lock directory, plus `extra`. */
export function tempEnv(files: Record<string, string> = {}, extra: Record<string, string> = {}) {
    return { FRONTBASE_PROJECT_DIR: tempProject(files), FRONTBASE_LOCK_DIR: tempLockDir(), ...extra };
}

export async function tenant(
    argv: string[],
    env: Record<string, string | undefined> = {},
    given: Partial<Context> = {},
): Promise<CliResult> {
    const ctx = testContext(env, given);
    const code = await run(argv, ctx);
    return { code, ...ctx.output() };
}
