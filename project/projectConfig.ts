// Project-level config: the `config:` block of Pulumi.yaml, which the Pulumi CLI merges into every
// stack's config before the program sees it. Every reader of stack config here (stack files,
// the engine double) merges it through `applyProjectConfig`, so none can disagree with the engine.
// Pure, apart from `readProjectConfig`.
//
// Modelled on pulumi/pulumi (read at 1b5949891b):
// - sdk/go/common/workspace/loaders.go `LoadProjectBytes`: the schema check (project.json: a config
//   entry is a string, an integer, a boolean, a list, or a declaration {type, description, items,
//   default, value, secret} and nothing else), then `RewriteShorthandConfigValues`, then
//   `Project.Validate`.
// - sdk/go/common/workspace/project.go `RewriteShorthandConfigValues`: a scalar or a list is
//   shorthand, a `default` for a key of the project's namespace and a `value` for any other; a map
//   is never shorthand (it is read as a declaration, so an object value needs `value:`).
// - project.go `Project.Validate`: not both `default` and `value`; a key of another namespace has
//   a `value` and no `type` or `default`.
// - pkg/workspace/config.go `mergeConfig` (behind `ApplyProjectConfig` and
//   `ValidateStackConfigAndApplyProjectConfig`, which `pulumi up`/`preview` call): per key, in key
//   order, a key the stack file sets (plain or secure) wins whole, never merged; otherwise the
//   project's `value` or `default` is set; a key of the project's namespace with neither is missing
//   (an error when validating). `createConfigValue`: a string, integer or boolean as Go's `%v`
//   prints it, anything else as its JSON (Go sorts map keys and escapes <, >, &).
// Not modelled: `type` checks of stack values (this project declares no types), ESC environments.
import * as path from "path";
import { parseYaml } from "./plainYaml";
import { readFileSafely } from "./safeFs";

export interface ProjectConfigEntry {
    /** As written: `release`, `frontbase:release`, `docker:host`. */
    readonly key: string;
    /** Namespaced: `frontbase:release`. */
    readonly fullKey: string;
    readonly value?: unknown;
    readonly default?: unknown;
}

export interface ProjectConfig {
    readonly name: string;
    /** Sorted by key, the order mergeConfig walks them. */
    readonly entries: readonly ProjectConfigEntry[];
}

export interface Applied {
    /** The stack's config with the project's values added where the stack sets none. */
    readonly config: Record<string, string>;
    /** Keys that came from Pulumi.yaml. */
    readonly fromProject: ReadonlySet<string>;
    /** Keys of the project's namespace declared with no value that the stack does not set either. */
    readonly missing: readonly string[];
}

const DECLARATION_KEYS = ["type", "description", "items", "default", "value", "secret"];
export const MAX_PROJECT_FILE_BYTES = 256 * 1024;

/** Pulumi.yaml's name and config, or undefined when the directory has no Pulumi.yaml. */
export async function readProjectConfig(projectDir: string): Promise<ProjectConfig | undefined> {
    const file = path.join(projectDir, "Pulumi.yaml");
    let text: string;
    try {
        text = await readFileSafely(file, { maxBytes: MAX_PROJECT_FILE_BYTES });
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw e;
    }
    return parseProjectConfig(text, file);
}

export function parseProjectConfig(text: string, file = "Pulumi.yaml"): ProjectConfig {
    let doc: unknown;
    try {
        doc = parseYaml(text);
    } catch (e) {
        throw new Error(`${file}: not valid YAML (${(e as Error).message})`, { cause: e });
    }
    if (!isMap(doc) || typeof doc.name !== "string" || doc.name === "") throw new Error(`${file}: "name" is required`);
    const name = doc.name;
    const raw = doc.config;
    // A string is the deprecated spelling of stackConfigDir, not config.
    if (raw === undefined || raw === null || typeof raw === "string") return { name, entries: [] };
    if (!isMap(raw)) throw new Error(`${file}: "config" must be a map of keys to values or declarations`);
    const entries = Object.keys(raw)
        .sort()
        .map((key) => entryOf(file, name, key, raw[key]));
    return { name, entries };
}

