// Start @pulumi/pulumi's own program runner exactly as the Node language host does.
//
// The host (pulumi/pulumi v3.259 sdk/nodejs/cmd/pulumi-language-nodejs/main.go: execRuntime,
// constructArguments) runs, in the program directory (pkg/host/host.go starts the language host
// there: NewLanguageRuntime(..., ctx.Pwd), which pkg/engine/project.go getPwdMain computed),
//   node [nodeargs, split by shlex] <run path> --monitor A --engine A [--sync DIR]
//        --organization O --project P --root-directory ROOT --stack S --pwd PROGRAM_DIR
//        [--dry-run] --parallel N [--tracing URL] <entry point> [args]
// with PULUMI_CONFIG (keys as `ns:config:key`), PULUMI_CONFIG_SECRET_KEYS, and
// PULUMI_NODEJS_TYPESCRIPT / PULUMI_NODEJS_TSCONFIG_PATH from Pulumi.yaml's runtime options.
// Every flag is passed only when non-empty (maybeAppendArg). `--query-mode` is gone (v3.161).
// `--sync` is left out: it names FIFOs for synchronous invokes that nothing in SDK 3.248 opens;
// `--tracing`, only with a tracing endpoint, which the double has none of.
import { spawn } from "child_process";
import { ProjectInfo, runnerConfig } from "./project";

/** The runner's exit code after it has already reported the error through Engine.Log. */
export const EXIT_ERROR_LOGGED = 32;

export interface RunnerArgs {
    readonly project: ProjectInfo;
    readonly stack: string;
    readonly organization: string;
    readonly monitorAddress: string;
    readonly engineAddress: string;
    readonly dryRun: boolean;
    readonly config: Readonly<Record<string, string>>;
    readonly secretKeys: readonly string[];
    readonly parallel?: number;
    /** Milliseconds before the runner is killed; `pulumi up` has no such limit, tests do. */
    readonly timeoutMs?: number;
    readonly onOutput?: (stream: "stdout" | "stderr", text: string) => void;
}

export interface RunnerResult {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly stdout: string;
    readonly stderr: string;
    readonly ms: number;
    readonly timedOut: boolean;
}

/** `@pulumi/pulumi/cmd/run` as node resolves it from the program directory (as the host does). */
export function resolveRunPath(programDir: string): string {
    try {
        return require.resolve("@pulumi/pulumi/cmd/run", { paths: [programDir] });
    } catch {
        throw new Error(`${programDir}: @pulumi/pulumi is not installed there ("It looks like the Pulumi SDK has not been installed")`);
    }
}

export function runnerCommand(a: RunnerArgs): { args: string[]; env: NodeJS.ProcessEnv } {
    const { project } = a;
    const args = [
        ...splitNodeArgs(project.nodeargs),
        resolveRunPath(project.programDir),
        "--monitor",
        a.monitorAddress,
        "--engine",
        a.engineAddress,
        "--organization",
        a.organization,
        "--project",
        project.name,
        "--root-directory",
        project.rootDir,
        "--stack",
        a.stack,
        "--pwd",
        project.programDir,
        ...(a.dryRun ? ["--dry-run"] : []),
        "--parallel",
        String(a.parallel ?? 16),
        project.entryPoint,
    ];
    const env: NodeJS.ProcessEnv = {
        ...inheritedEnv(),
        PULUMI_CONFIG: JSON.stringify(runnerConfig(a.config)),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(a.secretKeys),
    };
    if (project.typescript) env.PULUMI_NODEJS_TYPESCRIPT = "true";
    if (project.tsconfig) env.PULUMI_NODEJS_TSCONFIG_PATH = project.tsconfig;
    return { args, env };
}

/**
 * The caller's environment minus what would make the runner behave unlike under `pulumi up`:
 * ts-node settings of a harness started with ts-node (TS_NODE_TRANSPILE_ONLY would skip the
 * type check the runner does), runner settings left over from an enclosing Pulumi run, and
 * what vitest sets for its own workers (VITEST*, and NODE_ENV=test).
 */
function inheritedEnv(): NodeJS.ProcessEnv {
    const underVitest = process.env.VITEST !== undefined;
    const dropped = (k: string) =>
        k.startsWith("TS_NODE_") ||
        k.startsWith("PULUMI_NODEJS_") ||
        k === "PULUMI_CONFIG" ||
        k === "PULUMI_CONFIG_SECRET_KEYS" ||
        (underVitest && (k.startsWith("VITEST") || k === "NODE_ENV"));
    return Object.fromEntries(Object.entries(process.env).filter(([k]) => !dropped(k)));
}

/**
 * `nodeargs` split as the host splits it: github.com/google/shlex Split at e7afc7fbc510 (the
 * version pulumi/pulumi's sdk/go.mod pins), its Tokenizer.scanStream. Words end at a blank
 * (space, tab, CR, LF) outside quotes; '...' keeps everything; "..." keeps everything, a
 * backslash in it escaping any next character; a bare backslash escapes the next character; a
 * `#` that starts a word comments out the rest of its line. An unterminated quote or a final
 * backslash is an error (the host then fails the run).
 */
export function splitNodeArgs(nodeargs: string | undefined): string[] {
    const text = nodeargs ?? "";
    const words: string[] = [];
    let word: string | undefined;
    let quote: "'" | '"' | undefined;
    for (let i = 0; i < text.length; i++) {
        const c = text[i];
        if (quote === "'") {
            if (c === "'") quote = undefined;
            else word += c;
        } else if (quote === '"') {
            if (c === '"') quote = undefined;
            else if (c !== "\\") word += c;
            else if (++i < text.length) word += text[i];
            else throw new Error(`nodeargs ${JSON.stringify(text)}: EOF found after escape character`);
        } else if (" \t\r\n".includes(c)) {
            if (word !== undefined) words.push(word);
            word = undefined;
        } else if (c === "#" && word === undefined) {
            const eol = text.indexOf("\n", i);
            i = eol < 0 ? text.length : eol;
        } else if (c === "'" || c === '"') {
            quote = c;
            word ??= "";
        } else if (c === "\\") {
            if (++i >= text.length) throw new Error(`nodeargs ${JSON.stringify(text)}: EOF found after escape character`);
            word = (word ?? "") + text[i];
        } else {
            word = (word ?? "") + c;
        }
    }
    if (quote) throw new Error(`nodeargs ${JSON.stringify(text)}: EOF found when expecting closing quote`);
    if (word !== undefined) words.push(word);
    return words;
}

export function runRunner(a: RunnerArgs): Promise<RunnerResult> {
    const { args, env } = runnerCommand(a);
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: a.project.programDir, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        let timedOut = false;
        child.stdout.setEncoding("utf8").on("data", (t: string) => {
            stdout += t;
            a.onOutput?.("stdout", t);
        });
        child.stderr.setEncoding("utf8").on("data", (t: string) => {
            stderr += t;
            a.onOutput?.("stderr", t);
        });
        const timer = a.timeoutMs
            ? setTimeout(() => {
                  timedOut = true;
                  child.kill("SIGKILL");
              }, a.timeoutMs)
            : undefined;
        child.on("error", (e) => {
            if (timer) clearTimeout(timer);
            reject(new Error(`could not start the runner (${process.execPath}): ${e.message}`));
        });
        child.on("close", (code, signal) => {
            if (timer) clearTimeout(timer);
            resolve({ code, signal, stdout, stderr, ms: Date.now() - started, timedOut });
        });
    });
}
