// Opening a tenant, the first step of every operation on one (status, logs, restart, purge,
// nginx, backup, restore, the dashboard's pages): find its stack file, connect to its Docker
// host, read its containers and volumes, and say so clearly when no such tenant exists anywhere.
import type Docker from "dockerode";
import { COMPOSE_PROJECT_LABEL, projectName, TENANT_LABEL, tenantOfLabels } from "../components/naming";
import { readTenantContainers, readTenantVolumes, TenantContainer } from "../docker/containers";
import { connectEngine, Engine, resolveNodeHost } from "../docker/dockerHost";
import { isSwarmManager, nodeNamed, readManagerCluster } from "../docker/swarm";
import { readTenantTasks } from "../docker/swarmTasks";
import { findStackFile, stackFileTenants } from "../project/project";
import type { StackFile } from "../project/stackFiles";
import { connect, Context } from "./context";
import { NotDeployedError, UnknownTenantError, UsageError } from "./errors";

export interface OpenTenant {
    readonly tenant: string;
    /** The stack file that deploys it, if any (it also names the Docker host). */
    readonly stack?: StackFile;
    readonly engine: Engine;
    /** In start order (docker/containers.ts). */
    readonly containers: readonly TenantContainer[];
    readonly volumes: readonly Docker.VolumeInspectInfo[];
    /** A swarm tenant: the node its stack file pins it to (its volumes are there). */
    readonly node?: string;
    /** A swarm tenant opened on a node (openTenantData): its services' tasks, as the manager has them. */
    readonly services?: readonly TenantContainer[];
    /** Opened on a node other than the one its stack file pins it to (openTenantData's `node`). */
    readonly otherNode?: boolean;
}

export async function openTenant(ctx: Context, tenant: string): Promise<OpenTenant> {
    const stack = await findStackFile(ctx.projectDir, tenant);
    const engine = await connect(ctx, stack?.config);
    const swarm = stack?.config["frontbase:target"] === "swarm";
    // A swarm tenant's volumes are on its node, which the manager's API does not list.
    const [containers, volumes] = await Promise.all([
        readWorkloads(engine.docker, tenant, stack?.config),
        swarm ? [] : readTenantVolumes(engine.docker, tenant),
    ]);
    return { tenant, stack, engine, containers, volumes, ...(swarm ? { node: stack!.config["frontbase:node"] } : {}) };
}

/**
 * What runs of a tenant, by its stack file's target: its containers on its Docker host, or, on
 * a swarm, its services' tasks through the manager plus its job container (on the manager).
 */
export async function readWorkloads(
    docker: Docker,
    tenant: string,
    stackConfig?: Readonly<Record<string, string>>,
): Promise<TenantContainer[]> {
    if (stackConfig?.["frontbase:target"] !== "swarm") return readTenantContainers(docker, tenant);
    const [tasks, local] = await Promise.all([readTenantTasks(docker, tenant), readTenantContainers(docker, tenant)]);
    return [...tasks, ...local.filter((c) => c.job !== undefined)];
}

/**
 * Every tenant's workloads on a Docker host (ls, the dashboard): its containers and, on a swarm
 * manager, the services' tasks; a swarm tenant's task containers on the manager are shown once,
 * as tasks, beside its job container.
 */
export async function readHostWorkloads(docker: Docker): Promise<TenantContainer[]> {
    const [containers, tasks] = await Promise.all([
        readTenantContainers(docker),
        isSwarmManager(docker).then((m) => (m ? readTenantTasks(docker) : [])),
    ]);
    return [...tasks, ...containers.filter((c) => !tasks.some((t) => t.tenant === c.tenant) || c.job !== undefined)];
}

/**
 * The tenant where its data is, for the commands that read or write volumes (backup, restore,
 * purge): on one host, openTenant's. A swarm tenant is opened on its node's own Engine
 * (docker/dockerHost.ts resolveNodeHost), which the manager's API cannot reach into: `engine`
 * is the node's, `containers` its current task containers there, `volumes` the node's, and
 * `services` what the manager runs of it. `node` names another node than the stack file's (the
 * one a tenant moved away from).
 */
