// Read-decide-check-write, under the host's lock: the one way ports get allocated, used by
// `tenant new` and by the stack program alike.
import type Docker from "dockerode";
import type { PortRange } from "../components/config";
import { AnyPortKey, PortKey } from "../components/naming";
import { Allocation, allocatePorts, PortExhaustedError, Ports, TakenPorts } from "./allocate";
import { bindCheck, BindChecker, BindFailure } from "./bindCheck";
import { describeHolder, HolderKind, HostState, PortHolder, previousPorts, readHostState, SwarmNodeRef } from "./hostState";
import { recordAllocation } from "./ledger";
import { readListeners, socketOwner } from "./listeners";
import { acquireLock, hostFiles, lockDir } from "./lock";

export interface ResolveOptions {
    readonly tenant: string;
    readonly dockerHost: string;
    /** Where the stack files are (other tenants' pins, this tenant's previous ones). */
    readonly projectDir?: string;
    readonly ranges: Readonly<Record<PortKey, PortRange>>;
    /** The keys to give ports to (default the four; a tenant with two slots has the second slot's too). */
    readonly keys?: readonly AnyPortKey[];
    /** Ports pinned in the tenant's config: kept as they are. */
    readonly pinned?: Readonly<Partial<Ports>>;
    readonly reservedPorts?: readonly number[];
    /** Rescans after a failed bind check before giving up. */
    readonly maxRetries: number;
    /** The address Docker publishes on; the bind check binds there. */
    readonly bindAddress: string;
    /** Read only: no lock, no ledger entry, no commit (previews, `--dry-run`). */
    readonly dryRun?: boolean;
    /** Writes the decision while the lock is still held; returns the stack file it wrote, if any. */
    readonly commit?: (ports: Ports, state: HostState) => Promise<string | undefined>;
    /** Who allocates, for the ledger and lock messages: `tenant new`, `pulumi up`. */
    readonly by: string;
    readonly docker?: Docker | null;
    readonly procRoot?: string;
    /** Binds chosen ports on this machine before they are handed out; tests give a stand-in. */
    readonly bindCheck?: BindChecker;
    readonly lockDir?: string;
    readonly lockTimeoutMs?: number;
    /** Progress for humans (stderr, pulumi log). */
    readonly log?: (message: string) => void;
    /** How long the ledger entry holds the ports when no stack file is written (a reservation). */
    readonly ttlMs?: number;
    /** A swarm node (dockerHost is its manager): allocate the node's ports (see HostStateOptions.node). */
    readonly node?: SwarmNodeRef;
}

export interface Resolution extends Allocation {
    /** Scans it took: 1 unless a bind check failed. */
    readonly attempts: number;
    readonly state: HostState;
    /** The stack file `commit` wrote, if any. */
    readonly file?: string;
}

export class PortBusyError extends Error {
    constructor(
        readonly port: number,
        readonly service: AnyPortKey,
        readonly holder: string,
        detail: string,
    ) {
        super(`port ${port} for ${service} is still in use: ${detail}; held by ${holder}`);
        this.name = "PortBusyError";
    }
}

export async function resolvePorts(opts: ResolveOptions): Promise<Resolution> {
    const files = hostFiles(opts.dockerHost, opts.lockDir ?? lockDir());
    const release = opts.dryRun
        ? async () => undefined
        : await acquireLock(files.lock, {
              timeoutMs: opts.lockTimeoutMs,
              what: `${opts.by} ${opts.tenant}`,
              onWait: (who) => opts.log?.(`waiting for the port allocation lock, held by ${who}`),
          });
    try {
        const found = await decide(opts, files.ledger);
        if (opts.dryRun) return found;
        const file = await opts.commit?.(found.ports, found.state);
        await recordAllocation(files.ledger, {
            tenant: opts.tenant,
            ports: found.ports,
            file,
            at: Date.now(),
            by: opts.by,
            ...(opts.ttlMs === undefined || file ? {} : { ttlMs: opts.ttlMs }),
        });
        return { ...found, file };
    } finally {
        await release();
    }
}

