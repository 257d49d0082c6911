// `why-port <port> [--json]`: who holds a host port on the Docker host — a tenant's container
// (running or stopped), another tenant's stack file, a recent allocation, a process listening
// on it, a reservation — or that it is free.
import { dockerClient } from "../../docker/dockerHost";
import { readHostState } from "../../ports/hostState";
import { socketOwner } from "../../ports/listeners";
import { integer, nodeArg } from "../args";
import { defineCommand } from "../command";
import { dockerHostFor, ledgerFile } from "../../tenants/context";
import { legacyRunner } from "../ops/context";
import { explainPort, ProcessInfo } from "../ops/whyPort";
import { nodeNamed, readManagerCluster } from "../../docker/swarm";

export const command = defineCommand({
    name: "why-port",
    summary: "who holds a host port on the Docker host, or that it is free",
    readOnly: true,
    args: [{ name: "port", about: "a host port, 1 to 65535", parse: integer(1, 65535) }],
    flags: {
        json: { kind: "boolean", about: "print one JSON object (port, free, holders)" },
        node: {
            kind: "value",
            arg: "NAME",
            help: "a swarm node's hostname or ID",
            about: "on a swarm (DOCKER_HOST is its manager): the port on this node",
            parse: nodeArg,
        },
    },
    notes: "Exit 0 when answered either way (a stack file that is not YAML is a warning on stderr), 1 on error (e.g. an unreachable Engine), 2 on a usage error.",
    async run({ args, flags }, ctx) {
        const { port } = args;
        const dockerHost = dockerHostFor(ctx);
        const docker = dockerClient(dockerHost, ctx.env);
        const node = flags.node === undefined ? undefined : nodeNamed(await readManagerCluster(docker, dockerHost), flags.node, "--node");
        // Lenient: one broken stack file must not keep the operator from an answer about the rest.
        const state = await readHostState({
            dockerHost,
            projectDir: ctx.projectDir,
            docker,
            lenient: true,
            node,
            procRoot: ctx.procRoot,
            ledgerFile: ledgerFile(ctx, dockerHost),
        });
        for (const u of state.unreadable) ctx.io.err(`warning: ${u.file} is unreadable, so ports it may pin are not shown: ${u.problem}`);
        const holders = state.holders.get(port) ?? [];
        const owners = new Map<string, ProcessInfo>();
        for (const h of holders) {
            if (h.kind !== "listener" || !h.inode) continue;
            const owner = await socketOwner(h.inode, ctx.procRoot);
            if (owner) owners.set(h.inode, owner);
        }
        const report = explainPort({
            port,
            holders,
            dockerHost: node ? `node ${node.hostname} of the swarm at ${dockerHost}` : dockerHost,
            listeners: state.listeners,
            owners,
        });
        ctx.io.out(
            flags.json
                ? JSON.stringify({
                      port,
                      free: report.free,
                      holders: holders.map((h) => ({ ...h, process: h.inode ? owners.get(h.inode) : undefined })),
                  })
                : report.lines.join("\n"),
        );
        return 0;
    },
});

export const runWhyPort = legacyRunner(command);
