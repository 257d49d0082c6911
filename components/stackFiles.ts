// Per-tenant stack files (`Pulumi.<stack>.yaml`) as Pulumi stores them. No Pulumi import.
//
// Pulumi keeps object config as YAML maps and hands it to programs as JSON text; encrypted
// values appear as `{secure: ...}`. Reading a file here yields the same flat string map the
// program sees, minus secure values (their keys are reported, their contents never read).
import { promises as fs } from "fs";
import * as path from "path";
import YAML from "yaml";

export const STACK_FILE_PATTERN = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;

export interface StackFile {
    readonly stack: string;
    readonly file: string;
    /** Plain values, `namespace:key` -> the string Pulumi hands the program. */
    readonly config: Record<string, string>;
    /** Keys whose values are encrypted in the file. */
    readonly secureKeys: ReadonlySet<string>;
}

export function stackFileName(stack: string): string {
    return `Pulumi.${stack}.yaml`;
}

export async function listStackFiles(projectDir: string): Promise<string[]> {
    const names = await fs.readdir(projectDir);
    return names.filter((n) => STACK_FILE_PATTERN.test(n)).sort().map((n) => path.join(projectDir, n));
}

export async function readStackFile(file: string): Promise<StackFile> {
    const stack = stackNameOf(file);
    const text = await fs.readFile(file, "utf8");
    let doc: unknown;
    try {
        doc = YAML.parse(text) ?? {};
    } catch (e) {
        throw new Error(`${file}: not valid YAML (${(e as Error).message})`);
    }
    const raw = (doc as { config?: unknown }).config ?? {};
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${file}: "config" must be a map`);
    const config: Record<string, string> = {};
    const secureKeys = new Set<string>();
    for (const [key, value] of Object.entries(raw)) {
        if (isSecure(value)) secureKeys.add(key);
        else config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return { stack, file, config, secureKeys };
}

export async function readStackFiles(projectDir: string): Promise<StackFile[]> {
    return Promise.all((await listStackFiles(projectDir)).map(readStackFile));
}

/**
 * Write a new stack file. `config` values are stored as YAML (objects as maps), the way
 * `pulumi config set --path` would. Fails if the file exists unless `overwrite`.
 */
export async function writeStackFile(projectDir: string, stack: string, config: Record<string, unknown>, opts: { overwrite?: boolean; header?: string } = {}): Promise<string> {
    const file = path.join(projectDir, stackFileName(stack));
    const body = (opts.header ? opts.header.replace(/^/gm, "# ") + "\n" : "") + YAML.stringify({ config });
    await fs.writeFile(file, body, { flag: opts.overwrite ? "w" : "wx", mode: 0o644 });
    return file;
}

/**
 * Set config keys in an existing stack file in place: comments, other keys, `secure:` values
 * and `encryptionsalt` stay untouched. Written to a temporary file and renamed, so a reader
 * never sees half a file.
 */
export async function updateStackFile(file: string, config: Record<string, unknown>): Promise<string> {
    const doc = YAML.parseDocument(await fs.readFile(file, "utf8"));
    for (const [key, value] of Object.entries(config)) doc.setIn(["config", key], doc.createNode(value));
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, doc.toString(), { mode: 0o644 });
    await fs.rename(tmp, file);
    return file;
}

/** `.../Pulumi.acme.yaml` -> `acme`. */
export function stackNameOf(file: string): string {
    const stack = STACK_FILE_PATTERN.exec(path.basename(file))?.[1];
    if (!stack) throw new Error(`${file}: not a stack file name (expected Pulumi.<stack>.yaml)`);
    return stack;
}

function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}
