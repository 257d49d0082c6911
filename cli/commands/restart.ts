// `restart <tenant> [service] [--timeout S]`: restart the tenant's containers (stopped ones
// start) in start order, postgres first, frontend last, and report each one's state afterwards.
import { integer, SERVICE_ARG, TENANT_ARG } from "../args";
import { defineCommand } from "../command";
import { legacyRunner } from "../ops/context";
import { describeRestart, restartTenant } from "../../tenants/restart";

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
        // Each line as its container comes back: a restart may take its whole timeout.
        const results = await restartTenant(ctx, args.tenant, {
            service: args.service,
            timeoutS: flags.timeout,
            onEach: (r) => (r.error === undefined ? ctx.io.out : ctx.io.err)(describeRestart(r)),
        });
        return results.every((r) => r.ok) ? 0 : 1;
    },
});

export const runRestart = legacyRunner(command);
