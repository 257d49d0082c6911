// `restart <tenant> [service] [--timeout S]`: restart the tenant's containers (stopped ones
// start) in start order, postgres first, frontend last, and report each one's state afterwards.
import type { Command, Io } from "../main";
import { integer, parse, serviceArg, tenantArg, withUsage } from "../args";
import { defaultContext, OpsContext } from "../ops/context";
import { connect, findStackFile, tenantContainers, tenantVolumes, toTenantContainer, unknownTenant } from "../ops/tenant";

const USAGE = "restart <tenant> [service] [--timeout S]";

export const command: Command = { usage: USAGE, run: (argv, io) => runRestart(argv, io, defaultContext()) };

export function runRestart(argv: string[], io: Io, ctx: OpsContext): Promise<number> {
    return withUsage(USAGE, io, async () => {
        // Seconds the Engine waits after SIGTERM before SIGKILL, as `docker restart -t`.
        const { positionals, flags } = parse(argv, { timeout: { kind: "value", help: "seconds, 0 to 3600", parse: integer(0, 3600) } }, ["<tenant>", "[service]"]);
        const tenant = tenantArg(positionals[0]);
        const service = serviceArg(positionals[1]);
        const timeout = flags.timeout ?? 10;

        const stack = await findStackFile(ctx.projectDir, tenant);
        const engine = await connect(ctx, stack?.config);
        const all = await tenantContainers(engine, tenant);
        if (all.length === 0) {
            if (!stack && (await tenantVolumes(engine, tenant)).length === 0) throw await unknownTenant(ctx, tenant, engine);
            throw new Error(`tenant "${tenant}" has no containers on ${engine.host}: nothing to restart (deploy it with npm run deploy -- ${stack?.stack ?? tenant})`);
        }
        const targets = service ? all.filter((c) => c.service === service) : all;
        if (targets.length === 0) {
            throw new Error(`tenant "${tenant}" has no container for service "${service}"; its services: ${[...new Set(all.map((c) => c.service))].join(", ")}`);
        }
        let failed = 0;
        for (const c of targets) {
            try {
                await engine.docker.getContainer(c.id).restart({ t: timeout });
                const after = toTenantContainer(await engine.docker.getContainer(c.id).inspect());
                io.out(`restarted ${c.service} (${c.name}): ${after.state}${after.health === "none" ? "" : `, ${after.health}`}`);
                if (after.state !== "running") failed++;
            } catch (e) {
                failed++;
                io.err(`could not restart ${c.service} (${c.name}): ${(e as Error).message}`);
            }
        }
        return failed === 0 ? 0 : 1;
    });
}
