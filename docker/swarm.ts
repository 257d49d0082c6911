// What a Docker Swarm cluster holds, read through its manager: nodes (state, memory) and the
// services with what they publish and reserve, each tied to a node. The allocator, the program's
// placement checks and the ops commands read the cluster here and nowhere else.
import type Docker from "dockerode";
import { existsSync } from "fs";
import * as path from "path";
import type { TenantConfig } from "../components/config";
import { isLocalHost } from "./dockerHost";
import { COMPOSE_SERVICE_LABEL, tenantOfLabels } from "../components/naming";
import { nodeConstraint, PlacedNode, tenantReservationBytes } from "../components/swarm/spec";

export interface SwarmNode {
    readonly id: string;
    readonly hostname: string;
    /** `ready`, `down`, `unknown`, `disconnected`. */
    readonly state: string;
    /** `active`, `pause`, `drain`. */
    readonly availability: string;
    readonly role: string;
    readonly addr: string;
    readonly memoryBytes: number;
}

export interface SwarmService {
    readonly id: string;
    readonly name: string;
    readonly tenant?: string;
    readonly service?: string;
    /** Hostname of the node its placement pins it to, else of the node its newest task is on. */
    readonly node?: string;
    readonly reservedBytes: number;
    /** Host-mode ports: held on the service's node only. */
    readonly hostPorts: readonly number[];
    /** Ingress (routing mesh) ports: held on every node. */
    readonly ingressPorts: readonly number[];
}

/** What the Engine API's node list gives (dockerode types it as `any`): the fields read here. */
export interface NodeInfo {
    readonly ID: string;
    readonly Version?: { readonly Index: number };
    readonly Spec?: { readonly Availability?: string; readonly Role?: string; readonly [key: string]: unknown };
    readonly Description?: { readonly Hostname?: string; readonly Resources?: { readonly MemoryBytes?: number } };
    readonly Status?: { readonly State?: string; readonly Addr?: string };
}

/** A task as the Engine API's task list gives it (dockerode: `any`): the fields read here. */
export interface TaskInfo {
    readonly ID?: string;
    readonly ServiceID: string;
    readonly NodeID?: string;
    readonly Slot?: number;
    readonly DesiredState?: string;
    readonly CreatedAt?: string;
    readonly UpdatedAt?: string;
    readonly Status?: { readonly State?: string; readonly Err?: string; readonly ContainerStatus?: { readonly ContainerID?: string } };
}

/** A service as the Engine API's service list gives it: the fields read here and in swarmTasks.ts. */
export interface ServiceInfo {
    readonly ID: string;
    readonly Version?: { readonly Index?: number };
    readonly Spec?: {
        readonly Name?: string;
        readonly Labels?: Record<string, string>;
        readonly Mode?: { readonly Replicated?: { readonly Replicas?: number } };
        readonly EndpointSpec?: { readonly Ports?: readonly PortInfo[] };
        readonly TaskTemplate?: {
            readonly ForceUpdate?: number;
            readonly ContainerSpec?: {
                readonly Labels?: Record<string, string>;
                readonly TTY?: boolean;
                readonly Image?: string;
                readonly Healthcheck?: { readonly Test?: readonly string[] };
            };
            readonly Placement?: { readonly Constraints?: readonly string[] };
            readonly Resources?: { readonly Reservations?: { readonly MemoryBytes?: number } };
        };
    };
    readonly Endpoint?: { readonly Ports?: readonly PortInfo[] };
}

export interface PortInfo {
    readonly PublishMode?: string;
    readonly PublishedPort?: number;
    readonly TargetPort?: number;
    readonly Protocol?: string;
}

export interface Cluster {
    readonly nodes: readonly SwarmNode[];
    readonly services: readonly SwarmService[];
}

/** Why `docker` cannot list the cluster (not in a swarm, or a worker), or undefined for a manager. */
async function notManager(docker: Docker, host: string): Promise<string | undefined> {
    const swarm = (await docker.info()).Swarm ?? {};
    if (swarm.LocalNodeState !== "active")
        return `docker:host ${host} is not part of a swarm (its node state is "${swarm.LocalNodeState ?? "unknown"}"); run \`docker swarm init\` there, or point docker:host at a manager`;
    if (!swarm.ControlAvailable)
        return `docker:host ${host} is a swarm worker, not a manager; point docker:host at a manager (\`docker node ls\` there shows them)`;
    return undefined;
}

