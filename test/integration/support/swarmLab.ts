// A real three-node Docker Swarm on this machine (scripts/swarm-lab.sh): one dockerd per
// network namespace, overlay networking between them. Tests reach nodes only at the lab's own
// addresses, and take the lab down afterwards.
import { execFile, spawnSync } from "child_process";
import Docker from "dockerode";
import * as path from "path";
import { promisify } from "util";
import { REAL_TENANT_IMAGES } from "../../images/frontbase";
import { PROJECT_DIR } from "./projectCopy";

const run = promisify(execFile);
const SCRIPT = path.join(PROJECT_DIR, "scripts", "swarm-lab.sh");

export const LAB_NODES = 3;
export const nodeName = (k: number) => `fbswarm-${k}`;
export const nodeAddr = (k: number) => `10.231.0.${10 + k}`;
export const nodeSocket = (k: number) => `unix:///run/fbswarm/${k}/docker.sock`;
export const MANAGER = nodeSocket(1);
/** Each node's own Engine, as `swarm-lab.sh env` prints it: what purge, backup and restore reach a node by. */
export const NODE_HOSTS = Array.from({ length: LAB_NODES }, (_, i) => `${nodeName(i + 1)}=${nodeSocket(i + 1)}`).join(",");
export const nodeDocker = (k: number) => new Docker({ socketPath: nodeSocket(k).slice("unix://".length) });

/** Why a lab cannot be made here (not root, no ip/iptables/nsenter), or undefined. */
export function labProblem(): string | undefined {
    if (process.getuid?.() !== 0) return "the swarm lab needs root (network namespaces, a bridge, iptables)";
    for (const tool of ["ip", "iptables", "nsenter", "unshare", "dockerd"]) {
        if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `the swarm lab needs ${tool}`;
    }
    return undefined;
}

async function lab(args: string[], timeout = 10 * 60_000): Promise<string> {
    const r = await run("bash", [SCRIPT, ...args], { timeout, maxBuffer: 1 << 24 });
    return `${r.stdout}${r.stderr}`;
}

/** A fresh lab (a leftover one is taken down first), with `images` loaded into every node. */
export async function labUp(images: readonly string[]): Promise<string> {
    await lab(["down"]);
    return lab(["up", String(LAB_NODES), ...images]);
}

export const labDown = () => lab(["down"]);
export const nodeStop = (k: number) => lab(["stop", String(k)]);
export const nodeStart = (k: number) => lab(["start", String(k)]);

/** A tenant's running tasks as the manager sees them: service -> [node hostname, state], in one order. */
export async function tenantTasks(tenant: string): Promise<Record<string, readonly [string, string]>> {
    const manager = nodeDocker(1);
    const nodes = new Map((await manager.listNodes()).map((n: any) => [n.ID, n.Description.Hostname]));
    const list: any[] = await manager.listTasks({ filters: { label: [`frontbase.tenant=${tenant}`], "desired-state": ["running"] } });
    const rows = list.map(
        (k) => [k.Spec.ContainerSpec.Labels["com.docker.compose.service"], [nodes.get(k.NodeID), k.Status.State]] as const,
    );
    // Sorted, so that two readings compare as text too.
    return Object.fromEntries(rows.sort((x, y) => String(x[0]).localeCompare(String(y[0]))));
}

/** What tenantTasks reads for a tenant whose five services all run on node `k`. */
export const allRunningOn = (k: number) =>
    Object.fromEntries(["backend", "edge", "frontend", "redis", "redis-http"].map((s) => [s, [nodeName(k), "running"]]));

/** The names of a tenant's volumes on node `k`. */
export async function tenantVolumes(k: number, tenant: string): Promise<string[]> {
    return ((await nodeDocker(k).listVolumes()).Volumes ?? [])
        .filter((v) => v.Labels?.["frontbase.tenant"] === tenant)
        .map((v) => v.Name)
        .sort();
}

/** A throwaway container on the manager, attached to a tenant's (attachable) overlay network. */
export async function fromNetwork(network: string, script: string): Promise<{ code: number; out: string }> {
    const r = await run("docker", ["-H", MANAGER, "run", "--rm", "--network", network, REAL_TENANT_IMAGES.backend, "sh", "-c", script], {
        timeout: 60_000,
    }).catch((e) => e);
    return { code: r.code ?? 0, out: `${r.stdout ?? ""}`.trim() };
}
