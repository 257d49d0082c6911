// Finding one tenant's stack file, containers and volumes. The selection is pure (tested with
// tables); the reading goes through the Docker Engine API, never through `docker` CLI output.
//
// A tenant's objects carry the label `frontbase.tenant=<tenant>`. Objects made by the design
// document's Compose scripts carry only `com.docker.compose.project=<tenant>_frontbase`; they
// are the tenant's too, so that status/logs/restart/purge also work on tenants not yet migrated.
import type Docker from "dockerode";
import { dockerClient, pingDocker, resolveDockerHost } from "../../docker/dockerHost";
import { COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL, JOB_LABEL, projectName, SERVICES, TENANT_LABEL, tenantOfLabels, volumeName } from "../../components/naming";
import { configuredBindings, EngineBindings, PortBinding } from "../../ports/containers";
import { listStackFiles, readStackFile, StackFile, stackNameOf } from "../../project/stackFiles";
import type { OpsContext } from "./context";

type Labels = Readonly<Record<string, string>> | null | undefined;

export function selectContainers<T extends { Labels: Labels }>(all: readonly T[], tenant: string): T[] {
    return all.filter((c) => tenantOfLabels(c.Labels) === tenant);
}

/** The tenant's volumes: by label, or by the exact name the tenant's stack gives them (unlabelled only). */
export function selectVolumes<T extends { Name: string; Labels: Labels }>(all: readonly T[], tenant: string): T[] {
    const names = new Set(SERVICES.map((s) => volumeName(tenant, s)));
    return all.filter((v) => {
        const owner = tenantOfLabels(v.Labels);
        return owner === tenant || (owner === undefined && names.has(v.Name));
    });
}

export type Health = "healthy" | "unhealthy" | "starting" | "none";

export interface TenantContainer {
    readonly id: string;
    readonly name: string;
    /** Compose service label (`backend`, `redis-http`, ...), or "?" when the label is missing. */
    readonly service: string;
    readonly state: string;
    readonly health: Health;
    readonly ports: readonly PortBinding[];
    /** A TTY container's log stream is raw, not multiplexed. */
    readonly tty: boolean;
    /** How often Docker restarted it (its restart policy): a crash loop shows as "starting" health. */
    readonly restarts: number;
    /** Set for a one-shot job's container (`frontbase.job`): done when exited with code 0. */
    readonly job?: string;
    readonly exitCode?: number;
}

/** Configured bindings as status shows them: every address spelled 0.0.0.0 (as Docker lists it), by host port. */
export function portBindings(bindings: EngineBindings | null | undefined): PortBinding[] {
    return configuredBindings(bindings)
        .map((b) => ({ ...b, hostIp: b.hostIp || "0.0.0.0" }))
        .sort((a, b) => a.hostPort - b.hostPort);
}

export function toTenantContainer(i: Docker.ContainerInspectInfo): TenantContainer {
    const health = (i.State.Health?.Status ?? "none") as Health;
    return {
        id: i.Id,
        name: i.Name.replace(/^\//, ""),
        service: i.Config.Labels?.[COMPOSE_SERVICE_LABEL] ?? (i.Config.Labels?.[JOB_LABEL] ? `${i.Config.Labels[JOB_LABEL]} (job)` : "?"),
        ...(i.Config.Labels?.[JOB_LABEL] ? { job: i.Config.Labels[JOB_LABEL], exitCode: i.State.ExitCode } : {}),
        state: i.State.Status,
        health: ["healthy", "unhealthy", "starting"].includes(health) ? health : "none",
        ports: portBindings(i.HostConfig.PortBindings),
        tty: i.Config.Tty === true,
        restarts: (i as { RestartCount?: number }).RestartCount ?? 0,
    };
}

/** Order containers as the services start (postgres ... frontend), unknown services last. */
export function byServiceOrder<T extends { service: string; name: string }>(list: readonly T[]): T[] {
    const rank = (s: string) => ((SERVICES as readonly string[]).includes(s) ? SERVICES.indexOf(s as never) : SERVICES.length);
    return [...list].sort((a, b) => rank(a.service) - rank(b.service) || a.name.localeCompare(b.name));
}

export class UnknownTenantError extends Error {}

/**
 * The stack file whose tenant (`frontbase:tenant`, else the stack name) is `tenant`. Two files
 * claiming it is an error: which one's ports (for nginx, say) would be a guess.
 */
export async function findStackFile(projectDir: string, tenant: string): Promise<StackFile | undefined> {
    const found: StackFile[] = [];
    for (const file of await listStackFiles(projectDir)) {
        const stack = stackNameOf(file);
        let read: StackFile;
        try {
            read = await readStackFile(file);
        } catch (e) {
            // Another tenant's broken file must not block this one; this tenant's own must.
            if (stack === tenant) throw e;
            continue;
        }
        if ((read.config["frontbase:tenant"] ?? read.stack) === tenant) found.push(read);
    }
    if (found.length > 1) {
        throw new Error(`tenant ${tenant} is claimed by ${found.length} stack files: ${found.map((f) => f.file).join(", ")}; give all but one another frontbase:tenant (npm run tenant -- check)`);
    }
    return found[0];
}

export interface Engine {
    readonly docker: Docker;
    readonly host: string;
}

/** An Engine client for the tenant's host, checked to answer (a dead daemon is a clear error). */
export async function connect(ctx: OpsContext, stackConfig: Readonly<Record<string, string>> = {}): Promise<Engine> {
    // Same order as the Docker provider: the stack's `docker:host`, then DOCKER_HOST, then the local socket.
    const host = resolveDockerHost(ctx.dockerHost ?? stackConfig["docker:host"] ?? ctx.env.DOCKER_HOST);
    const docker = dockerClient(host);
    await pingDocker(docker, host);
    return { docker, host };
}

export async function tenantContainers(engine: Engine, tenant: string): Promise<TenantContainer[]> {
    const list = selectContainers(await engine.docker.listContainers({ all: true }), tenant);
    const inspected = await Promise.all(list.map((c) => engine.docker.getContainer(c.Id).inspect()));
    return byServiceOrder(inspected.map(toTenantContainer));
}

export async function tenantVolumes(engine: Engine, tenant: string): Promise<Docker.VolumeInspectInfo[]> {
    const { Volumes } = await engine.docker.listVolumes();
    return selectVolumes(Volumes ?? [], tenant).sort((a, b) => a.Name.localeCompare(b.Name));
}

/** Tenants this project or this host knows, for "unknown tenant" messages. */
export async function knownTenants(ctx: OpsContext, engine?: Engine): Promise<string[]> {
    const names = new Set<string>();
    for (const file of await listStackFiles(ctx.projectDir)) {
        try {
            const f = await readStackFile(file);
            names.add(f.config["frontbase:tenant"] ?? f.stack);
        } catch {
            // A broken stack file is the fleet check's business, not this list's.
        }
    }
    if (engine) for (const c of await engine.docker.listContainers({ all: true })) names.add(tenantOfLabels(c.Labels) ?? "");
    names.delete("");
    return [...names].sort();
}

export async function unknownTenant(ctx: OpsContext, tenant: string, engine?: Engine): Promise<UnknownTenantError> {
    const known = await knownTenants(ctx, engine);
    const where = engine ? ` and no container labelled ${TENANT_LABEL}=${tenant} (or ${COMPOSE_PROJECT_LABEL}=${projectName(tenant)}) on ${engine.host}` : "";
    return new UnknownTenantError(`unknown tenant "${tenant}": no stack file for it in ${ctx.projectDir}${where}; known tenants: ${known.join(", ") || "none"}`);
}
