// Ports pinned in stack files (`Pulumi.<stack>.yaml`), read leniently: a file whose config
// has a problem elsewhere still pins its ports, and the allocator must not hand them out.
import * as path from "path";
import type { PortRange } from "../components/config";
import { ConfigError, DEFAULT_PORT_RANGES, parseTenantConfig, TenantConfig } from "../components/config";
import { ALL_PORT_KEYS, PortKey } from "../components/naming";
import { readProjectConfig } from "./projectConfig";
import { readStackFile, StackFile, tenantOf, tenantStackFiles } from "./stackFiles";
import type { Ports } from "../ports/allocate";

export interface StackPins {
    readonly file: string;
    readonly stack: string;
    /** `frontbase:tenant`, else the stack name (as the program does). */
    readonly tenant: string;
    readonly ports: Readonly<Partial<Ports>>;
    readonly ranges: Readonly<Record<PortKey, PortRange>>;
    readonly reservedPorts: readonly number[];
    /** The validated config, when the file is valid. */
    readonly config?: TenantConfig;
    /** Why the file is not a valid tenant config (empty when it is). */
    readonly problems: readonly string[];
    /** Plain (non-secret) config values, e.g. for `docker:host`. */
    readonly raw: Readonly<Record<string, string>>;
    /** Keys of `raw` that come from Pulumi.yaml (project config), not from the stack file. */
    readonly fromProject?: ReadonlySet<string>;
    /** Lenient reads only: the file could not be read at all, so its pins are unknown, not none. */
    readonly unreadable?: true;
}

/**
 * Every stack file of a project. A file that is not even YAML is an error (its pins cannot be
 * known, so allocating around it is guesswork) unless `lenient`, as the fleet check wants:
 * then it comes back with no pins and the reason as its problem.
 */
export async function readStackPins(projectDir: string, opts: { lenient?: boolean } = {}): Promise<StackPins[]> {
    const files = await tenantStackFiles(projectDir);
    // Pulumi.yaml once for all files; when it fails, every file's read fails with it, as it would alone.
    const project = readProjectConfig(projectDir);
    project.catch(() => undefined); // awaited by each read; with no file, by none
    const one = async (file: string) => pinsOf(await readStackFile(file, project));
    const read = (file: string) => (opts.lenient ? one(file).catch((e: Error) => unreadable(file, e)) : one(file));
    return Promise.all(files.map(read));
}

function unreadable(file: string, e: Error): StackPins {
    const stack = path.basename(file).replace(/^Pulumi\.|\.yaml$/g, "");
    const message = e.message.startsWith(`${file}: `) ? e.message.slice(file.length + 2) : e.message;
    return {
        file,
        stack,
        tenant: stack,
        ports: {},
        ranges: DEFAULT_PORT_RANGES,
        reservedPorts: [],
        problems: [message],
        raw: {},
        unreadable: true,
    };
}

export async function readOnePins(file: string): Promise<StackPins> {
    return pinsOf(await readStackFile(file));
}

export function pinsOf(f: StackFile): StackPins {
    const base = { file: f.file, stack: f.stack, raw: f.config, ...(f.fromProject ? { fromProject: f.fromProject } : {}) };
    try {
        const config = parseTenantConfig(f.config, { stack: f.stack, secretKeys: f.secureKeys, secure: f.secure });
        return {
            ...base,
            tenant: config.tenant,
            ports: config.ports,
            ranges: config.portRanges,
            reservedPorts: config.reservedPorts,
            config,
            problems: [],
        };
    } catch (e) {
        const problems = e instanceof ConfigError ? e.problems : [(e as Error).message];
        return {
            ...base,
            tenant: tenantOf(f),
            ports: lenientPorts(f.config["frontbase:ports"]),
            ranges: DEFAULT_PORT_RANGES,
            reservedPorts: lenientList(f.config["frontbase:reservedPorts"]),
            problems,
        };
    }
}

function lenientPorts(text: string | undefined): Partial<Ports> {
    const obj = parseJson(text);
    if (typeof obj !== "object" || obj === null) return {};
    const out: Partial<Ports> = {};
    for (const key of ALL_PORT_KEYS) {
        const v = (obj as Record<string, unknown>)[key];
        if (Number.isInteger(v)) out[key] = v as number;
    }
    return out;
}

function lenientList(text: string | undefined): number[] {
    const v = parseJson(text);
    return Array.isArray(v) ? v.filter((x): x is number => Number.isInteger(x)) : [];
}

function parseJson(text: string | undefined): unknown {
    try {
        return text === undefined ? undefined : JSON.parse(text);
    } catch {
        return undefined;
    }
}
