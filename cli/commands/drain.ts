// `drain <node> [--apply]`: what draining a swarm node would do to the tenants on it, in plain
// words: a tenant's services are pinned to the node that holds its volumes, so they cannot move
// and stop until the node is active again. `--apply` then drains it (`docker node update`).
import { NodeInfo, nodeNamed, readManagerCluster } from "../../docker/swarm";
import { readStackPins } from "../../project/stackPins";
import { SERVICES } from "../../components/naming";
import { nodeArg } from "../args";
import { defineCommand } from "../command";
import { connect, requireProject } from "../../tenants/context";

export const command = defineCommand({
    name: "drain",
    summary: "which tenants on a swarm node cannot move (their volumes are local), then drain it with --apply",
    args: [{ name: "node", about: "a swarm node's hostname or ID", parse: nodeArg }],
    flags: { apply: { kind: "boolean", about: "set the node's availability to drain after the report" } },
    readOnly: (flags) => flags.apply !== true,
    notes: "Exit 0 after the report (and the drain with --apply); 1 when the node is unknown or DOCKER_HOST is not a swarm manager.",
    async run({ args, flags }, ctx) {
        const projectDir = requireProject(ctx);
        const engine = await connect(ctx);
        const cluster = await readManagerCluster(engine.docker, engine.host);
        const node = nodeNamed(cluster, args.node, "<node>");
        const stacks = await readStackPins(projectDir, { lenient: true });
        const pinned = new Set(
            stacks
                .filter((s) => s.config?.target === "swarm" && (s.config.node === node.hostname || s.config.node === node.id))
                .map((s) => s.tenant),
        );
        for (const s of cluster.services) if (s.node === node.hostname && s.tenant) pinned.add(s.tenant);
        const lines = [`node ${node.hostname} (${node.state}, ${node.availability}):`];
        if (pinned.size === 0) lines.push("  no tenant is placed on it; its tasks, if any, can move");
        for (const tenant of [...pinned].sort()) {
            const rank = (s: string) => (SERVICES as readonly string[]).indexOf(s);
            const services = cluster.services
                .filter((s) => s.tenant === tenant && s.node === node.hostname)
                .map((s) => s.service ?? s.name)
                .sort((x, y) => rank(x) - rank(y));
            lines.push(
                `  - tenant ${tenant} cannot move: its volumes are local to ${node.hostname}, so its ${services.length} service(s) (${services.join(", ") || "none deployed"}) are pinned there. ` +
                    `Drained, they stop and wait until the node is active again.`,
            );
        }
        if (flags.apply) {
            const n = (await engine.docker.getNode(node.id).inspect()) as NodeInfo;
            await engine.docker.getNode(node.id).update({ version: n.Version?.Index, ...n.Spec, Availability: "drain" });
            lines.push(`node ${node.hostname} is now drained; \`docker node update --availability active ${node.hostname}\` undoes it`);
        } else if (pinned.size > 0) {
            lines.push(`nothing changed; --apply drains it anyway`);
        }
        ctx.io.out(lines.join("\n"));
        return 0;
    },
});
