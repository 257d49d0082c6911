// `why-port <port> [--json]`: who holds a host port on the Docker host — a tenant's container
// (running or stopped), another tenant's stack file, a recent allocation, a process listening
// on it, a reservation — or that it is free. Exit 0 when answered either way (a stack file that
// is not YAML is a warning on stderr), 1 on error (e.g. an unreachable Engine), 2 on a usage error.
import { dockerClient } from "../../docker/dockerHost";
import { readHostState } from "../../ports/hostState";
import { socketOwner } from "../../ports/listeners";
import type { Command, Io } from "../main";
import { integer, parse, withUsage } from "../args";
import { defaultContext, OpsContext } from "../ops/context";
import { explainPort, ProcessInfo } from "../ops/whyPort";

const USAGE = "why-port <port> [--json]";

export const command: Command = { usage: USAGE, run: (argv, io) => runWhyPort(argv, io, defaultContext()) };

export function runWhyPort(argv: string[], io: Io, ctx: OpsContext): Promise<number> {
    return withUsage(USAGE, io, async () => {
        const { positionals, flags } = parse(argv, { json: { kind: "boolean" } }, ["<port>"]);
        const port = integer(1, 65535)(positionals[0], "<port>");

        const dockerHost = ctx.dockerHost ?? ctx.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
        // Lenient: one broken stack file must not keep the operator from an answer about the rest.
        const state = await readHostState({ dockerHost, projectDir: ctx.projectDir, docker: dockerClient(dockerHost), lenient: true });
        for (const u of state.unreadable) io.err(`warning: ${u.file} is unreadable, so ports it may pin are not shown: ${u.problem}`);
        const holders = state.holders.get(port) ?? [];
        const owners = new Map<string, ProcessInfo>();
        for (const h of holders) {
            if (h.kind !== "listener" || !h.inode) continue;
            const owner = await socketOwner(h.inode);
            if (owner) owners.set(h.inode, owner);
        }
        const report = explainPort({ port, holders, dockerHost, listeners: state.listeners, owners });
        io.out(flags.json ? JSON.stringify({ port, free: report.free, holders: holders.map((h) => ({ ...h, process: h.inode ? owners.get(h.inode) : undefined })) }) : report.lines.join("\n"));
        return 0;
    });
}
