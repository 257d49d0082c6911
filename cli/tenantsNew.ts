// `tenant new`: allocate a new tenant's ports under the host's lock and pin them, with its
// settings, in Pulumi.<name>.yaml; then generate the tenant's credentials into the same file as
// Pulumi `secure:` values (project/stackSecrets.ts says why there and not in state).
import { existsSync } from "fs";
import * as path from "path";
import { DEFAULT_MAX_RETRIES, DEFAULT_PORT_RANGES, NAMESPACE } from "../components/config";
import { dockerClient, pingDocker, resolveDockerHost } from "../docker/dockerHost";
import { stackFileName, updateStackFile, writeStackFile } from "../project/stackFiles";
import type { Ports } from "../ports/allocate";
import type { HostState } from "../ports/hostState";
import { resolvePorts, Resolution } from "../ports/resolve";
import { findProjectDir, readOnePins, StackPins } from "../project/stackPins";
import { ensureCredentials, EnsureResult } from "../project/stackSecrets";

export interface NewOptions {
    readonly name: string;
    readonly database?: "sqlite" | "postgres";
    readonly maxRetries?: number;
    readonly dryRun: boolean;
    readonly force: boolean;
    /** Progress and waiting messages (stderr). */
    readonly log: (message: string) => void;
    /** Where the Pulumi passphrase comes from (default: process.env). */
    readonly env?: NodeJS.ProcessEnv;
}

export interface NewResult extends Resolution {
    readonly tenant: string;
    readonly database: "sqlite" | "postgres";
    readonly publicHost: string;
    readonly ranges: StackPins["ranges"];
    readonly existed: boolean;
    /** What became of the credentials (undefined in a dry run). */
    readonly credentials?: EnsureResult;
}

export async function newTenant(o: NewOptions): Promise<NewResult> {
    const projectDir = findProjectDir();
    const file = path.join(projectDir, stackFileName(o.name));
    const existed = existsSync(file);
    if (existed && !o.force && !o.dryRun) throw new Error(`${file} already exists; pass --force to re-pin tenant ${o.name}'s ports (its other settings are kept)`);
    // Re-running for an existing stack keeps its settings, and its pins count as its own.
    const current = existed ? await readOnePins(file) : undefined;
    // Its settings (ranges, reserved ports, bind address) steer the allocation: an invalid file
    // would silently fall back to the defaults, so it is refused before anything is read or written.
    if (current && current.problems.length > 0) {
        throw new Error(`${file} is not a valid stack file, so its settings cannot be kept; fix it first (npm run tenant -- check):\n${current.problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    const cfg = current?.config;
    const dockerHost = resolveDockerHost(undefined, current?.raw ?? {});
    const docker = dockerClient(dockerHost);
    await pingDocker(docker, dockerHost);
    const database = o.database ?? cfg?.database ?? "sqlite";
    const resolution = await resolvePorts({
        tenant: o.name,
        dockerHost,
        docker,
        projectDir,
        ranges: cfg?.portRanges ?? DEFAULT_PORT_RANGES,
        reservedPorts: cfg?.reservedPorts ?? [],
        maxRetries: o.maxRetries ?? cfg?.maxRetries ?? DEFAULT_MAX_RETRIES,
        bindAddress: cfg?.bindAddress ?? "0.0.0.0",
        dryRun: o.dryRun,
        by: "tenant new",
        log: o.log,
        commit: async (ports, state) => {
            refuseExisting(o, file, state);
            const settings = { tenant: o.name, database: o.database ?? (existed ? undefined : database), ports, maxRetries: o.maxRetries };
            return existed ? updateStackFile(file, qualify(settings)) : writeStackFile(projectDir, o.name, qualify(settings), { header: header(o.name) });
        },
    });
    const credentials = o.dryRun ? undefined : await ensureCredentials(file, database, o.env ?? process.env);
    return { ...resolution, tenant: o.name, database, publicHost: cfg?.publicHost ?? "localhost", ranges: cfg?.portRanges ?? DEFAULT_PORT_RANGES, existed, credentials };
}

/** Under the lock, so two `new` of one name cannot both pass: the tenant may exist elsewhere. */
function refuseExisting(o: NewOptions, file: string, state: HostState): void {
    if (o.force) return;
    const other = state.stackFiles.find((f) => f.tenant === o.name && f.file !== file);
    if (other) throw new Error(`tenant ${o.name} already exists: ${other.file} sets frontbase:tenant to it; pass --force to pin its ports in ${file} as well`);
    const containers = state.containers.filter((c) => c.tenant === o.name);
    if (containers.length > 0) {
        throw new Error(`tenant ${o.name} already has containers on ${state.dockerHost} (${containers.map((c) => `${c.name} ${c.state}`).join(", ")}); pass --force to pin its current ports`);
    }
}

type Settings = { tenant: string; database?: string; ports: Ports; maxRetries?: number };

function qualify(s: Settings): Record<string, unknown> {
    return Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined).map(([k, v]) => [`${NAMESPACE}:${k}`, v]));
}

function header(name: string): string {
    return [
        `Tenant ${name}: written by \`npm run tenant -- new ${name}\`. Its ports are pinned so that`,
        "previews are reproducible; `npm run tenant -- check` verifies the fleet. Its credentials",
        "are generated once into this file, encrypted (secure: values), so they outlive the stack.",
    ].join("\n");
}
