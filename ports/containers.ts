// Host ports published by every container on a Docker host, running or not: what the
// allocator must step around. (What the commands show about a tenant's containers, with their
// health, is docker/containers.ts.)
//
// Docker binds a published port only while the container runs, and the container list
// reports `Ports` only then; a stopped tenant must still be able to start again, so for
// every container that is not running the ports come from its HostConfig.PortBindings.
// A container in a restart loop is listed `restarting` with no `Ports` while it waits, and
// binds them again a moment later: its ports, too, come from its configuration.
import type Docker from "dockerode";
import { COMPOSE_SERVICE_LABEL, Slot, SLOT_LABEL, tenantOfLabels } from "../components/naming";
import { configuredBindings, mapBounded, unlessGone } from "../docker/containers";

export interface PublishedPort {
    readonly port: number;
    /** Host address it is (or will be) bound on; "" or 0.0.0.0 means every address. */
    readonly hostIp: string;
    /** Port inside the container. */
    readonly internal: number;
}

export interface ContainerPorts {
    readonly id: string;
    readonly name: string;
    /** `running`, `exited`, `created`, `paused`, `restarting`, `dead`. */
    readonly state: string;
    /** The `frontbase.tenant` label, when the container belongs to a tenant. */
    readonly tenant?: string;
    /** The compose service label (`backend`, `redis-http`, ...). */
    readonly service?: string;
    /** The `frontbase.slot` label of an app container of a tenant with two slots (components/slots.ts). */
    readonly slot?: Slot;
    readonly ports: readonly PublishedPort[];
}

/** States in which Docker holds the container's published ports on the host (`restarting`: again in a moment). */
export const BINDING_STATES = new Set(["running", "paused", "restarting"]);

export async function readContainerPorts(docker: Docker): Promise<ContainerPorts[]> {
    return mapBounded(await docker.listContainers({ all: true }), (c) => describe(docker, c));
}

async function describe(docker: Docker, c: Docker.ContainerInfo): Promise<ContainerPorts> {
    const base = {
        id: c.Id,
        name: (c.Names?.[0] ?? c.Id).replace(/^\//, ""),
        state: c.State,
        tenant: tenantOfLabels(c.Labels),
        service: c.Labels?.[COMPOSE_SERVICE_LABEL],
        ...(c.Labels?.[SLOT_LABEL] === "2" ? { slot: 2 as const } : {}),
    };
    if (c.State === "running" || c.State === "paused") {
        return {
            ...base,
            ports: dedupe(
                (c.Ports ?? [])
                    .filter((p) => p.Type === "tcp" && p.PublicPort)
                    .map((p) => ({ port: p.PublicPort, hostIp: p.IP ?? "", internal: p.PrivatePort })),
            ),
        };
    }
    // Removed between list and inspect: it holds nothing any more.
    const inspected = await unlessGone(() => docker.getContainer(c.Id).inspect());
    const tcp = configuredBindings(inspected?.HostConfig?.PortBindings).filter((b) => b.protocol === "tcp");
    return { ...base, ports: dedupe(tcp.map((b) => ({ port: b.hostPort, hostIp: b.hostIp, internal: b.containerPort }))) };
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
