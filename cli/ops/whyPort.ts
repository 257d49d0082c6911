// What `why-port <port>` says about one host port, from the host state the allocator reads
// (ports/hostState.ts). Pure: holders in, sentences out.
import { describeHolder, PortHolder } from "../../ports/hostState";
import { BINDING_STATES } from "../../ports/containers";

export interface ProcessInfo {
    readonly pid: number;
    readonly command: string;
}

export interface PortReport {
    readonly port: number;
    readonly free: boolean;
    readonly holders: readonly PortHolder[];
    readonly lines: readonly string[];
}

export interface ExplainInput {
    readonly port: number;
    readonly holders: readonly PortHolder[];
    readonly dockerHost: string;
    /** How listening sockets were learned: read here, remote host, or no /proc. */
    readonly listeners: "read" | "remote" | "unavailable";
    /** Owners of listening sockets by inode, where visible. */
    readonly owners?: ReadonlyMap<string, ProcessInfo>;
}

export function explainPort(i: ExplainInput): PortReport {
    // A running container's published port also shows as a listener: Docker's own port proxy.
    const publishedByRunning = i.holders.some((h) => h.kind === "container" && BINDING_STATES.has(h.state ?? ""));
    const lines = i.holders.map((h) => `- ${sentence(h, publishedByRunning, i.owners)}`);
    if (lines.length > 0)
        return { port: i.port, free: false, holders: i.holders, lines: [`port ${i.port} on ${i.dockerHost} is taken:`, ...lines] };
    const caveat =
        i.listeners === "read"
            ? "and no process listens on it"
            : i.listeners === "remote"
              ? "(listening processes on the remote host were not checked: run why-port on that host to see them)"
              : "(listening processes unknown: no /proc socket table here)";
    return {
        port: i.port,
        free: true,
        holders: [],
        lines: [
            `port ${i.port} on ${i.dockerHost} is free: no container publishes it, no stack file pins it, no reservation holds it, ${caveat}`,
        ],
    };
}

function sentence(h: PortHolder, publishedByRunning: boolean, owners?: ReadonlyMap<string, ProcessInfo>): string {
    const base = describeHolder(h);
    switch (h.kind) {
        case "container":
            return BINDING_STATES.has(h.state ?? "")
                ? base
                : `${base}: not running, but Docker binds the port again when it starts, so it stays taken`;
        case "listener": {
            const owner = h.inode ? owners?.get(h.inode) : undefined;
            const who = owner ? ` (pid ${owner.pid}, ${owner.command})` : "";
            return publishedByRunning
                ? `${base}${who}: Docker's port forwarding for that container`
                : `${base}${who}: not a container of this host's tenants`;
        }
        case "reserved":
            return `${base}: kept for other software by the operator`;
        default:
            return base;
    }
}
