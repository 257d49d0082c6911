// `restart <tenant> [service] [--timeout S]`: restart the tenant's containers (stopped ones
// start) in start order, postgres first, frontend last, and report each one's state afterwards.
import type Docker from "dockerode";
import { ServiceName } from "../../components/naming";
import { swarmServiceName } from "../../components/swarm/spec";
import { TenantContainer, toTenantContainer } from "../../docker/containers";
import { readTenantTasks } from "../../docker/swarmTasks";
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
        timeout: { kind: "value", arg: "S", help: "seconds, 0 to 3600", about: "grace period before SIGKILL, default 10", parse: integer(0, 3600) },
    },
    notes: "Exit 0: every container came back running; 1: one did not, or the tenant is unknown; 2: usage error.",
    async run({ args, flags }, ctx) {
        const timeout = flags.timeout ?? 10;
        const t = await openTenant(ctx, args.tenant);
        const targets = await targetContainers(ctx, t, args.service, `: nothing to restart (deploy it with npm run deploy -- ${t.stack?.stack ?? t.tenant})`);
        let failed = 0;
        for (const c of targets) {
            try {
                if (c.node !== undefined) {
                    // A swarm task: the service is force-updated and its new task awaited.
                    const after = await restartService(t.engine.docker, t.tenant, c.service, timeout);
                    ctx.io.out(`restarted ${c.service} (a new task on ${after.node ?? "?"}): ${after.state}${after.health === "none" ? "" : `, ${after.health}`}`);
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

/**
 * `docker service update --force`: the same spec with ForceUpdate bumped, so swarm replaces the
 * task (stop-first, on the same node). ForceUpdate is Computed for the provider: no drift.
 * Waits up to a minute past the grace period for the new task to run (healthy, where checked).
 */
async function restartService(docker: Docker, tenant: string, service: string, timeout: number): Promise<TenantContainer> {
    const name = swarmServiceName(tenant, service as ServiceName);
    const before = (await readTenantTasks(docker, tenant)).find((c) => c.service === service)?.id;
    const s: any = await docker.getService(name).inspect();
    const spec = { ...s.Spec, TaskTemplate: { ...s.Spec.TaskTemplate, ForceUpdate: (s.Spec.TaskTemplate.ForceUpdate ?? 0) + 1 } };
    await docker.getService(name).update({ ...spec, version: s.Version.Index });
    const deadline = Date.now() + (timeout + 60) * 1000;
    for (;;) {
        await new Promise((r) => setTimeout(r, 2_000));
        const now = (await readTenantTasks(docker, tenant)).find((c) => c.service === service)!;
        const fresh = now.id !== "" && now.id !== before;
        if ((fresh && now.state === "running" && now.health !== "starting") || Date.now() > deadline) return now;
    }
}
