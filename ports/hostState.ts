// What a Docker host holds, read once per allocation: every published port of every
// container (running or stopped), every port pinned in another tenant's stack file or
// recorded in the host's ledger, every listening socket when the host is this machine, and
// the operator's reserved ports. One read of each source, then lookups in a map: the old
// scanner's cost grew with every candidate port, this grows with the size of the host.
import type Docker from "dockerode";
import * as path from "path";
import { dockerClient, isLocalHost, pingDocker } from "../docker/dockerHost";
import { ALL_PORT_KEYS, AnyPortKey, PORT_KEYS, SERVICE_OF_PORT, Slot, slotPortKey } from "../components/naming";
import type { Ports } from "./allocate";
import { BINDING_STATES, ContainerPorts, readContainerPorts } from "./containers";
import { LedgerEntry, readLedger } from "./ledger";
import { readListeners } from "./listeners";
import { readCluster } from "../docker/swarm";
import { hostFiles } from "./lock";
import { readOnePins, readStackPins, StackPins } from "../project/stackPins";

export type HolderKind = "container" | "stack-file" | "ledger" | "listener" | "reserved" | "bind-check";

export interface PortHolder {
    readonly kind: HolderKind;
    readonly tenant?: string;
    /** Config key (`backend`) or compose service (`redis-http`). */
    readonly service?: string;
    readonly container?: string;
    readonly state?: string;
    readonly file?: string;
    /** Local address of a listener, or the address a bind check failed on. */
    readonly address?: string;
    readonly inode?: string;
}

export interface OwnPorts {
    /** Published ports of the tenant's own containers, by config key (from their labels). */
    readonly containers: Partial<Ports>;
    /** Ports pinned in the tenant's own stack file. */
    readonly stackFile: Partial<Ports>;
    /** Ports the ledger recorded for the tenant (e.g. an earlier, unfinished `pulumi up`). */
    readonly ledger: Partial<Ports>;
    /** Own ports Docker currently binds (a listener there is the tenant itself). */
    readonly bound: ReadonlySet<number>;
}

export interface HostState {
    readonly dockerHost: string;
    readonly local: boolean;
    /** `read`: socket table read; `remote`: host is another machine; `unavailable`: no /proc. */
    readonly listeners: "read" | "remote" | "unavailable";
    /** Who holds each port, except the tenant itself. */
    readonly holders: ReadonlyMap<number, readonly PortHolder[]>;
    readonly own: OwnPorts;
    readonly containers: readonly ContainerPorts[];
    readonly stackFiles: readonly StackPins[];
    /** `lenient` only: stack files that could not be read, each with why; their pins are unknown. */
    readonly unreadable: readonly { readonly file: string; readonly problem: string }[];
}

export interface HostStateOptions {
    readonly dockerHost: string;
    /** The tenant allocating; its own ports are its own, not taken. Omit to see every holder. */
    readonly tenant?: string;
    /** Where the stack files are; omit to read none. */
    readonly projectDir?: string;
    /**
     * A stack file that is not even YAML goes to `unreadable` instead of failing the read. For
     * reports (why-port) only: an allocation must not hand out ports a broken file may pin.
     */
    readonly lenient?: boolean;
    /** An Engine API client; default: one for `dockerHost`. `null` reads no containers. */
    readonly docker?: Docker | null;
    readonly reservedPorts?: readonly number[];
    readonly procRoot?: string;
    /** The host's ledger; default: next to the host's lock. `null` reads none. */
    readonly ledgerFile?: string | null;
    /**
     * A swarm node, when `dockerHost` is the cluster's manager: ports are the node's. They are
     * held by services published on it in host mode (tasks running or not) and by every
     * ingress-mode port, by stack files pinned to it, and by stack files of target `docker`
     * (a single-node swarm shares its host with them). A stack file pinned to another node
     * holds nothing here (unless it publishes through the routing mesh), and this machine's
     * sockets say nothing of the node.
     */
    readonly node?: SwarmNodeRef;
}

/** A swarm node; `ingress`: the tenant publishes through the routing mesh, so on every node (every node's ports count). */
export interface SwarmNodeRef {
    readonly id: string;
    readonly hostname: string;
    readonly ingress?: boolean;
}

