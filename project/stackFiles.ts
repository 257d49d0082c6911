// Per-tenant stack files (`Pulumi.<stack>.yaml`) as Pulumi stores them. No Pulumi import.
//
// Pulumi keeps object config as YAML maps and hands it to programs as JSON text; encrypted
// values appear as `{secure: ...}`, at the top of a key or anywhere inside it, which makes the
// whole key secret (project/configValues.ts reads every value as Pulumi does). Reading a file
// here yields the same flat string map the program sees, minus secret keys: those are listed,
// and kept with their ciphertexts for whoever holds the passphrase (project/stackSecrets.ts).
//
// A stack file must be a regular file (not a link to /etc/passwd, not a FIFO), at most
// MAX_STACK_FILE_BYTES, and a YAML mapping: anything else is an error naming the file, never
// an empty config that would pass every check.
//
// The project's own config (Pulumi.yaml beside the file: the release, say) is merged in as the
// Pulumi CLI merges it (project/projectConfig.ts), so every reader sees what the program will.
import { promises as fs } from "fs";
import * as path from "path";
import type YAML from "yaml";
import { PROXY_STACK } from "../components/naming";
import { ConfigTree, readConfigMap } from "./configValues";
import { parseYaml, yamlModule } from "./plainYaml";
import { applyProjectConfig, ProjectConfig, readProjectConfig } from "./projectConfig";
import { createExclusive, readFileSafely, replaceFile, UnsafePathError } from "./safeFs";

export const STACK_FILE_PATTERN = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/;
/** A real stack file is a few hundred bytes; this bounds the time and memory a bad one costs. */
export const MAX_STACK_FILE_BYTES = 256 * 1024;

/** The keys of a stack file (pulumi/pulumi sdk/go/common/workspace/project.go, ProjectStack). */
export const STACK_FILE_KEYS = ["secretsprovider", "encryptedkey", "encryptionsalt", "config", "environment", "mainEnvironment"];

export interface StackFile {
    readonly stack: string;
    readonly file: string;
    /** Plain values, `namespace:key` -> the string Pulumi hands the program; Pulumi.yaml's merged in. */
    readonly config: Record<string, string>;
    /** Keys Pulumi holds secret: a ciphertext in the value, at any depth. */
    readonly secureKeys: ReadonlySet<string>;
    /** Those keys' values, ciphertexts in place (configValues.ts configText decrypts one). */
    readonly secure: ReadonlyMap<string, ConfigTree>;
    /** Keys of `config` that come from Pulumi.yaml, not from the stack file. */
    readonly fromProject?: ReadonlySet<string>;
}

export function stackFileName(stack: string): string {
    return `Pulumi.${stack}.yaml`;
}

export async function listStackFiles(projectDir: string): Promise<string[]> {
    const names = await fs.readdir(projectDir);
    return names
        .filter((n) => STACK_FILE_PATTERN.test(n))
        .sort()
        .map((n) => path.join(projectDir, n));
}

/** The stack files of tenants: all but the host's proxy stack's (Pulumi.proxy.yaml), which deploys no tenant. */
export async function tenantStackFiles(projectDir: string): Promise<string[]> {
    return (await listStackFiles(projectDir)).filter((f) => path.basename(f) !== stackFileName(PROXY_STACK));
}

/**
 * `project`: Pulumi.yaml's config as `readProjectConfig(path.dirname(file))` gives it, when the
 * caller reads many files of one project (read once for all, not once per file); its failure
 * fails this read just the same, after the file's own checks.
 */
export async function readStackFile(file: string, project?: Promise<ProjectConfig | undefined>): Promise<StackFile> {
    const stack = stackNameOf(file);
    let text: string;
    try {
        text = await readFileSafely(file, { maxBytes: MAX_STACK_FILE_BYTES });
    } catch (e) {
        if (e instanceof UnsafePathError) throw new Error(`${file}: ${e.problem}`, { cause: e });
        throw e;
    }
    const { config, secureKeys, secure } = parseStackText(text, file);
    const merged = applyProjectConfig(
        await (project ?? readProjectConfig(path.dirname(file))),
        config,
        new Set([...Object.keys(config), ...secureKeys]),
    );
    return { stack, file, config: merged.config, secureKeys, secure, fromProject: merged.fromProject };
}