async function decide(opts: ResolveOptions, ledgerFile: string): Promise<Resolution> {
    // Ports a bind check refused; kept across rescans so the allocator steps past them.
    const refused = new Map<number, PortHolder>();
    let counted = 0;
    for (let attempt = 1; ; attempt++) {
        const state = await readHostState({
            dockerHost: opts.dockerHost,
            tenant: opts.tenant,
            projectDir: opts.projectDir,
            docker: opts.docker,
            reservedPorts: opts.reservedPorts,
            procRoot: opts.procRoot,
            ledgerFile,
            node: opts.node,
        });
        const taken: TakenPorts = { has: (p) => state.holders.has(p) || refused.has(p) };
        const allocation = allocate(opts, taken, state, refused);
        const failures = state.local ? await (opts.bindCheck ?? bindCheck)(toCheck(allocation, state), opts.bindAddress) : [];
        if (failures.length === 0) return { ...allocation, attempts: attempt, state };
        for (const f of failures) refused.set(f.port, { kind: "bind-check", address: `${f.address}:${f.port}` });
        // Without a socket table the bind check is the only way to find listeners: each
        // failure is a discovery, not a race, so only races spend frontbase:maxRetries.
        if (state.listeners === "read" && ++counted > opts.maxRetries) throw await busy(failures[0], allocation, attempt, opts);
        opts.log?.(`port(s) ${failures.map((f) => `${f.port} (${f.code})`).join(", ")} refused a bind after the scan; rescanning`);
    }
}

/** allocatePorts, with a full range's error saying who holds its ports, by kind and count. */
function allocate(opts: ResolveOptions, taken: TakenPorts, state: HostState, refused: ReadonlyMap<number, PortHolder>): Allocation {
    try {
        return allocatePorts({ ranges: opts.ranges, keys: opts.keys, taken, pinned: opts.pinned, previous: previousPorts(state.own) });
    } catch (e) {
        if (!(e instanceof PortExhaustedError)) throw e;
        throw new PortExhaustedError(e.service, e.range, { ...e.use, breakdown: heldBy(e.range, state, refused) });
    }
}

const KIND_WORDS: Record<HolderKind, string> = {
    container: "containers",
    "stack-file": "other tenants' stack files",
    ledger: "recent allocations of other tenants (the ledger)",
    listener: "listening processes",
    reserved: "frontbase:reservedPorts",
    "bind-check": "processes that refused a bind",
};

/** "996 by listening processes, 2 by containers": each held port of `range` counted once, by its first holder. */
function heldBy(range: PortRange, state: Pick<HostState, "holders">, refused: ReadonlyMap<number, PortHolder> = new Map()): string {
    const counts = new Map<HolderKind, number>();
    for (let p = range.from; p <= range.to; p++) {
        const kind = state.holders.get(p)?.[0]?.kind ?? refused.get(p)?.kind;
        if (kind) counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    return [...counts]
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${n} by ${KIND_WORDS[k]}`)
        .join(", ");
}

/** Ports to bind-check: not pinned (those are the operator's call) and not bound by the tenant's own containers. */
function toCheck(a: Allocation, state: HostState): number[] {
    return (Object.entries(a.ports) as [AnyPortKey, number][])
        .filter(([k, port]) => a.sources[k] !== "pinned" && !state.own.bound.has(port))
        .map(([, port]) => port);
}

async function busy(f: BindFailure, a: Allocation, attempts: number, opts: ResolveOptions): Promise<PortBusyError> {
    const service = (Object.keys(a.ports) as AnyPortKey[]).find((k) => a.ports[k] === f.port)!;
    const detail = `bind on ${f.address}:${f.port} failed with ${f.code} after ${attempts} scans (frontbase:maxRetries = ${opts.maxRetries})`;
    return new PortBusyError(f.port, service, await whoHolds(f.port, opts.procRoot), detail);
}

/** Best effort, on the error path only: the listener's process from the socket table. */
async function whoHolds(port: number, procRoot?: string): Promise<string> {
    const scan = await readListeners(procRoot);
    const l = scan.listeners.find((x) => x.port === port);
    if (!l) return "an unknown process (it is not in the socket table; it may have let go already or live in another network namespace)";
    const owner = await socketOwner(l.inode, procRoot);
    const where = describeHolder({ kind: "listener", address: l.address });
    return owner ? `${where}: pid ${owner.pid} (${owner.command})` : where;
}
