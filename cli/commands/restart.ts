// `restart <tenant> [service] [--timeout S]`: restart the tenant's containers (stopped ones
// start) in start order, postgres first, frontend last, and report each one's state afterwards.
import { toTenantContainer } from "../../docker/containers";
import { restartService } from "../../docker/swarmTasks";
import { integer } from "../args";
import { defineCommand } from "../command";
import { legacyRunner } from "../ops/context";
import { openTenant, SERVICE_ARG, targetContainers, TENANT_ARG } from "../tenant";

export const command = defineCommand({
    name: "restart",
    summary: "restart a tenant's containers in start order (stopped ones start)",
    args: [TENANT_ARG, SERVICE_ARG],
    flags: {
        // Seconds the Engine waits after SIGTERM before SIGKILL, as `docker restart -t`.
        timeout: {
            kind: "value",
            arg: "S",
            help: "seconds, 0 to 3600",
            about: "grace period before SIGKILL, default 10",
            parse: integer(0, 3600),
        },
    },
    notes: "Exit 0: every container came back running; 1: one did not, or the tenant is unknown; 2: usage error.",
    async run({ args, flags }, ctx) {
        const timeout = flags.timeout ?? 10;
        const t = await openTenant(ctx, args.tenant);
        const targets = await targetContainers(
            ctx,
            t,
            args.service,
            `: nothing to restart (deploy it with npm run deploy -- ${t.stack?.stack ?? t.tenant})`,
        );
        let failed = 0;
        for (const c of targets) {
            try {
                if (c.node !== undefined) {
                    // A swarm task: the service is force-updated and its new task awaited.
                    const after = await restartService(t.engine.docker, t.tenant, c.service, timeout);
                    ctx.io.out(
                        `restarted ${c.service} (a new task on ${after.node ?? "?"}): ${after.state}${after.health === "none" ? "" : `, ${after.health}`}`,
                    );
                    if (after.state !== "running") failed++;
                    continue;
                }
                await t.engine.docker.getContainer(c.id).restart({ t: timeout });
                const after = toTenantContainer(await t.engine.docker.getContainer(c.id).inspect());
                ctx.io.out(`restarted ${c.service} (${c.name}): ${after.state}${after.health === "none" ? "" : `, ${after.health}`}`);
                if (after.state !== "running") failed++;
            } catch (e) {
                failed++;
                ctx.io.err(`could not restart ${c.service} (${c.name}): ${(e as Error).message}`);
            }
        }
        return failed === 0 ? 0 : 1;
    },
});

export const runRestart = legacyRunner(command);
