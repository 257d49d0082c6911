// A Docker Engine API client for the host the tenants run on.
//
// The host is, in order: an explicit value, the stack's `docker:host` config, DOCKER_HOST,
// the local socket. Same resolution as @pulumi/docker's provider, so the allocator and the
// operator commands look at the same engine that `pulumi up` deploys to. This file is the
// only place that order is written.
import type Docker from "dockerode";
import { hostKeyVerifier } from "./knownHosts";

export const LOCAL_SOCKET = "/var/run/docker.sock";

/** `unix:///path`, `tcp://host:port` or `ssh://user@host[:port]`: the Engine a stack deploys to. */
export function resolveDockerHost(
    explicit?: string,
    stackConfig: Readonly<Record<string, string>> = {},
    env: NodeJS.ProcessEnv = process.env,
): string {
    return explicit ?? stackConfig["docker:host"] ?? env.DOCKER_HOST ?? `unix://${LOCAL_SOCKET}`;
}

/** FRONTBASE_NODE_HOSTS: a swarm node's own Engine, by hostname or node ID (`name=host,name=host`). */
export const NODE_HOSTS_ENV = "FRONTBASE_NODE_HOSTS";

export function parseNodeHosts(value: string | undefined): Map<string, string> {
    const out = new Map<string, string>();
    for (const part of (value ?? "")
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean)) {
        const eq = part.indexOf("=");
        const [name, host] = [part.slice(0, eq).trim(), part.slice(eq + 1).trim()];
        if (eq <= 0 || !/^(unix|tcp|http|https|ssh):\/\/./.test(host)) {
            throw new Error(
                `${NODE_HOSTS_ENV}: ${JSON.stringify(part)} is not name=host; give each node as its hostname (or ID), =, and an Engine address (unix://, tcp:// or ssh://), comma-separated`,
            );
        }
        out.set(name, host);
    }
    return out;
}

/**
 * A swarm node's own Engine, for what the manager's API cannot do on a node: its volumes and
 * its task containers (purge, backup, restore). In order: FRONTBASE_NODE_HOSTS; the manager's
 * own host when the node is the manager that host reaches; the manager's ssh:// or tcp://
 * address with the node's address in place of the manager's.
 */
export function resolveNodeHost(
    node: { readonly id: string; readonly hostname: string; readonly addr: string },
    manager: { readonly host: string; readonly nodeId?: string },
    env: NodeJS.ProcessEnv = process.env,
): string {
    const given = parseNodeHosts(env[NODE_HOSTS_ENV]);
    const named = given.get(node.hostname) ?? given.get(node.id);
    if (named) return named;
    if (node.id === manager.nodeId) return manager.host;
    const url = manager.host.startsWith("unix://") ? undefined : new URL(manager.host);
    const port = url?.port ? `:${url.port}` : "";
    if (url?.protocol === "ssh:") return `ssh://${url.username ? `${url.username}@` : ""}${node.addr}${port}`;
    if (url) return `${url.protocol}//${node.addr}${port}`;
    throw new Error(
        `the Engine of swarm node ${node.hostname} is not known: docker:host ${manager.host} reaches the manager only. Name it in ${NODE_HOSTS_ENV}, e.g. ${NODE_HOSTS_ENV}=${node.hostname}=ssh://root@${node.addr || "<address>"}`,
    );
}

/** Whether containers on this host publish their ports on this machine's interfaces. */
export function isLocalHost(host: string): boolean {
    if (host.startsWith("unix://") || host.startsWith("npipe://")) return true;
    const m = /^(tcp|http|https):\/\/(\[[^\]]+\]|[^:/]+)/.exec(host);
    return m !== null && ["localhost", "127.0.0.1", "[::1]"].includes(m[2]);
}

/** dockerode, loaded with the first client: a command that reads no Engine (`tenant check`) never pays for it. */
function dockerode(): typeof Docker {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("dockerode") as typeof Docker;
}

export function dockerClient(host: string = resolveDockerHost(), env: NodeJS.ProcessEnv = process.env): Docker {
    const Docker = dockerode();
    if (host.startsWith("unix://")) return new Docker({ socketPath: host.slice("unix://".length) });
    const url = new URL(host);
    if (url.protocol === "ssh:") {
        const port = url.port ? Number(url.port) : 22;
        // Authenticate with the operator's ssh-agent, and only to a host key known_hosts trusts.
        const sshOptions = { agent: env.SSH_AUTH_SOCK, hostVerifier: hostKeyVerifier(url.hostname, port) };
        return new Docker({
            protocol: "ssh",
            host: url.hostname,
            port,
            username: url.username || undefined,
            sshOptions,
        } as Docker.DockerOptions);
    }
    if (url.protocol === "tcp:" || url.protocol === "http:" || url.protocol === "https:") {
        return new Docker({ protocol: url.protocol === "https:" ? "https" : "http", host: url.hostname, port: Number(url.port || 2375) });
    }
    throw new Error(`docker host ${JSON.stringify(host)}: unsupported scheme; use unix://, tcp:// or ssh://`);
}

/** A client for `host`, checked to answer: a dead daemon is a clear error, before any other request. */
export interface Engine {
    readonly docker: Docker;
    readonly host: string;
}

export async function connectEngine(host: string, env: NodeJS.ProcessEnv = process.env): Promise<Engine> {
    const docker = dockerClient(host, env);
    await pingDocker(docker, host);
    return { docker, host };
}

/** A clear error for a daemon that does not answer, instead of a socket stack trace. */
export async function pingDocker(docker: Docker, host: string): Promise<void> {
    try {
        await docker.ping();
    } catch (e) {
        throw new Error(engineProblem(host, e as NodeJS.ErrnoException), { cause: e });
    }
}

/** What to tell the operator when the Engine cannot be reached: the cause decides the advice. */
export function engineProblem(host: string, e: NodeJS.ErrnoException): string {
    if (e.code === "EACCES" || e.code === "EPERM") {
        const uid = process.getuid?.();
        return `permission denied on the Docker Engine at ${host} (${e.code}): this user${uid === undefined ? "" : ` (uid ${uid})`} may not use it; run as a member of the socket's group (usually docker) or as root`;
    }
    return `the Docker Engine at ${host} does not answer (${e.message}); is dockerd running?`;
}
