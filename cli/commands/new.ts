// `npm run tenant -- new <name> ...`: allocate a new tenant's ports under the host's lock and
// pin them, with its settings, in Pulumi.<name>.yaml; then generate the tenant's credentials
// into the same file as Pulumi `secure:` values (project/stackSecrets.ts says why there).
import { existsSync } from "fs";
import * as path from "path";
import { DEFAULT_MAX_RETRIES, DEFAULT_PORT_RANGES, NAMESPACE, PortRange } from "../../components/config";
import { PORT_KEYS, PortKey } from "../../components/naming";
import type { PortSource, Ports } from "../../ports/allocate";
import type { HostState } from "../../ports/hostState";
import { resolvePorts } from "../../ports/resolve";
import { listStackFiles, readStackFile, stackFileName, updateStackFile, writeStackFile } from "../../project/stackFiles";
import { domainProblem, newDomainProblems } from "../../components/proxy/domains";
import { domainsOf } from "../../components/proxy/routes";
import { readOnePins } from "../../project/stackPins";
import { ensureCredentials } from "../../project/stackSecrets";
import { integer, invalid, nodeArg, oneOf, tenantArg, UsageError } from "../args";
import { Placement, placeTenant } from "../ops/placement";
import { meshProblem } from "../../docker/swarm";
import { defineCommand } from "../command";
import { connect, requireProject } from "../context";
import { table, url } from "../table";

export const FLAGS = {
    database: {
        kind: "value",
        arg: "sqlite|postgres",
        help: "sqlite or postgres",
        about: "the tenant's database, default sqlite (or the file's)",
        parse: oneOf(["sqlite", "postgres"] as const),
    },
    "max-retries": {
        kind: "value",
        arg: "N",
        help: "a whole number from 0 to 20",
        about: "rescans when a chosen port is grabbed before it is bound",
        parse: integer(0, 20),
    },
    "dry-run": { kind: "boolean", about: "allocate and print, write nothing" },
    json: { kind: "boolean", about: "print one JSON object (tenant, ports) on stdout" },
    force: { kind: "boolean", about: "re-pin an existing tenant (its other settings are kept)" },
    domain: {
        kind: "value",
        arg: "<name>",
        help: "a host name such as acme.example.com",
        about: "a domain the host's proxy routes to the tenant over HTTPS (frontbase:domains); again for each",
        parse: domainArg,
        multiple: true,
    },
    target: {
        kind: "value",
        arg: "docker|swarm",
        help: "docker or swarm",
        about: "docker (one host, the default) or swarm (a cluster, through its manager: DOCKER_HOST or docker:host)",
        parse: oneOf(["docker", "swarm"] as const),
    },
    node: {
        kind: "value",
        arg: "NAME",
        help: "a swarm node's hostname or ID",
        about: "swarm only: the node that runs the tenant and keeps its volumes; default: the one with the most unreserved memory",
        parse: nodeArg,
    },
    publish: {
        kind: "value",
        arg: "host|ingress",
        help: "host or ingress",
        about: "swarm only: publish on the tenant's node (host, the default) or on every node through the routing mesh (ingress: needs IPVS)",
        parse: oneOf(["host", "ingress"] as const),
    },
} as const;

function domainArg(value: string, what: string): string {
    const problem = domainProblem(value);
    if (problem) throw invalid(what, value, problem);
    return value;
}

