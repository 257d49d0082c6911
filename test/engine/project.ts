// The project as `pulumi up` sees it: Pulumi.yaml's name, runtime options and `main`.
//
// Mirrors what the CLI hands the Node language host (ProgramInfo: program directory, entry
// point, runtime options), so that the runner is started on the same inputs.
import { existsSync, readFileSync, statSync } from "fs";
import * as path from "path";
import YAML from "yaml";

export interface ProjectInfo {
    readonly name: string;
    /** Directory holding Pulumi.yaml. */
    readonly rootDir: string;
    /** The program directory (the runner's `--pwd` and working directory): the root, `main` when it is a directory, else `main`'s directory. */
    readonly programDir: string;
    /** What the runner is asked to load, relative to the program directory: `.` (package.json decides), or `main`'s file name. */
    readonly entryPoint: string;
    /** `runtime.options.typescript` (the language host's default is true). */
    readonly typescript: boolean;
    readonly tsconfig?: string;
    readonly nodeargs?: string;
}

export function readProject(rootDir: string): ProjectInfo {
    const file = path.join(rootDir, "Pulumi.yaml");
    if (!existsSync(file)) throw new Error(`${rootDir}: no Pulumi.yaml (not a Pulumi project directory)`);
    const doc = (YAML.parse(readFileSync(file, "utf8")) ?? {}) as Record<string, unknown>;
    if (typeof doc.name !== "string" || doc.name === "") throw new Error(`${file}: "name" is required`);
    const runtime = doc.runtime;
    const runtimeName = typeof runtime === "string" ? runtime : (runtime as { name?: unknown } | undefined)?.name;
    if (runtimeName !== "nodejs") throw new Error(`${file}: runtime must be nodejs (got ${JSON.stringify(runtimeName)})`);
    const options = (
        typeof runtime === "object" && runtime !== null ? ((runtime as { options?: Record<string, unknown> }).options ?? {}) : {}
    ) as Record<string, unknown>;
    const { programDir, entryPoint } = programLocation(rootDir, doc.main);
    return {
        name: doc.name,
        rootDir,
        programDir,
        entryPoint,
        // The Node language host treats a missing `typescript` option as true.
        typescript: options.typescript !== false,
        tsconfig: typeof options.tsconfig === "string" ? options.tsconfig : undefined,
        nodeargs: typeof options.nodeargs === "string" ? options.nodeargs : undefined,
    };
}

/**
 * Where the program runs, as pulumi/pulumi `pkg/engine/project.go` getPwdMain decides (v3.259):
 * no `main`, the root and `.`; a directory, that directory and `.`; a file, its directory and
 * its bare name. So `main: scripts/x.js` makes `scripts/` the program directory, where the
 * language host's plugin scan (GetRequiredPackages) then starts.
 */
function programLocation(rootDir: string, main: unknown): { programDir: string; entryPoint: string } {
    if (main === undefined || main === "") return { programDir: rootDir, entryPoint: "." };
    if (typeof main !== "string") throw new Error(`${rootDir}/Pulumi.yaml: "main" must be a string`);
    const target = path.resolve(rootDir, main);
    if (!existsSync(target)) throw new Error(`project 'main' could not be read: ${target} does not exist`);
    if (statSync(target).isDirectory()) return { programDir: target, entryPoint: "." };
    return { programDir: path.dirname(target), entryPoint: path.basename(target) };
}

/** Pulumi's config keys for the runner: `frontbase:tenant` -> `frontbase:config:tenant`. */
export function runnerConfig(config: Readonly<Record<string, string>>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        const i = key.indexOf(":");
        if (i <= 0) throw new Error(`config key ${JSON.stringify(key)} must be namespaced (e.g. frontbase:${key})`);
        out[`${key.slice(0, i)}:config:${key.slice(i + 1)}`] = value;
    }
    return out;
}