/** Whether `docker` is a swarm manager (the only kind that lists services and tasks). */
export async function isSwarmManager(docker: Docker): Promise<boolean> {
    return (await notManager(docker, "")) === undefined;
}

/** The cluster, through `docker`; a clear error when it is not a manager. */
export async function readManagerCluster(docker: Docker, host: string): Promise<Cluster> {
    const problem = await notManager(docker, host);
    if (problem) throw new Error(problem);
    return readCluster(docker);
}

export async function readCluster(docker: Docker): Promise<Cluster> {
    const [nodes, services, tasks] = await Promise.all([
        docker.listNodes() as Promise<NodeInfo[]>,
        docker.listServices() as Promise<ServiceInfo[]>,
        docker.listTasks() as Promise<TaskInfo[]>,
    ]);
    const byId = new Map(nodes.map((n) => [n.ID, n]));
    return {
        nodes: nodes.map(describeNode).sort((a, b) => a.hostname.localeCompare(b.hostname)),
        services: services.map((s) =>
            describeService(
                s,
                tasks.filter((t) => t.ServiceID === s.ID),
                byId,
            ),
        ),
    };
}

function describeNode(n: NodeInfo): SwarmNode {
    return {
        id: n.ID,
        hostname: n.Description?.Hostname ?? "",
        state: n.Status?.State ?? "unknown",
        availability: n.Spec?.Availability ?? "active",
        role: n.Spec?.Role ?? "worker",
        addr: n.Status?.Addr ?? "",
        memoryBytes: n.Description?.Resources?.MemoryBytes ?? 0,
    };
}

function describeService(s: ServiceInfo, tasks: TaskInfo[], nodes: Map<string, NodeInfo>): SwarmService {
    const spec = s.Spec ?? {};
    const labels = spec.TaskTemplate?.ContainerSpec?.Labels ?? spec.Labels ?? {};
    const ports: readonly PortInfo[] = s.Endpoint?.Ports ?? spec.EndpointSpec?.Ports ?? [];
    const newest = [...tasks].sort((a, b) => String(b.UpdatedAt).localeCompare(String(a.UpdatedAt)))[0];
    const replicas = spec.Mode?.Replicated?.Replicas ?? 1;
    return {
        id: s.ID,
        name: spec.Name ?? s.ID,
        tenant: tenantOfLabels(spec.Labels) ?? tenantOfLabels(labels),
        service: spec.Labels?.[COMPOSE_SERVICE_LABEL] ?? labels[COMPOSE_SERVICE_LABEL],
        node: pinnedNode(spec.TaskTemplate?.Placement?.Constraints ?? [], nodes) ?? nodes.get(newest?.NodeID ?? "")?.Description?.Hostname,
        reservedBytes: (spec.TaskTemplate?.Resources?.Reservations?.MemoryBytes ?? 0) * replicas,
        hostPorts: publishedPorts(ports, (mode) => mode === "host"),
        ingressPorts: publishedPorts(ports, (mode) => mode !== "host"),
    };
}

function publishedPorts(ports: readonly PortInfo[], mode: (m: string | undefined) => boolean): number[] {
    return ports.flatMap((p) => (mode(p.PublishMode) && p.PublishedPort ? [p.PublishedPort] : []));
}

/** `node.hostname==X` or `node.id==Y` -> the node's hostname. */
function pinnedNode(constraints: readonly string[], nodes: Map<string, NodeInfo>): string | undefined {
    for (const c of constraints) {
        const m = /^node\.(hostname|id)\s*==\s*(\S+)$/.exec(c);
        if (!m) continue;
        if (m[1] === "hostname") return m[2];
        return nodes.get(m[2])?.Description?.Hostname ?? m[2];
    }
    return undefined;
}

/** The node a stack names, by hostname or ID; undefined when the cluster has none such. */
export function findNode(cluster: Pick<Cluster, "nodes">, named: string): SwarmNode | undefined {
    return cluster.nodes.find((n) => n.id === named || n.hostname === named);
}

/** "the swarm has no node X; its nodes: a (ready, active), ...": the one wording of an unknown node. */
export function unknownNode(cluster: Pick<Cluster, "nodes">, named: string): string {
    return `the swarm has no node "${named}"; its nodes: ${cluster.nodes.map((n) => `${n.hostname} (${n.state}, ${n.availability})`).join(", ")}`;
}

