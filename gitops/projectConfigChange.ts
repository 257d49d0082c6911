// Which stacks a change to Pulumi.yaml's `config:` affects: those whose config, as the Pulumi CLI
// merges it (project/projectConfig.ts), differs between the two commits. A release bump affects
// every stack on the fleet's release, not the canary that names its own; a new catalog entry only
// the stacks that name it. Pure: the caller reads the texts from git.
import { applyProjectConfig, goJson, parseProjectConfig, ProjectConfig } from "../project/projectConfig";
import { parseStackText } from "../project/stackFiles";
import { PROJECT_KEYS } from "../components/release";
import { PROXY_STACK } from "../components/proxy/routes";
import YAML from "yaml";

export interface Side {
    readonly project: string | undefined;
    /** A stack file's text at this commit, undefined when absent. */
    stackText(stack: string): string | undefined;
}

/**
 * Stack -> why it is affected, for each of `stacks` whose merged config differs; undefined when
 * the change is not to `config:` alone (or cannot be read), so that Pulumi.yaml stays shared code.
 */
export function projectConfigEffects(before: Side, after: Side, stacks: readonly string[]): Map<string, string> | undefined {
    let projects: [ProjectConfig, ProjectConfig];
    try {
        if (before.project === undefined || after.project === undefined || !sameBesidesConfig(before.project, after.project))
            return undefined;
        projects = [parseProjectConfig(before.project), parseProjectConfig(after.project)];
    } catch {
        return undefined;
    }
    const affected = new Map<string, string>();
    for (const stack of stacks) {
        const [b, a] = [view(projects[0], before.stackText(stack), stack), view(projects[1], after.stackText(stack), stack)];
        if (b === undefined || a === undefined) {
            affected.set(stack, "Pulumi.yaml's config changed, and its stack file cannot be read to tell whether that reaches it");
            continue;
        }
        const changed = [...new Set([...Object.keys(b), ...Object.keys(a)])].filter((k) => b[k] !== a[k]).sort();
        // Another release means other images: its catalog entries need no mention of their own.
        const keys = changed.includes("frontbase:release") ? changed.filter((k) => !k.startsWith("frontbase:releases.")) : changed;
        if (keys.length > 0)
            affected.set(stack, `Pulumi.yaml's config changed what it deploys: ${keys.map((k) => describe(k, b[k], a[k])).join(", ")}`);
    }
    return affected;
}

function sameBesidesConfig(x: string, y: string): boolean {
    const strip = (text: string) => {
        const { config: _, ...rest } = (YAML.parse(text) ?? {}) as Record<string, unknown>;
        return JSON.stringify(rest);
    };
    return strip(x) === strip(y);
}

/** The stack's merged config as its program reads it: of the catalog, only its own release. */
function view(project: ProjectConfig, text: string | undefined, stack: string): Record<string, string> | undefined {
    let own;
    try {
        own = text === undefined ? { config: {}, secureKeys: new Set<string>() } : parseStackText(text, `Pulumi.${stack}.yaml`);
    } catch {
        return undefined;
    }
    const config = applyProjectConfig(project, own.config, new Set([...Object.keys(own.config), ...own.secureKeys])).config;
    if (stack === PROXY_STACK) for (const k of PROJECT_KEYS) delete config[`frontbase:${k}`];
    const catalog = config["frontbase:releases"];
    if (catalog !== undefined) {
        const release = config["frontbase:release"];
        let entry: unknown;
        try {
            entry = release === undefined ? undefined : (JSON.parse(catalog) as Record<string, unknown>)[release];
        } catch {
            entry = catalog; // not JSON: compared as written
        }
        delete config["frontbase:releases"];
        if (entry !== undefined) config[`frontbase:releases.${release}`] = goJson(entry);
    }
    return config;
}

function describe(key: string, before: string | undefined, after: string | undefined): string {
    const short = (v: string | undefined) => (v === undefined ? "unset" : v.length <= 40 ? v : "…");
    return key.startsWith("frontbase:releases.") ? `${key} (its images)` : `${key} (${short(before)} -> ${short(after)})`;
}
