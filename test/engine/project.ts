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
    /** The language host's `--pwd`: Pulumi.yaml's `main` when it is a directory, else the root. */
    readonly programDir: string;
    /** What the runner is asked to load: `.` (package.json decides) or Pulumi.yaml's `main` file. */
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

function programLocation(rootDir: string, main: unknown): { programDir: string; entryPoint: string } {
    if (main === undefined) return { programDir: rootDir, entryPoint: "." };
    if (typeof main !== "string") throw new Error(`${rootDir}/Pulumi.yaml: "main" must be a string`);
    const target = path.resolve(rootDir, main);
    if (existsSync(target) && statSync(target).isDirectory()) return { programDir: target, entryPoint: "." };
    return { programDir: rootDir, entryPoint: main };
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