export async function readHostState(opts: HostStateOptions): Promise<HostState> {
    const node = opts.node;
    const local = node === undefined && isLocalHost(opts.dockerHost);
    const docker = opts.docker === undefined ? dockerClient(opts.dockerHost) : opts.docker;
    const ledgerFile = opts.ledgerFile === undefined ? hostFiles(opts.dockerHost).ledger : opts.ledgerFile;
    const [containers, allStackFiles, scan, ledger] = await Promise.all([
        !docker ? [] : node ? readNodePorts(docker, node) : readContainers(docker, opts.dockerHost),
        opts.projectDir ? readStackPins(opts.projectDir, { lenient: opts.lenient }) : [],
        local ? readListeners(opts.procRoot) : undefined,
        ledgerFile ? readLedger(ledgerFile) : [],
    ]);
    // The tenant's own file counts wherever it points: its pins are what a move to `node` keeps.
    const onOtherNode = (f: StackPins) =>
        node !== undefined &&
        !node.ingress &&
        f.tenant !== opts.tenant &&
        f.config?.target === "swarm" &&
        f.config.publishMode !== "ingress" &&
        f.config.node !== node.hostname &&
        f.config.node !== node.id;
    const stackFiles = allStackFiles.filter((f) => !f.unreadable && !onOtherNode(f));
    const unreadable = allStackFiles.filter((f) => f.unreadable).map((f) => ({ file: f.file, problem: f.problems.join("; ") }));
    const holders = new Map<number, PortHolder[]>();
    const add = (port: number, h: PortHolder) => (holders.get(port) ?? holders.set(port, []).get(port)!).push(h);
    const self = opts.tenant;
    const own = {
        containers: {} as Partial<Ports>,
        stackFile: {} as Partial<Ports>,
        ledger: {} as Partial<Ports>,
        bound: new Set<number>(),
    };

    for (const c of containers) {
        for (const p of c.ports) {
            if (self !== undefined && c.tenant === self) {
                const key = portKeyOf(c.service, c.slot);
                if (key && own.containers[key] === undefined) own.containers[key] = p.port;
                if (BINDING_STATES.has(c.state)) own.bound.add(p.port);
            } else
                add(p.port, {
                    kind: "container",
                    tenant: c.tenant,
                    service: c.service,
                    container: c.name,
                    state: c.state,
                    address: p.hostIp,
                });
        }
    }
    const reserved = new Map<number, string | undefined>((opts.reservedPorts ?? []).map((p) => [p, undefined]));
    for (const f of stackFiles) {
        for (const p of f.reservedPorts) if (!reserved.has(p)) reserved.set(p, f.file);
        if (f.tenant === self) Object.assign(own.stackFile, { ...f.ports, ...own.stackFile });
        else
            for (const key of ALL_PORT_KEYS)
                if (f.ports[key] !== undefined) add(f.ports[key]!, { kind: "stack-file", tenant: f.tenant, service: key, file: f.file });
    }
    for (const e of await ledgerPins(ledger, stackFiles, opts.projectDir)) {
        if (e.tenant === self) Object.assign(own.ledger, e.ports);
        else
            for (const key of ALL_PORT_KEYS)
                if (e.ports[key] !== undefined)
                    add(e.ports[key]!, { kind: e.file ? "stack-file" : "ledger", tenant: e.tenant, service: key, file: e.file });
    }
    for (const l of scan?.listeners ?? [])
        if (!own.bound.has(l.port)) add(l.port, { kind: "listener", address: l.address, inode: l.inode });
    for (const [p, file] of reserved) add(p, { kind: "reserved", file });

    const listeners = !local ? "remote" : scan?.available ? "read" : "unavailable";
    return { dockerHost: opts.dockerHost, local, listeners, holders, own, containers, stackFiles, unreadable };
}

/** The node's ports as ContainerPorts (every node's, for `ingress`): one entry per service holding any (state `service`). */
async function readNodePorts(docker: Docker, node: SwarmNodeRef): Promise<ContainerPorts[]> {
    const cluster = await readCluster(docker);
    const here = (s: { node?: string }) => node.ingress === true || s.node === node.hostname;
    return cluster.services
        .map((s) => ({
            id: s.id,
            name: s.name,
            state: "service",
            tenant: s.tenant,
            service: s.service,
            ports: [...(here(s) ? s.hostPorts : []), ...s.ingressPorts].map((port) => ({ port, hostIp: "", internal: 0 })),
        }))
        .filter((c) => c.ports.length > 0);
}

/** Ports a tenant had before, most authoritative first: what runs, what is pinned, what was recorded. */
export function previousPorts(own: OwnPorts): Partial<Ports> {
    return { ...own.ledger, ...own.stackFile, ...own.containers };
}

export function describeHolder(h: PortHolder): string {
    const svc = h.service ? ` (${h.service})` : "";
    switch (h.kind) {
        case "container":
            // A swarm service (HostStateOptions.node): it holds the port whether its task runs or not.
            if (h.state === "service") return `swarm service ${h.container}${h.tenant ? ` of tenant ${h.tenant}` : ""}${svc}`;
            return `container ${h.container}${h.tenant ? ` of tenant ${h.tenant}` : ""}${svc}, ${h.state}`;
        case "stack-file":
            return `tenant ${h.tenant}'s stack file ${h.file}${h.service ? ` (ports.${h.service})` : ""}`;
        case "ledger":
            return `tenant ${h.tenant}${svc}, allocated by a recent \`pulumi up\` whose containers do not exist yet`;
        case "listener":
            return `a process listening on ${h.address?.includes(":") ? `[${h.address}]` : h.address}`;
        case "reserved":
            return `frontbase:reservedPorts${h.file ? ` in ${h.file}` : ""}`;
        case "bind-check":
            return `something that refused a bind on ${h.address} (not in the socket table when scanned)`;
    }
}

/** The config key of a tenant's container's port, from its service and slot labels. */
function portKeyOf(service: string | undefined, slot: Slot = 1): AnyPortKey | undefined {
    const key = PORT_KEYS.find((k) => SERVICE_OF_PORT[k] === service);
    return key && slotPortKey(key, slot);
}

async function readContainers(docker: Docker, host: string): Promise<ContainerPorts[]> {
    try {
        return await readContainerPorts(docker);
    } catch (e) {
        await pingDocker(docker, host); // throws the clear "does not answer" message when down
        throw e;
    }
}

/** Ledger entries outside this project: a stack file there is read for its current pins. */
async function ledgerPins(entries: readonly LedgerEntry[], here: readonly StackPins[], projectDir?: string): Promise<LedgerEntry[]> {
    const local = new Set(here.map((f) => f.file));
    const out: LedgerEntry[] = [];
    for (const e of entries) {
        if (!e.file) out.push(e);
        else if (!local.has(e.file) && (!projectDir || path.dirname(e.file) !== path.resolve(projectDir))) {
            const pins = await readOnePins(e.file).catch(() => undefined);
            if (pins && pins.tenant === e.tenant) out.push({ ...e, ports: pins.ports });
        }
    }
    return out;
}
