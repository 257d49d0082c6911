// Making a tenant: allocate its ports under the host's lock and pin them, with its settings, in
// Pulumi.<name>.yaml; then generate its credentials into the same file as Pulumi `secure:`
// values (project/stackSecrets.ts says why there). `tenant new`, `restore --into` and the
// dashboard's form all call newTenant with checked, typed arguments.
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { DEFAULT_MAX_RETRIES, DEFAULT_PORT_RANGES, NAMESPACE, PortRange } from "../components/config";
import { ALL_PORT_KEYS, PORT_KEYS, PortKey } from "../components/naming";
import { slotsWanted } from "../components/slots";
import { domainsOf } from "../components/proxy/routes";
import { newDomainProblems } from "../components/proxy/domains";
import { meshProblem } from "../docker/swarm";
import type { Ports } from "../ports/allocate";
import type { HostState } from "../ports/hostState";
import { resolvePorts, Resolution } from "../ports/resolve";
import { listStackFiles, MAX_STACK_FILE_BYTES, readStackFile, stackFileName, updateStackFile, writeStackFile } from "../project/stackFiles";
import { readOnePins } from "../project/stackPins";
import { passphraseFromEnv } from "../project/pulumiSecrets";
import { readFileSafely } from "../project/safeFs";
import { applyCredentials, EnsureResult, keptDataRefusal, planCredentials, planResult } from "../project/stackSecrets";
import { tenantVolumeNames } from "../docker/containers";
import type { SecretKey } from "../components/config";
import type YAML from "yaml";
import { connect, Context, requireProject } from "./context";
import { ConflictError, UsageError } from "./errors";
import { Placement, placeTenant } from "./placement";

export interface NewTenantRequest {
    /** Checked by tenants/checks.ts tenantArg. */
    readonly name: string;
    /** Default: the existing file's, else sqlite. */
    readonly database?: "sqlite" | "postgres";
    readonly maxRetries?: number;
    /** Allocate and report; write nothing. */
    readonly dryRun?: boolean;
    /** Re-pin an existing tenant (its other settings are kept). */
    readonly force?: boolean;
    /** Each checked by tenants/checks.ts domainArg. */
    readonly domains?: readonly string[];
    readonly target?: "docker" | "swarm";
    readonly node?: string;
    readonly publish?: "host" | "ingress";
    /** Credentials to write instead of generated ones (a clone takes its source's encryptionKey). */
    readonly credentials?: Partial<Record<SecretKey, string>>;
}

export interface NewTenant {
    readonly tenant: string;
    readonly database: "sqlite" | "postgres";
    /** The stack file (written unless a dry run). */
    readonly file: string;
    /** The file was there before: its settings were kept and its ports re-pinned. */
    readonly existed: boolean;
    readonly dryRun: boolean;
    readonly resolution: Resolution;
    readonly ranges: Readonly<Record<PortKey, PortRange>>;
    readonly placed?: Placement;
    /** The host the tenant's URLs use. */
    readonly publicHost: string;
    /** Undefined on a dry run. */
    readonly credentials?: EnsureResult;
}

