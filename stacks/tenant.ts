// The tenant stack program: stack config -> validated config -> ports -> TenantStack -> outputs.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parseTenantConfig, SECRET_KEYS, TenantConfig } from "../components/config";
import { credentialsAtRisk, keptDataProblem } from "../components/credentialGuard";
import { selectContainers, tenantVolumeNames } from "../docker/containers";
import { TenantPorts } from "../components/naming";
import { hasSlots, slotsWanted, tenantPortKeys } from "../components/slots";
import type { SlotDeclaration } from "../components/slotContainers";
import type { BindChecker } from "../ports/bindCheck";
import { checkDeploy, DeployCheckError } from "../ports/deployCheck";
import { resolvePorts } from "../ports/resolve";
import { findProjectDir } from "../project/project";
import { listStackFiles, readStackFile } from "../project/stackFiles";
import { domainsOf } from "../components/proxy/routes";
import { duplicateDomains } from "../components/proxy/domains";
import { TenantStack } from "../components/TenantStack";
import type { PlacedNode } from "../components/swarm/spec";
import { connectEngine, dockerClient, resolveDockerHost } from "../docker/dockerHost";
import { hasStartInterval } from "../docker/engineApi";
import { missingFrontbaseImages } from "../docker/frontbaseImages";
import { meshProblem, placeOnNode, PlacementError, readManagerCluster } from "../docker/swarm";
import { readSlotDeclaration } from "./slotPlan";

/** Ports for the tenant; for a swarm tenant the node it is pinned to; for one with two slots, where its tier goes. */
export type PortResolver = (
    cfg: TenantConfig,
) => Promise<{ ports: TenantPorts; node?: PlacedNode; slots?: SlotDeclaration; healthStartInterval?: boolean }>;

/**
 * First the deploy check (ports/deployCheck.ts): the tenant claimed by no other
 * stack file, no pinned port held by anyone else, its Frontbase images on the host. Then ports pinned in config win. Any port not pinned is allocated on the stack's Docker host
 * (sticky: the tenant's own containers keep theirs), under the host's lock at `pulumi up`
 * and read-only at preview, with a warning: a preview cannot promise what `up` will pick.
 * `machine`: where this machine's socket table is read and how ports are bind-checked (tests give a stand-in).
 */
export function allocatingResolver(
    rawConfig: Readonly<Record<string, string>> = pulumi.runtime.allConfig(),
    machine: { procRoot?: string; bindCheck?: BindChecker } = {},
): PortResolver {
    return async (cfg) => {
        const dockerHost = resolveDockerHost(undefined, rawConfig);
        const projectDir = findProjectDir();
        const node = cfg.target === "swarm" ? await placeTenant(pulumi.getStack(), cfg, dockerHost) : undefined;
        // The same check as `preflight`, so a bare `pulumi up` refuses before creating anything too.
        const problems = await checkDeploy({
            stack: pulumi.getStack(),
            tenant: cfg.tenant,
            pinned: cfg.ports,
            projectDir,
            dockerHost,
            reservedPorts: cfg.reservedPorts,
            procRoot: machine.procRoot,
            node,
        });
        // A swarm node's images cannot be seen through the manager; each task finds (or pulls) its own.
        if (cfg.target === "docker")
            problems.push(...(await missingFrontbaseImages(dockerClient(dockerHost), cfg, dockerHost)).map((m) => m.problem));
        if (problems.length > 0) throw new DeployCheckError(pulumi.getStack(), problems);
        if (cfg.target !== "swarm") await refuseOverKeptData(pulumi.getStack(), cfg, dockerHost);
        // How the health checks are declared depends on the engine (components/services.ts check).
        const healthStartInterval = cfg.target === "docker" && (await hasStartInterval((await connectEngine(dockerHost)).docker));
        cfg = { ...cfg, healthStartInterval };
        if (cfg.domains.length > 0) await checkDomainClaims(pulumi.getStack(), cfg.domains, projectDir);
        const keys = tenantPortKeys(cfg);
        const missing = keys.filter((k) => cfg.ports[k] === undefined);
        if (missing.length === 0)
            return {
                ports: cfg.ports as TenantPorts,
                node,
                slots: await slotsOf(cfg, cfg.ports as TenantPorts, dockerHost),
                healthStartInterval,
            };
        const r = await resolvePorts({
            tenant: cfg.tenant,
            dockerHost,
            projectDir,
            ranges: cfg.portRanges,
            keys,
            pinned: cfg.ports,
            reservedPorts: cfg.reservedPorts,
            maxRetries: cfg.maxRetries,
            bindAddress: cfg.bindAddress,
            dryRun: pulumi.runtime.isDryRun(),
            by: "pulumi up",
            node,
            ...machine,
            log: (m) => void pulumi.log.info(m),
        });
        const chosen = missing.map((k) => `ports.${k} = ${r.ports[k]} (${r.sources[k] === "previous" ? "kept" : "allocated"})`).join(", ");
        await pulumi.log.warn(
            `frontbase:${chosen}: not pinned in the stack's config, so chosen on the Docker host now. ` +
                `Pin them with \`npm run tenant -- new ${cfg.tenant} --force\` (keeps these ports) to make previews reproducible.`,
        );
        return { ports: r.ports, node, slots: await slotsOf(cfg, r.ports, dockerHost), healthStartInterval };
    };
}

