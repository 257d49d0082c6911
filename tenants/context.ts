// Everything an operation learns from outside its arguments, in one object built once by the
// entry (cli/main.ts for the commands, cli/dashboard.ts for the dashboard) and passed down:
// output, environment, the project and lock directories, the Docker host, this machine's socket
// table and bind check, the clock, the terminal and the Pulumi CLI. No command or operation reads
// process.env, the working directory or /proc by itself, so a test that builds its own Context
// decides everything it sees.
import { spawn } from "child_process";
import * as readline from "readline";
import { connectEngine, Engine, resolveDockerHost } from "../docker/dockerHost";
import { bindCheck, BindChecker } from "../ports/bindCheck";
import { hostFiles, lockDir } from "../ports/lock";
import { findProjectDir } from "../project/project";
import { describePulumi, findPulumi } from "../scripts/pulumi-cli";

export interface Io {
    out(text: string): void;
    err(text: string): void;
}

export interface Terminal {
    /** Whether a person can answer a question (stdin is a TTY). */
    readonly interactive: boolean;
    ask(question: string): Promise<string>;
}

export interface PulumiRunOptions {
    /** Receives the CLI's output instead of the terminal (a rollout keeps it in its log); stdin is then closed. */
    readonly output?: (chunk: string) => void;
}

/** Runs `pulumi <args>` (`verify --repair`, `rollout`), resolving to its exit code. */
export type PulumiRunner = (args: readonly string[], opts?: PulumiRunOptions) => Promise<number>;

export interface Context {
    readonly io: Io;
    readonly env: NodeJS.ProcessEnv;
    /** Where the stack files are: FRONTBASE_PROJECT_DIR, else the nearest Pulumi.yaml upwards, else the current directory. */
    readonly projectDir: string;
    /** Why there is no project (no Pulumi.yaml found); commands that write or judge stack files refuse then. */
    readonly projectMissing?: string;
    /** Overrides every other source of the Docker host (`docker:host`, DOCKER_HOST). */
    readonly dockerHost?: string;
    /** The port allocation lock and ledger (ports/lock.ts). */
    readonly lockDir: string;
    /** This machine's /proc: its socket table tells which ports a local Docker host has in use. */
    readonly procRoot: string;
    /** This machine's cgroup tree (/sys/fs/cgroup): what a local Docker host's containers use (monitor/cgroups.ts). */
    readonly cgroupRoot: string;
    /** Binds chosen ports on this machine before they are handed out. */
    readonly bindCheck: BindChecker;
    readonly now: () => number;
    readonly sleep: (ms: number) => Promise<void>;
    readonly terminal: Terminal;
    readonly pulumi: PulumiRunner;
}

/** The process's context; `given` replaces any part (tests give a project, a fake Engine, a fake /proc). */
export function createContext(given: Partial<Context> = {}): Context {
    const env = given.env ?? process.env;
    const project = given.projectDir === undefined ? projectOf(process.cwd(), env) : { projectDir: given.projectDir };
    const io = given.io ?? processIo();
    return {
        io,
        env,
        ...project,
        lockDir: lockDir(env),
        procRoot: "/proc",
        cgroupRoot: "/sys/fs/cgroup",
        bindCheck,
        now: Date.now,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        terminal: processTerminal(),
        pulumi: pulumiCli(env, io),
        ...given,
    };
}

/** The project directory, or the reason there is none (`new`, `ls` and `check` need one). */
export function requireProject(ctx: Context): string {
    if (ctx.projectMissing) throw new Error(ctx.projectMissing);
    return ctx.projectDir;
}

/** The Docker host of a stack (its `docker:host`), or of the shell when no stack is involved. */
export function dockerHostFor(ctx: Context, stackConfig: Readonly<Record<string, string>> = {}): string {
    return resolveDockerHost(ctx.dockerHost, stackConfig, ctx.env);
}

/** An Engine client for that host, checked to answer (a dead daemon is a clear error). */
export function connect(ctx: Context, stackConfig?: Readonly<Record<string, string>>): Promise<Engine> {
    return connectEngine(dockerHostFor(ctx, stackConfig), ctx.env);
}

/** The ledger of a Docker host's allocations, next to its lock. */
export function ledgerFile(ctx: Context, dockerHost: string): string {
    return hostFiles(dockerHost, ctx.lockDir).ledger;
}

function projectOf(cwd: string, env: NodeJS.ProcessEnv): { projectDir: string; projectMissing?: string } {
    try {
        return { projectDir: findProjectDir(cwd, env) };
    } catch (e) {
        // Outside any project, the current directory (no stack files): `status` and `why-port` still answer.
        return { projectDir: cwd, projectMissing: (e as Error).message };
    }
}

export function processIo(): Io {
    const line = (t: string) => (t.endsWith("\n") ? t : `${t}\n`);
    return { out: (t) => void process.stdout.write(line(t)), err: (t) => void process.stderr.write(line(t)) };
}

export function processTerminal(): Terminal {
    return {
        interactive: process.stdin.isTTY === true,
        ask: (question) =>
            new Promise((resolve) => {
                const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
                rl.question(question, (answer) => {
                    rl.close();
                    resolve(answer);
                });
            }),
    };
}

/**
 * The Pulumi CLI that scripts/pulumi-cli.js finds (an installed one before the npm package's
 * download wrapper), saying on stderr which one runs; exit 1 when there is none.
 */
export function pulumiCli(env: NodeJS.ProcessEnv, io: Io): PulumiRunner {
    return (args, opts = {}) => {
        const found = findPulumi({ env });
        if (!found) {
            io.err("pulumi: no Pulumi CLI on PATH or in ~/.pulumi/bin, and no node_modules/.bin/pulumi (npm ci installs it)");
            return Promise.resolve(1);
        }
        (opts.output ?? io.err)(`pulumi: running ${describePulumi(found)}${opts.output ? "\n" : ""}`);
        return new Promise((resolve, reject) => {
            const child = spawn(found.bin, args, { stdio: opts.output ? ["ignore", "pipe", "pipe"] : "inherit", env });
            for (const stream of [child.stdout, child.stderr]) stream?.on("data", (b: Buffer) => opts.output?.(b.toString("utf8")));
            child.on("error", reject);
            child.on("exit", (code) => resolve(code ?? 1));
        });
    };
}
