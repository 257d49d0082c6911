// Run a tenant command in-process, as cli/main does, with its output captured and its whole
// Context chosen by the test: the environment given, and a fake machine (fakeEngine.ts) so that
// ports in use on the machine running the tests change nothing.
import { readdirSync, writeFileSync } from "fs";
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

export function listing(dir: string): string[] {
    return readdirSync(dir).sort();
}

/**
 * A Context for one command: process.env with `env` applied (undefined removes), a fake machine,
 * no terminal, and unless FRONTBASE_LOCK_DIR says otherwise a lock directory of the test
 * process's own (never the machine's, whose ledger would steer what a test sees).
 */
export function testContext(
    env: Record<string, string | undefined> = {},
    given: Partial<Context> = {},
): Context & { output(): Omit<CliResult, "code"> } {
    const merged: NodeJS.ProcessEnv = { ...process.env };
    for (const [k, v] of Object.entries(env)) v === undefined ? delete merged[k] : (merged[k] = v);
    let out = "";
    let err = "";
    // Like the process's Io: every write ends with a newline.
    const nl = (t: string) => (t.endsWith("\n") ? t : `${t}\n`);
    const ctx = createContext({
        io: { out: (t) => void (out += nl(t)), err: (t) => void (err += nl(t)) },
        env: merged,
        ...fakeMachine(),
        ...(merged.FRONTBASE_LOCK_DIR ? {} : { lockDir: path.join(fakeMachine().procRoot, "locks") }),
        terminal: { interactive: false, ask: async () => "" },
        ...given,
    });
    return { ...ctx, output: () => ({ out, err }) };
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