export const command = defineCommand({
    name: "new",
    summary: "pin a new tenant's ports and credentials in Pulumi.<name>.yaml",
    args: [{ name: "name", about: "the tenant's name: lowercase letters, digits and -, at most 40", parse: tenantArg }],
    flags: FLAGS,
    notes: "Exit 1 when the tenant exists (without --force) or the Docker host does not answer; nothing is written then.",
    async run({ args, flags }, ctx) {
        const name = args.name;
        const dryRun = flags["dry-run"];
        const projectDir = requireProject(ctx);
        const file = path.join(projectDir, stackFileName(name));
        const existed = existsSync(file);
        // A refusal (tenant exists) or a host problem throws: cli/main prints it, exit 1.
        if (existed && !flags.force && !dryRun)
            throw new Error(`${file} already exists; pass --force to re-pin tenant ${name}'s ports (its other settings are kept)`);
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
        if (flags.domain.length > 0) {
            const others = await Promise.all(
                (await listStackFiles(projectDir)).filter((f) => f !== file).map((f) => readStackFile(f).catch(() => undefined)),
            );
            const problems = newDomainProblems(
                name,
                flags.domain,
                others.filter((f) => f !== undefined).map((f) => ({ file: path.basename(f!.file), domains: domainsOf(f!).domains })),
            );
            if (problems.length > 0) throw new Error(`not writing ${stackFileName(name)}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        }
        const engine = await connect(ctx, current?.raw);
        const database = flags.database ?? cfg?.database ?? "sqlite";
        const target = flags.target ?? cfg?.target ?? "docker";
        if (flags.node !== undefined && target !== "swarm")
            throw new UsageError("--node: only with --target swarm (a docker tenant runs on its Docker host)");
        if (flags.publish !== undefined && target !== "swarm")
            throw new UsageError("--publish: only with --target swarm (a docker tenant publishes on its Docker host)");
        const publishMode = flags.publish ?? cfg?.publishMode ?? "host";
        const mesh = meshProblem({ publishMode }, engine.host, ctx.procRoot);
        if (mesh) throw new Error(`not placing tenant ${name}: ${mesh.replace(/^frontbase:publishMode: /, "--publish ")}`);
        const placed = target === "swarm" ? await placeTenant(engine, name, { given: flags.node, current: cfg, database }) : undefined;
        if (placed) ctx.io.err(`node: ${placed.node.hostname} (${placed.chosen}; ${placed.node.addr})`);
        const ranges = cfg?.portRanges ?? DEFAULT_PORT_RANGES;
        const r = await resolvePorts({
            tenant: name,
            dockerHost: engine.host,
            docker: engine.docker,
            projectDir,
            ranges,
            reservedPorts: cfg?.reservedPorts ?? [],
            maxRetries: flags["max-retries"] ?? cfg?.maxRetries ?? DEFAULT_MAX_RETRIES,
            bindAddress: cfg?.bindAddress ?? "0.0.0.0",
            node: placed && { id: placed.node.id, hostname: placed.node.hostname, ingress: publishMode === "ingress" },
            dryRun,
            by: "tenant new",
            log: ctx.io.err,
            procRoot: ctx.procRoot,
            bindCheck: ctx.bindCheck,
            lockDir: ctx.lockDir,
            commit: async (ports, state) => {
                if (!flags.force) refuseExisting(name, file, state);
                const settings = {
                    tenant: name,
                    database: flags.database ?? (existed ? undefined : database),
                    ports,
                    maxRetries: flags["max-retries"],
                    domains: flags.domain.length > 0 ? flags.domain : undefined,
                    // A swarm tenant names its cluster, its node, and the address its URLs use.
                    ...(placed
                        ? {
                              target: "swarm",
                              node: placed.named,
                              publicHost: publicHostOn(placed, cfg?.publicHost),
                              publishMode: flags.publish,
                          }
                        : {}),
                };
                const values = { ...qualify(settings), ...(placed ? { "docker:host": engine.host } : {}) };
                return existed ? updateStackFile(file, values) : writeStackFile(projectDir, name, values, { header: header(name) });
            },
        });
        const credentials = dryRun ? undefined : await ensureCredentials(file, database, ctx.env);
        // On stderr, so that --json's stdout stays one object.
        if (credentials && "skipped" in credentials) ctx.io.err(`credentials: ${credentials.skipped}`);
        else if (credentials) {
            const c = credentials;
            ctx.io.err(
                `credentials: ${[c.written.length ? `generated ${c.written.join(", ")}` : "", c.kept.length ? `kept ${c.kept.join(", ")}` : ""].filter(Boolean).join("; ")} (encrypted in the stack file)`,
            );
        }
        if (flags.json) {
            ctx.io.out(JSON.stringify({ tenant: name, ports: r.ports }));
            return 0;
        }
        const what = dryRun ? "dry run, nothing written" : `${existed ? "re-pinned in" : "written to"} ${path.basename(r.file ?? "")}`;
        ctx.io.out(
            `tenant ${name} (${database}) on ${placed ? `node ${placed.node.hostname} of the swarm at ` : ""}${r.state.dockerHost}: ${what}${r.attempts > 1 ? ` after ${r.attempts} scans` : ""}\n\n`,
        );
        ctx.io.out(
            portTable(r.ports, r.sources, ranges, (placed ? publicHostOn(placed, cfg?.publicHost) : cfg?.publicHost) ?? "localhost"),
        );
        if (!dryRun) ctx.io.err(`next: npm run deploy -- ${name}   (pulumi up, after checking config, Docker host and images)`);
        return 0;
    },
});

/** The address a swarm tenant's URLs use: its node's, unless the stack file names another (a move takes its node's along). */
function publicHostOn(placed: Placement, current: string | undefined): string | undefined {
    if (current !== undefined && current !== placed.previous?.addr) return current;
    return placed.node.addr || current;
}

/** Under the lock, so two `new` of one name cannot both pass: the tenant may exist elsewhere. */
function refuseExisting(name: string, file: string, state: HostState): void {
    const other = state.stackFiles.find((f) => f.tenant === name && f.file !== file);
    if (other)
        throw new Error(
            `tenant ${name} already exists: ${other.file} sets frontbase:tenant to it; pass --force to pin its ports in ${file} as well`,
        );
    const containers = state.containers.filter((c) => c.tenant === name);
    if (containers.length > 0) {
        throw new Error(
            `tenant ${name} already has containers on ${state.dockerHost} (${containers.map((c) => `${c.name} ${c.state}`).join(", ")}); pass --force to pin its current ports`,
        );
    }
}

/** Service, port, where it came from, range, access URL. */
function portTable(
    ports: Ports,
    sources: Record<PortKey, PortSource>,
    ranges: Readonly<Record<PortKey, PortRange>>,
    publicHost: string,
): string {
    const why: Record<PortSource, string> = { pinned: "pinned", previous: "kept (sticky)", allocated: "allocated" };
    return table(
        ["SERVICE", "PORT", "SOURCE", "RANGE", "URL"],
        PORT_KEYS.map((k) => [k, String(ports[k]), why[sources[k]], `${ranges[k].from}-${ranges[k].to}`, url(publicHost, ports[k])]),
    );
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

function header(name: string): string {
    return [
        `Tenant ${name}: written by \`npm run tenant -- new ${name}\`. Its ports are pinned so that`,
        "previews are reproducible; `npm run tenant -- check` verifies the fleet. Its credentials",
        "are generated once into this file, encrypted (secure: values), so they outlive the stack.",
    ].join("\n");
}