function entryOf(file: string, project: string, key: string, v: unknown): ProjectConfigEntry {
    const where = `${file}: config.${key}`;
    const ownNamespace = !key.includes(":") || key.startsWith(`${project}:`);
    const fullKey = key.includes(":") ? key : `${project}:${key}`;
    if (fullKey.split(":").length !== 2) throw new Error(`${where}: a key is <namespace>:<name>, with one colon`);
    if (typeof v === "string" || typeof v === "boolean" || Number.isInteger(v) || Array.isArray(v))
        return ownNamespace ? { key, fullKey, default: v } : { key, fullKey, value: v };
    if (!isMap(v))
        throw new Error(
            `${where}: must be a string, a whole number, true/false, a list, or a map with "value:" (got ${JSON.stringify(v)})`,
        );
    const unknown = Object.keys(v).filter((k) => !DECLARATION_KEYS.includes(k));
    if (unknown.length > 0)
        throw new Error(
            `${where}: a map here is a declaration (${DECLARATION_KEYS.join(", ")}), and ${unknown.join(", ")} is none of those; ` +
                `to give an object as the value, write it under "value:"`,
        );
    const has = (k: string) => v[k] !== undefined && v[k] !== null;
    if (has("default") && has("value")) throw new Error(`${where}: cannot have both a "default" and a "value"`);
    if (!ownNamespace && (has("type") || has("default") || !has("value")))
        throw new Error(`${where}: not in the project's namespace (${project}), so it takes only a "value"`);
    return { key, fullKey, ...(has("value") ? { value: v.value } : {}), ...(has("default") ? { default: v.default } : {}) };
}

/**
 * `stackConfig`: the stack file's plain values (`namespace:key` -> text); `stackKeys`: every key it
 * sets, secure ones included (a secure value wins over the project's just the same).
 */
export function applyProjectConfig(
    project: ProjectConfig | undefined,
    stackConfig: Readonly<Record<string, string>>,
    stackKeys: ReadonlySet<string> = new Set(Object.keys(stackConfig)),
): Applied {
    const config: Record<string, string> = { ...stackConfig };
    const fromProject = new Set<string>();
    const missing: string[] = [];
    for (const e of project?.entries ?? []) {
        const [namespace, name] = e.fullKey.split(":");
        const top = `${namespace}:${name.split(".")[0]}`;
        // Get(key, path=true): a dotted name looks inside the stack's object.
        if (stackKeys.has(e.fullKey) || (name.includes(".") && hasPath(config[top], name.split(".").slice(1)))) continue;
        const v = e.default ?? e.value;
        if (v === undefined || v === null) {
            if (namespace === project!.name) missing.push(e.key);
            continue;
        }
        if (name.includes(".")) config[top] = goJson(setPath(parse(config[top]), name.split(".").slice(1), v));
        else config[e.fullKey] = typeof v === "string" || typeof v === "boolean" || typeof v === "number" ? String(v) : goJson(v);
        fromProject.add(name.includes(".") ? top : e.fullKey);
    }
    return { config, fromProject, missing };
}

/** JSON as Go's encoding/json writes it: map keys sorted, <, > and & escaped. */
export function goJson(v: unknown): string {
    const sorted = (x: unknown): unknown =>
        Array.isArray(x)
            ? x.map(sorted)
            : isMap(x)
              ? Object.fromEntries(
                    Object.keys(x)
                        .sort()
                        .map((k) => [k, sorted(x[k])]),
                )
              : x;
    return JSON.stringify(sorted(v)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function parse(text: string | undefined): unknown {
    try {
        return text === undefined ? undefined : JSON.parse(text);
    } catch {
        return undefined;
    }
}

function hasPath(text: string | undefined, names: readonly string[]): boolean {
    let at: unknown = parse(text);
    for (const n of names) {
        if (!isMap(at) || !(n in at)) return false;
        at = at[n];
    }
    return true;
}

function setPath(root: unknown, names: readonly string[], v: unknown): Record<string, unknown> {
    const top: Record<string, unknown> = isMap(root) ? { ...root } : {};
    let at = top;
    names.forEach((n, i) => {
        if (i === names.length - 1) at[n] = v;
        else at = at[n] = isMap(at[n]) ? { ...(at[n] as Record<string, unknown>) } : {};
    });
    return top;
}

function isMap(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}