/** The node `named`, or an error in that wording (`what`: the field or flag that named it). */
export function nodeNamed(cluster: Pick<Cluster, "nodes">, named: string, what: string): SwarmNode {
    const node = findNode(cluster, named);
    if (!node) throw new Error(`${what}: ${unknownNode(cluster, named)}`);
    return node;
}

/** Memory the node's services (all but `exceptTenant`'s) reserve, in bytes. */
export function reservedOn(cluster: Cluster, hostname: string, exceptTenant?: string): number {
    return cluster.services
        .filter((s) => s.node === hostname && (exceptTenant === undefined || s.tenant !== exceptTenant))
        .reduce((sum, s) => sum + s.reservedBytes, 0);
}

/** Automatic placement: the ready, active node with the most unreserved memory. */
export function roomiestNode(cluster: Cluster): SwarmNode | undefined {
    const free = (n: SwarmNode) => n.memoryBytes - reservedOn(cluster, n.hostname);
    return cluster.nodes
        .filter((n) => n.state === "ready" && n.availability === "active")
        .sort((a, b) => free(b) - free(a) || a.hostname.localeCompare(b.hostname))[0];
}

const GIB = 1024 ** 3;
const gib = (bytes: number) => `${(bytes / GIB).toFixed(2)} GiB`;

/**
 * Why `named` cannot take a tenant that reserves `needBytes`, in plain words; undefined when it
 * can. The tenant's own services already there count as free (an update replaces them).
 */
export function placementProblem(cluster: Cluster, named: string, tenant: string, needBytes: number): string | undefined {
    const node = findNode(cluster, named);
    if (!node) return `frontbase:node: ${unknownNode(cluster, named)}`;
    if (node.state !== "ready")
        return `frontbase:node: node ${node.hostname} is ${node.state}: the manager cannot reach it, so nothing can start there`;
    if (node.availability !== "active")
        return `frontbase:node: node ${node.hostname} is set to ${node.availability}; \`docker node update --availability active ${node.hostname}\` lets tasks run there again`;
    const free = node.memoryBytes - reservedOn(cluster, node.hostname, tenant);
    if (needBytes > free) {
        return `frontbase:memory: the tenant reserves ${gib(needBytes)} but node ${node.hostname} has ${gib(free)} unreserved (of ${gib(node.memoryBytes)}); lower frontbase:memory or pick another node`;
    }
    return undefined;
}

/**
 * The routing mesh (`publishMode: ingress`) balances through IPVS. Without it a service's task
 * runs and its port answers on no node (the lab here: tasks Running, every node's port silent).
 * Only a manager on this machine can be checked, its kernel being this one; a remote cluster's
 * nodes are the operator's to check (`ls /proc/net/ip_vs` on each).
 */
export function meshProblem(cfg: Pick<TenantConfig, "publishMode">, dockerHost: string, procRoot = "/proc"): string | undefined {
    if (cfg.publishMode !== "ingress" || !isLocalHost(dockerHost)) return undefined;
    if (existsSync(path.join(procRoot, "net", "ip_vs"))) return undefined;
    return `frontbase:publishMode: "ingress" needs IPVS, and this machine's kernel, the manager's at ${dockerHost}, has none (no ${procRoot}/net/ip_vs): the tasks would run and the mesh would route nothing. Load it on every node (modprobe ip_vs), or publish in "host" mode`;
}

/** Thrown when a swarm tenant cannot go to its node; the message names the field and the fix. */
export class PlacementError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlacementError";
    }
}

/**
 * A swarm tenant's node, checked in the cluster the manager reported, before anything is created
 * (the program, `preflight` and `tenant new` alike): it exists, the manager reaches it, it takes
 * tasks, and its unreserved memory holds the tenant's. Pure.
 */
export function placeOnNode(
    cluster: Cluster,
    cfg: Pick<TenantConfig, "node" | "tenant" | "memory" | "database"> & { readonly publishMode?: TenantConfig["publishMode"] },
): PlacedNode {
    const problem = placementProblem(cluster, cfg.node!, cfg.tenant, tenantReservationBytes(cfg));
    if (problem) throw new PlacementError(problem);
    const node = findNode(cluster, cfg.node!)!;
    return {
        id: node.id,
        hostname: node.hostname,
        constraint: nodeConstraint(node, cfg.node!),
        ...(cfg.publishMode === "ingress" ? { ingress: true } : {}),
    };
}
