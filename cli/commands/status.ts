// `status <tenant> [--json]`: per service state, health, published ports and URLs.
import { defineCommand } from "../command";
import { legacyRunner } from "../ops/context";
import { renderStatus } from "../ops/status";
import { assessOpenTenant } from "../../tenants/status";
import { isUnknown, openTenant, unknownTenant } from "../../tenants/open";
import { TENANT_ARG } from "../args";

export const NOT_HEALTHY = 3;

export const command = defineCommand({
    name: "status",
    summary: "each service's state, health, published ports and URLs",
    readOnly: true,
    args: [TENANT_ARG],
    flags: { json: { kind: "boolean", about: "print one JSON object (services, healthy, problems, volumes)" } },
    notes:
        "Exit 0: every service the stack file deploys runs and is healthy (or has no health check),\n" +
        "or the tenant is suspended and none runs;\n" +
        "3: the tenant is known but a service is stopped, unhealthy, still starting or missing;\n" +
        "1: unknown tenant or an unreachable Docker Engine; 2: usage error.",
    async run({ args, flags }, ctx) {
        const t = await openTenant(ctx, args.tenant);
        if (isUnknown(t)) throw await unknownTenant(ctx, t.tenant, t.engine);
        const { stack, containers } = t;
        const status = assessOpenTenant(t);
        const volumeNames = t.volumes.map((v) => v.Name);
        if (flags.json) {
            ctx.io.out(JSON.stringify({ ...status, volumes: volumeNames }));
        } else {
            const lines = [renderStatus(status), `data volumes: ${volumeNames.join(", ") || "none"}`];
            if (containers.length === 0)
                lines.push(
                    stack
                        ? `not deployed: run npm run deploy -- ${stack.stack}`
                        : "no containers: only data volumes remain (npm run tenant -- purge removes them)",
                );
            ctx.io.out(lines.join("\n"));
        }
        // A suspended swarm tenant has no task at all.
        return status.healthy && (containers.length > 0 || status.suspended) ? 0 : NOT_HEALTHY;
    },
});

export const runStatus = legacyRunner(command);
