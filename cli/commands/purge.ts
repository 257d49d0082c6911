// `purge <tenant> [--yes]`: remove the tenant's data volumes — the design document's "Remove
// All Tenant Data". Irreversible, so: refused while any of the tenant's containers exists
// (running or stopped; `pulumi destroy` removes them and keeps the volumes), confirmed by typing
// the tenant's name on a terminal or by --yes, refused without --yes when no one can answer.
// It reports every volume it removed and fails when nothing matched. Stack files are kept.
// A swarm tenant's volumes are on its node, removed through that node's own Engine; `--node`
// purges another node's copy (the one a tenant moved away from), refused while it runs there.
import type Docker from "dockerode";
import { COMPOSE_PROJECT_LABEL, projectName, TENANT_LABEL } from "../../components/naming";
import { UsageError } from "../args";
import { defineCommand } from "../command";
import { nodeArg, TENANT_ARG } from "../args";
import { legacyRunner } from "../ops/context";
import { openTenantData } from "../../tenants/open";

export const command = defineCommand({
    name: "purge",
    summary: "remove a destroyed tenant's data volumes, for good",
    args: [TENANT_ARG],
    flags: {
        yes: { kind: "boolean", about: "do not ask for the tenant's name as confirmation" },
        node: {
            kind: "value",
            arg: "NAME",
            help: "a swarm node's hostname or ID",
            about: "swarm only: purge the volumes on this node instead of the stack file's (after a move)",
            parse: nodeArg,
        },
    },
    notes: "Refused while any of the tenant's containers exists (pulumi destroy first); on a swarm, while its services run on that node. Exit 1 when nothing matched or a volume could not be removed.",
    async run({ args, flags }, ctx) {
        const { tenant } = args;
        const yes = flags.yes;
        if (!yes && !ctx.terminal.interactive)
            throw new UsageError("refusing to purge without --yes: stdin is not a terminal, so no one can confirm");

        const { stack, engine, containers, volumes, node, otherNode, services = [] } = await openTenantData(ctx, tenant, flags.node);
        const where = node ? `node ${node} (${engine.host})` : engine.host;
        // Its services stay pinned to the stack file's node, tasks running or not.
        const pinnedHere = otherNode ? [] : services;
        if (pinnedHere.length > 0) {
            ctx.io.err(
                `refusing to purge "${tenant}" on node ${node}: its services are pinned there: ${pinnedHere.map((c) => `${c.name} (${c.state})`).join(", ")}. pulumi destroy --stack ${stack!.stack} first (it keeps the volumes). Nothing was removed.`,
            );
            return 1;
        }
        if (containers.length > 0) {
            const list = containers.map((c) => `${c.name} (${c.state})`).join(", ");
            const how = stack ? `pulumi destroy --stack ${stack.stack} (it keeps the volumes)` : "removing them";
            ctx.io.err(
                `refusing to purge "${tenant}": its containers still exist: ${list}. Stop using the data first: ${how}, then purge. Nothing was removed.`,
            );
            return 1;
        }
        if (volumes.length === 0) {
            ctx.io.err(
                `nothing to purge for "${tenant}" on ${where}: no volume labelled ${TENANT_LABEL}=${tenant} or ${COMPOSE_PROJECT_LABEL}=${projectName(tenant)}, and none named ${projectName(tenant)}_<service>_data. Nothing was removed.`,
            );
            return 1;
        }
        ctx.io.out(`volumes of tenant "${tenant}" on ${where}:\n${volumes.map(describe).join("\n")}`);
        if (!yes) {
            const answer = await ctx.terminal.ask(`This deletes their data for good. Type the tenant name (${tenant}) to confirm: `);
            if (answer.trim() !== tenant) {
                ctx.io.err("not confirmed; nothing was removed");
                return 1;
            }
        }
        const failed: string[] = [];
        for (const v of volumes) {
            try {
                await engine.docker.getVolume(v.Name).remove();
                ctx.io.out(`removed volume ${v.Name}`);
            } catch (e) {
                failed.push(v.Name);
                ctx.io.err(`could not remove volume ${v.Name}: ${(e as Error).message}`);
            }
        }
        const removed = volumes.length - failed.length;
        if (failed.length > 0) {
            ctx.io.err(
                `purge of "${tenant}" incomplete: removed ${removed} of ${volumes.length} volume(s); still there: ${failed.join(", ")}`,
            );
            return 1;
        }
        ctx.io.out(`purged "${tenant}": removed ${removed} volume(s)${stack ? `; ${stack.file} is kept` : ""}`);
        return 0;
    },
});

export const runPurge = legacyRunner(command);

function describe(v: Docker.VolumeInspectInfo): string {
    const by = v.Labels?.[TENANT_LABEL]
        ? `label ${TENANT_LABEL}`
        : v.Labels?.[COMPOSE_PROJECT_LABEL]
          ? `label ${COMPOSE_PROJECT_LABEL}`
          : "name";
    return `  ${v.Name}  (matched by ${by})`;
}
