// Run a tenant command in-process, with its output captured and its environment set.
import { readdirSync, writeFileSync } from "fs";
import * as path from "path";
import { main } from "../../../cli/main";
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

/** `env` values replace process.env's for the duration of the command only. */
export async function tenant(argv: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    for (const [k, v] of Object.entries(env)) (v === undefined ? delete process.env[k] : (process.env[k] = v));
    let out = "";
    let err = "";
    try {
        const code = await main(argv, { out: (t) => void (out += t.endsWith("\n") ? t : `${t}\n`), err: (t) => void (err += t.endsWith("\n") ? t : `${t}\n`) });
        return { code, out, err };
    } finally {
        for (const [k, v] of Object.entries(saved)) (v === undefined ? delete process.env[k] : (process.env[k] = v));
    }
}