/**
 * Never new credentials over kept data (components/credentialGuard.ts): a tenant whose volumes
 * are on the host while its stack stores no credential they were made with would get new ones
 * from TenantStack's fallback. Refused, before anything is created. (A swarm tenant's volumes are
 * on its node, which the manager's API does not list: not checked here.)
 *
 * A program cannot read its stack's state, so whether the fallback's RandomPasswords are still
 * there is read from the host: while any of the tenant's containers exists (running or stopped),
 * the stack that made them holds the credentials they run with (a `pulumi destroy` removes the
 * containers and those resources together), and the deploy keeps them. Only volumes without a
 * container are the data a lost state left behind.
 */
async function refuseOverKeptData(stack: string, cfg: TenantConfig, dockerHost: string): Promise<void> {
    const { docker } = await connectEngine(dockerHost);
    if (selectContainers(await docker.listContainers({ all: true }), cfg.tenant).length > 0) return;
    const stored = new Set(SECRET_KEYS.filter((k) => cfg[k] !== undefined));
    const risk = credentialsAtRisk({ tenant: cfg.tenant, database: cfg.database, stored }, await tenantVolumeNames(docker, cfg.tenant));
    if (risk) throw new DeployCheckError(stack, [keptDataProblem(stack, cfg.tenant, risk)]);
}

/**
 * A tenant served through the proxy with its second slot pinned: where its tier goes
 * (components/slots.ts), logged. Without that pin its updates are delete-first: say so.
 */
async function slotsOf(cfg: TenantConfig, ports: TenantPorts, dockerHost: string): Promise<SlotDeclaration | undefined> {
    if (!hasSlots(cfg)) {
        if (slotsWanted(cfg))
            await pulumi.log.warn(
                `frontbase:ports.frontend2 (or frontbase:encryptionKey) is not in the stack file, so this tenant has one slot: an update of its backend, edge or frontend is delete-first, an outage. ` +
                    `\`npm run tenant -- new ${cfg.tenant} --force\` pins the second slot (docs/proxy.md#updates-without-downtime).`,
            );
        return undefined;
    }
    const { docker } = await connectEngine(dockerHost);
    const slots = await readSlotDeclaration(docker, cfg, ports, dockerHost);
    await pulumi.log.info(`app tier: ${slots.plan.reason}`);
    return slots;
}

/** A swarm tenant's node (docker/swarm.ts placeOnNode); a bad placement stops the deploy, creating nothing. */
async function placeTenant(stack: string, cfg: TenantConfig, dockerHost: string): Promise<PlacedNode> {
    const mesh = meshProblem(cfg, dockerHost);
    if (mesh) throw new DeployCheckError(stack, [mesh]);
    const { docker } = await connectEngine(dockerHost);
    try {
        return placeOnNode(await readManagerCluster(docker, dockerHost), cfg);
    } catch (e) {
        if (e instanceof PlacementError) throw new DeployCheckError(stack, [e.message]);
        throw e;
    }
}

/** A domain of this tenant's claimed by another stack file: refused before anything is created. */
export async function checkDomainClaims(stack: string, domains: readonly string[], projectDir: string): Promise<void> {
    // A stack file that cannot be read claims nothing here; `tenant check` reports it.
    const files = await Promise.all((await listStackFiles(projectDir)).map((f) => readStackFile(f).catch(() => undefined)));
    const others = files
        .filter((f) => f !== undefined && f.stack !== stack)
        .map((f) => ({ file: path.basename(f!.file), domains: domainsOf(f!).domains }));
    const clashes = duplicateDomains([{ file: `Pulumi.${stack}.yaml`, domains }, ...others]).filter((p) =>
        p.includes(`Pulumi.${stack}.yaml`),
    );
    if (clashes.length > 0) throw new Error(`Stack ${stack} cannot be deployed:\n${clashes.map((c) => `  - ${c}`).join("\n")}`);
}

/**
 * Bad config and port exhaustion are the operator's to fix, not bugs: report them as Pulumi
 * does for a RunError (the message alone), not as an unhandled exception with a stack.
 */
async function operatorErrors<T>(body: () => Promise<T>): Promise<T> {
    try {
        return await body();
    } catch (e) {
        throw new pulumi.RunError((e as Error).message);
    }
}

/** Read this stack's config the way the Pulumi engine hands it to the program. */
export function readStackConfig(): TenantConfig {
    const secretKeys = new Set<string>(JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]"));
    return parseTenantConfig(pulumi.runtime.allConfig(), { stack: pulumi.getStack(), secretKeys });
}

export async function tenantProgram(resolver: PortResolver = allocatingResolver()) {
    const { cfg, ports, node, slots } = await operatorErrors(async () => {
        const read = readStackConfig();
        const { healthStartInterval, ...resolved } = await resolver(read);
        return { cfg: healthStartInterval ? { ...read, healthStartInterval } : read, ...resolved };
    });
    const tenant = new TenantStack(cfg.tenant, { config: cfg, ports, node, slots });
    return {
        tenant: tenant.tenant,
        project: tenant.project,
        network: tenant.network,
        volumes: tenant.volumes,
        ports: tenant.ports,
        urls: tenant.urls,
        adminEmail: tenant.adminEmail,
        adminPassword: tenant.adminPassword,
        redisToken: tenant.redisToken,
        encryptionKey: tenant.encryptionKey,
        ...(tenant.dbPassword ? { dbPassword: tenant.dbPassword } : {}),
        ...(node ? { node: node.hostname } : {}),
    };
}
