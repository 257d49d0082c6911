// Host ports published by every container on a Docker host, running or not.
//
// Docker binds a published port only while the container runs, and the container list
// reports `Ports` only then; a stopped tenant must still be able to start again, so for
// every container that is not running the ports come from its HostConfig.PortBindings.
import type Docker from "dockerode";
import { COMPOSE_SERVICE_LABEL, tenantOfLabels } from "../components/naming";

export interface PublishedPort {
    readonly port: number;
    /** Host address it is (or will be) bound on; "" or 0.0.0.0 means every address. */
    readonly hostIp: string;
    /** Port inside the container. */
    readonly internal: number;
}

/** One entry of a container's `HostConfig.PortBindings`: configured, so known for stopped containers too. */
export interface PortBinding {
    /** As configured: "" means every address. */
    readonly hostIp: string;
    readonly hostPort: number;
    readonly containerPort: number;
    readonly protocol: string;
}

/** `HostConfig.PortBindings` as the Engine API returns it. */
export type EngineBindings = Record<string, readonly { HostIp?: string; HostPort?: string }[] | null>;

export interface ContainerPorts {
    readonly id: string;
    readonly name: string;
    /** `running`, `exited`, `created`, `paused`, `restarting`, `dead`. */
    readonly state: string;
    /** `healthy`, `unhealthy`, `starting`, or undefined when the container has no health check. */
    readonly health?: string;
    /** The `frontbase.tenant` label, when the container belongs to a tenant. */
    readonly tenant?: string;
    /** The compose service label (`backend`, `redis-http`, ...). */
    readonly service?: string;
    readonly ports: readonly PublishedPort[];
}

/** States in which Docker holds the container's published ports on the host. */
export const BINDING_STATES = new Set(["running", "paused", "restarting"]);

/** Parallel inspects, bounded so a host with hundreds of stopped containers is not flooded. */
const INSPECT_CONCURRENCY = 16;

export async function readContainerPorts(docker: Docker): Promise<ContainerPorts[]> {
    const list = await docker.listContainers({ all: true });
    const out: ContainerPorts[] = new Array(list.length);
    let next = 0;
    const worker = async () => {
        for (let i = next++; i < list.length; i = next++) out[i] = await describe(docker, list[i]);
    };
    await Promise.all(Array.from({ length: Math.min(INSPECT_CONCURRENCY, list.length) }, worker));
    return out.filter((c) => c !== undefined);
}

async function describe(docker: Docker, c: Docker.ContainerInfo): Promise<ContainerPorts> {
    const base = {
        id: c.Id,
        name: (c.Names?.[0] ?? c.Id).replace(/^\//, ""),
        state: c.State,
        health: healthOf(c.Status),
        tenant: tenantOfLabels(c.Labels),
        service: c.Labels?.[COMPOSE_SERVICE_LABEL],
    };
    if (BINDING_STATES.has(c.State)) {
        return { ...base, ports: dedupe((c.Ports ?? []).filter((p) => p.Type === "tcp" && p.PublicPort).map((p) => ({ port: p.PublicPort, hostIp: p.IP ?? "", internal: p.PrivatePort }))) };
    }
    let bindings: EngineBindings = {};
    try {
        bindings = (await docker.getContainer(c.Id).inspect()).HostConfig?.PortBindings ?? {};
    } catch (e) {
        // Removed between list and inspect: it holds nothing any more.
        if ((e as { statusCode?: number }).statusCode === 404) return { ...base, ports: [] };
        throw e;
    }
    const tcp = configuredBindings(bindings).filter((b) => b.protocol === "tcp");
    return { ...base, ports: dedupe(tcp.map((b) => ({ port: b.hostPort, hostIp: b.hostIp, internal: b.containerPort }))) };
}

/**
 * `{"80/tcp": [{HostIp, HostPort}]}` -> one entry per binding with a host port, every protocol,
 * in the Engine's order. An empty HostPort is Docker's pick at start, not a reservation.
 */
export function configuredBindings(bindings: EngineBindings | null | undefined): PortBinding[] {
    const out: PortBinding[] = [];
    for (const [spec, list] of Object.entries(bindings ?? {})) {
        const [containerPort, protocol = "tcp"] = spec.split("/");
        for (const b of list ?? []) {
            const hostPort = Number(b.HostPort);
            if (Number.isInteger(hostPort) && hostPort > 0) out.push({ hostIp: b.HostIp ?? "", hostPort, containerPort: Number(containerPort), protocol });
        }
    }
    return out;
}

/** Docker lists a port published on every address twice (0.0.0.0 and ::). */
function dedupe(ports: PublishedPort[]): PublishedPort[] {
    const seen = new Set<string>();
    return ports.filter((p) => {
        const key = `${p.port}/${p.internal}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
    });
}

function healthOf(status: string | undefined): string | undefined {
    const m = /\((healthy|unhealthy|health: starting)\)/.exec(status ?? "");
    return m ? m[1].replace("health: ", "") : undefined;
}
