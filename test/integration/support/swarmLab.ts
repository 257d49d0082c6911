// A real three-node Docker Swarm on this machine (scripts/swarm-lab.sh): one dockerd per
// network namespace, overlay networking between them. Tests reach nodes only at the lab's own
// addresses, and take the lab down afterwards.
import { execFile, spawnSync } from "child_process";
import Docker from "dockerode";
import * as path from "path";
import { promisify } from "util";
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