/** A stack file's own config, from its text (no Pulumi.yaml merged): plain values and the keys of secure ones. */
export function parseStackText(
    text: string,
    file: string,
): { config: Record<string, string>; secureKeys: Set<string>; secure: ReadonlyMap<string, ConfigTree> } {
    let doc: unknown;
    try {
        doc = parseYaml(text) ?? {};
    } catch (e) {
        throw new Error(`${file}: not valid YAML (${(e as Error).message})`, { cause: e });
    }
    if (!isMap(doc)) throw new Error(`${file}: must be a YAML mapping with a "config" key (got ${describeYaml(doc)})`);
    // Pulumi reads these and ignores any other key without a word, so a setting outside
    // `config:` (a misspelled `confg:`, `frontbase:` keys at the top) would silently not apply.
    const stray = Object.keys(doc).filter((k) => !STACK_FILE_KEYS.includes(k));
    if (stray.length > 0)
        throw new Error(
            `${file}: unknown top-level key(s) ${stray.join(", ")}; a stack file holds ${STACK_FILE_KEYS.join(", ")}, and settings go under config: (Pulumi would ignore them there)`,
        );
    const raw = doc.config ?? {};
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new Error(`${file}: "config" must be a map`);
    const { config, secure } = readConfigMap(raw as Record<string, unknown>);
    return { config, secureKeys: new Set(secure.keys()), secure };
}

/**
 * Write a new stack file. `config` values are stored as YAML (objects as maps), the way
 * `pulumi config set --path` would; `edit` adds what else goes into the same write (credentials).
 * Fails if the file exists unless `overwrite`.
 */
export async function writeStackFile(
    projectDir: string,
    stack: string,
    config: Record<string, unknown>,
    opts: { overwrite?: boolean; header?: string; edit?: (doc: YAML.Document) => void } = {},
): Promise<string> {
    const file = path.join(projectDir, stackFileName(stack));
    const doc = new (yamlModule().Document)({ config });
    opts.edit?.(doc);
    const body = (opts.header ? opts.header.replace(/^/gm, "# ") + "\n" : "") + doc.toString();
    // Neither way follows a link planted at the file's name.
    await (opts.overwrite ? replaceFile(file, body, 0o644) : createExclusive(file, body, 0o644));
    return file;
}

/**
 * Set config keys in an existing stack file in place (a key set to `undefined` is removed, as
 * `pulumi config rm` does): comments, other keys, `secure:` values and `encryptionsalt` stay
 * untouched. Written to a temporary file and renamed, so a reader never sees half a file.
 */
export async function updateStackFile(file: string, config: Record<string, unknown>, edit?: (doc: YAML.Document) => void): Promise<string> {
    await readStackFile(file); // the same checks as every read: a regular file, a mapping, not too big
    const doc = yamlModule().parseDocument(await readFileSafely(file, { maxBytes: MAX_STACK_FILE_BYTES }));
    for (const [key, value] of Object.entries(config))
        if (value === undefined) doc.deleteIn(["config", key]);
        else doc.setIn(["config", key], doc.createNode(value));
    edit?.(doc);
    await replaceFile(file, doc.toString(), 0o644);
    return file;
}

/** The tenant a stack file deploys: `frontbase:tenant`, else the stack name (as the program does). */
export function tenantOf(f: Pick<StackFile, "stack" | "config">): string {
    return f.config["frontbase:tenant"] ?? f.stack;
}

/** `.../Pulumi.acme.yaml` -> `acme`. */
export function stackNameOf(file: string): string {
    const stack = STACK_FILE_PATTERN.exec(path.basename(file))?.[1];
    if (!stack) throw new Error(`${file}: not a stack file name (expected Pulumi.<stack>.yaml)`);
    return stack;
}

function isMap(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

function describeYaml(v: unknown): string {
    return Array.isArray(v)
        ? "a list"
        : typeof v === "string"
          ? `the text ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`
          : `${typeof v} ${JSON.stringify(v)}`;
}
