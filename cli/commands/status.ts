// `status <tenant> [--json]`: per service state, health, published ports and URLs.
// Exit 0: every service the stack file deploys runs and is healthy (or has no health check);
// 3: the tenant is known but a service is stopped, unhealthy, still starting or missing;
// 1: unknown tenant or an unreachable Docker Engine; 2: usage error.
import type { Command, Io } from "../main";
import { parse, tenantArg, withUsage } from "../args";
import { defaultContext, OpsContext } from "../ops/context";
import { assessTenant, renderStatus } from "../ops/status";
import { connect, findStackFile, tenantContainers, tenantVolumes, unknownTenant } from "../ops/tenant";

const USAGE = "status <tenant> [--json]";
export const NOT_HEALTHY = 3;

export const command: Command = { usage: USAGE, run: (argv, io) => runStatus(argv, io, defaultContext()) };

export function runStatus(argv: string[], io: Io, ctx: OpsContext): Promise<number> {
    return withUsage(USAGE, io, async () => {
        const { positionals, flags } = parse(argv, { json: { kind: "boolean" } }, ["<tenant>"]);
        const tenant = tenantArg(positionals[0]);
        const stack = await findStackFile(ctx.projectDir, tenant);
        const engine = await connect(ctx, stack?.config);
        const [containers, volumes] = await Promise.all([tenantContainers(engine, tenant), tenantVolumes(engine, tenant)]);
        if (!stack && containers.length === 0 && volumes.length === 0) throw await unknownTenant(ctx, tenant, engine);

        const status = assessTenant({ tenant, host: engine.host, stackFile: stack?.file, stackConfig: stack?.config, containers });
        const volumeNames = volumes.map((v) => v.Name);
        if (flags.json) {
            io.out(JSON.stringify({ ...status, volumes: volumeNames }));
        } else {
            const lines = [renderStatus(status), `data volumes: ${volumeNames.join(", ") || "none"}`];
            if (containers.length === 0) lines.push(stack ? `not deployed: run npm run deploy -- ${stack.stack}` : "no containers: only data volumes remain (npm run tenant -- purge removes them)");
            io.out(lines.join("\n"));
        }
        return status.healthy && containers.length > 0 ? 0 : NOT_HEALTHY;
    });
}