/** Progress (the node chosen, waits for the lock, rescans) goes to `say`. */
export async function newTenant(ctx: Context, req: NewTenantRequest, say: (line: string) => void = ctx.io.err): Promise<NewTenant> {
    const name = req.name;
    const dryRun = req.dryRun ?? false;
    const domains = req.domains ?? [];
    const projectDir = requireProject(ctx);
    const file = path.join(projectDir, stackFileName(name));
    const existed = existsSync(file);
    if (existed && !req.force && !dryRun)
        throw new ConflictError(`${file} already exists; pass --force to re-pin tenant ${name}'s ports (its other settings are kept)`);
    // Re-running for an existing stack keeps its settings, and its pins count as its own.
    const current = existed ? await readOnePins(file) : undefined;
    // Its settings (ranges, reserved ports, bind address) steer the allocation: an invalid file
    // would silently fall back to the defaults, so it is refused before anything is read or written.
    if (current && current.problems.length > 0) {
        throw new Error(
            `${file} is not a valid stack file, so its settings cannot be kept; fix it first (npm run tenant -- check):\n${current.problems.map((p) => `  - ${p}`).join("\n")}`,
        );
    }
    const cfg = current?.config;
    // A domain given twice, or claimed by another stack file: refused before the host is asked.
    if (domains.length > 0) {
        const others = await Promise.all(
            (await listStackFiles(projectDir)).filter((f) => f !== file).map((f) => readStackFile(f).catch(() => undefined)),
        );
        const problems = newDomainProblems(
            name,
            domains,
            others.filter((f) => f !== undefined).map((f) => ({ file: path.basename(f!.file), domains: domainsOf(f!).domains })),
        );
        if (problems.length > 0) throw new Error(`not writing ${stackFileName(name)}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    const engine = await connect(ctx, current?.raw);
    const database = req.database ?? cfg?.database ?? "sqlite";
    const target = req.target ?? cfg?.target ?? "docker";
    if (req.node !== undefined && target !== "swarm")
        throw new UsageError("--node: only with --target swarm (a docker tenant runs on its Docker host)");
    if (req.publish !== undefined && target !== "swarm")
        throw new UsageError("--publish: only with --target swarm (a docker tenant publishes on its Docker host)");
    const publishMode = req.publish ?? cfg?.publishMode ?? "host";
    const mesh = meshProblem({ publishMode }, engine.host, ctx.procRoot);
    if (mesh) throw new Error(`not placing tenant ${name}: ${mesh.replace(/^frontbase:publishMode: /, "--publish ")}`);
    // Never new credentials over kept data (components/credentialGuard.ts): a tenant whose volumes
    // outlived its stack file's credentials is refused here, before anything is written.
    const kept = target === "docker" && !dryRun ? { tenant: name, volumes: await tenantVolumeNames(engine.docker, name) } : undefined;
    const refused = kept && keptDataRefusal(existed ? await readStackFile(file) : undefined, name, database, kept);
    if (refused) throw new ConflictError(`not writing ${stackFileName(name)}: ${refused}`);
    const placed = target === "swarm" ? await placeTenant(engine, name, { given: req.node, current: cfg, database }) : undefined;
    if (placed) say(`node: ${placed.node.hostname} (${placed.chosen}; ${placed.node.addr})`);
    const ranges = cfg?.portRanges ?? DEFAULT_PORT_RANGES;
    // Check first, write once: the passphrase (against the file's encryptionsalt) and the
    // credentials are made before the lock is taken, and go into the one write of the file.
    const plan = dryRun
        ? undefined
        : await planCredentials(
              existed ? await readFileSafely(file, { maxBytes: MAX_STACK_FILE_BYTES }) : undefined,
              file,
              database,
              ctx.env,
              req.credentials,
          );
    const edit = (doc: YAML.Document) => plan && applyCredentials(doc, plan);
    // A tenant served through the proxy gets its second slot's ports too (components/slots.ts).
    const keys = slotsWanted({ target, domains: domains.length > 0 ? domains : (cfg?.domains ?? []) }) ? ALL_PORT_KEYS : PORT_KEYS;
    const allocation = {
        tenant: name,
        dockerHost: engine.host,
        docker: engine.docker,
        projectDir,
        ranges,
        keys,
        reservedPorts: cfg?.reservedPorts ?? [],
        maxRetries: req.maxRetries ?? cfg?.maxRetries ?? DEFAULT_MAX_RETRIES,
        bindAddress: cfg?.bindAddress ?? "0.0.0.0",
        node: placed && { id: placed.node.id, hostname: placed.node.hostname, ingress: publishMode === "ingress" },
        by: "tenant new",
        log: say,
        procRoot: ctx.procRoot,
        bindCheck: ctx.bindCheck,
        lockDir: ctx.lockDir,
    };
    // A tenant that exists is refused before the lock is taken, so that the refusal writes nothing
    // (not even the lock directory); and again under the lock, where a race is decided.
    if (!req.force && !dryRun) refuseExisting(name, file, (await resolvePorts({ ...allocation, dryRun: true })).state);
    const resolution = await resolvePorts({
        ...allocation,
        dryRun,
        commit: async (ports, state) => {
            if (!req.force) refuseExisting(name, file, state);
            const settings = {
                tenant: name,
                database: req.database ?? (existed ? undefined : database),
                ports,
                maxRetries: req.maxRetries,
                domains: domains.length > 0 ? domains : undefined,
                // A swarm tenant names its cluster, its node, and the address its URLs use.
                ...(placed
                    ? {
                          target: "swarm",
                          node: placed.named,
                          publicHost: publicHostOn(placed, cfg?.publicHost),
                          publishMode: req.publish,
                      }
                    : {}),
            };
            const values = { ...qualify(settings), ...(placed ? { "docker:host": engine.host } : {}) };
            return existed
                ? updateStackFile(file, values, edit)
                : writeStackFile(projectDir, name, values, { header: header(name, ctx.env), edit });
        },
    });
    const credentials = plan && planResult(plan);
    return {
        tenant: name,
        database,
        file,
        existed,
        dryRun,
        resolution,
        ranges,
        ...(placed ? { placed } : {}),
        publicHost: (placed ? publicHostOn(placed, cfg?.publicHost) : cfg?.publicHost) ?? "localhost",
        credentials,
    };
}

/** `credentials: generated adminPassword, ...; kept ... (encrypted in the stack file)`, or why none were written. */
export function describeCredentials(c: EnsureResult): string {
    if ("skipped" in c) return `credentials: ${c.skipped}`;
    if ("refused" in c) return `credentials: none written: ${c.refused}`;
    const parts = [c.written.length ? `generated ${c.written.join(", ")}` : "", c.kept.length ? `kept ${c.kept.join(", ")}` : ""];
    return `credentials: ${parts.filter(Boolean).join("; ")} (encrypted in the stack file)`;
}

/** The address a swarm tenant's URLs use: its node's, unless the stack file names another (a move takes its node's along). */
function publicHostOn(placed: Placement, current: string | undefined): string | undefined {
    if (current !== undefined && current !== placed.previous?.addr) return current;
    return placed.node.addr || current;
}

/** Under the lock, so two `new` of one name cannot both pass: the tenant may exist elsewhere. */
function refuseExisting(name: string, file: string, state: HostState): void {
    const other = state.stackFiles.find((f) => f.tenant === name && f.file !== file);
    if (other)
        throw new ConflictError(
            `tenant ${name} already exists: ${other.file} sets frontbase:tenant to it; pass --force to pin its ports in ${file} as well`,
        );
    const containers = state.containers.filter((c) => c.tenant === name);
    if (containers.length > 0) {
        throw new ConflictError(
            `tenant ${name} already has containers on ${state.dockerHost} (${containers.map((c) => `${c.name} ${c.state}`).join(", ")}); pass --force to pin its current ports`,
        );
    }
}

type Settings = {
    tenant: string;
    database?: string;
    ports: Ports;
    maxRetries?: number;
    domains?: readonly string[];
    target?: string;
    node?: string;
    publicHost?: string;
};

function qualify(s: Settings): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(s)
            .filter(([, v]) => v !== undefined)
            .map(([k, v]) => [`${NAMESPACE}:${k}`, v]),
    );
}

/** What the file says of itself: that it holds its credentials only when they will be written into it. */
function header(name: string, env: NodeJS.ProcessEnv): string {
    const pinned = `Tenant ${name}: written by \`npm run tenant -- new ${name}\`. Its ports are pinned so that\npreviews are reproducible; \`npm run tenant -- check\` verifies the fleet.`;
    return passphraseFromEnv(env, (p) => readFileSync(p, "utf8")) === undefined
        ? `${pinned}\nIt stores no credentials yet (no PULUMI_CONFIG_PASSPHRASE when it was written):\n\`npm run deploy -- ${name}\` generates them into it, encrypted, before the first \`pulumi up\`,\nso that they outlive the stack (or \`npm run tenant -- credentials ${name}\`, passphrase set).`
        : `${pinned} Its credentials\nare generated once into this file, encrypted (secure: values), so they outlive the stack.`;
}