export async function openTenantData(ctx: Context, tenant: string, node?: string): Promise<OpenTenant> {
    const t = await openTenant(ctx, tenant);
    if (t.node === undefined) {
        if (node !== undefined)
            throw new UsageError(
                `--node: tenant "${tenant}" is not a swarm tenant (its stack file has no frontbase:target: swarm); its data is on ${t.engine.host}`,
            );
        return t;
    }
    const cluster = await readManagerCluster(t.engine.docker, t.engine.host);
    const found = nodeNamed(cluster, node ?? t.node, node !== undefined ? "--node" : "frontbase:node");
    if (found.state !== "ready")
        throw new Error(
            `node ${found.hostname} is ${found.state}: the manager cannot reach it, so neither can the commands that read its volumes`,
        );
    const managerId = (await t.engine.docker.info()).Swarm?.NodeID;
    const host = resolveNodeHost(found, { host: t.engine.host, nodeId: managerId }, ctx.env);
    const engine = await connectEngine(host, ctx.env).catch((e: Error) => {
        throw new Error(`node ${found.hostname}'s own Engine: ${e.message}`);
    });
    const current = new Set(t.containers.map((c) => c.id).filter((id) => id !== ""));
    const [local, volumes] = await Promise.all([readTenantContainers(engine.docker, tenant), readTenantVolumes(engine.docker, tenant)]);
    const otherNode = t.node !== found.hostname && t.node !== found.id;
    return {
        ...t,
        engine,
        containers: local.filter((c) => current.has(c.id)),
        volumes,
        node: found.hostname,
        otherNode,
        services: t.containers.filter((c) => c.job === undefined),
    };
}

/** No stack file, no container and no volume: nothing of that name, here or on the host. */
export function isUnknown(t: OpenTenant): boolean {
    return !t.stack && t.containers.length === 0 && t.volumes.length === 0;
}

/**
 * The containers a command acts on: the service's, or all. None is an error: an unknown tenant
 * (listing the known ones), a tenant with no containers (`why` says what that means for the
 * command), or a service it does not run.
 */
export async function targetContainers(
    ctx: Context,
    t: OpenTenant,
    service: string | undefined,
    why: string,
): Promise<readonly TenantContainer[]> {
    if (t.containers.length === 0) {
        if (isUnknown(t)) throw await unknownTenant(ctx, t.tenant, t.engine);
        throw new NotDeployedError(`tenant "${t.tenant}" has no containers on ${t.engine.host}${why}`);
    }
    const targets = service ? t.containers.filter((c) => c.service === service) : t.containers;
    if (targets.length === 0) {
        throw new NotDeployedError(
            `tenant "${t.tenant}" has no container for service "${service}"; its services: ${[...new Set(t.containers.map((c) => c.service))].join(", ")}`,
        );
    }
    return targets;
}

/** Tenants this project or this host knows, for "unknown tenant" messages. */
export async function knownTenants(ctx: Context, engine?: Engine): Promise<string[]> {
    const names = new Set(await stackFileTenants(ctx.projectDir));
    if (engine) for (const c of await engine.docker.listContainers({ all: true })) names.add(tenantOfLabels(c.Labels) ?? "");
    names.delete("");
    return [...names].sort();
}

export async function unknownTenant(ctx: Context, tenant: string, engine?: Engine): Promise<UnknownTenantError> {
    const known = await knownTenants(ctx, engine);
    const where = engine
        ? ` and no container labelled ${TENANT_LABEL}=${tenant} (or ${COMPOSE_PROJECT_LABEL}=${projectName(tenant)}) on ${engine.host}`
        : "";
    return new UnknownTenantError(
        `unknown tenant "${tenant}": no stack file for it in ${ctx.projectDir}${where}; known tenants: ${known.join(", ") || "none"}`,
    );
}
