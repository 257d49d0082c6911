// The two commands `suspend <tenant>` and `resume <tenant>` (cli/commands/suspend.ts, resume.ts):
// one declaration, the direction apart. What they do is tenants/suspend.ts.
import { TENANT_ARG } from "../args";
import { Command, defineCommand } from "../command";
import { setSuspended } from "../../tenants/suspend";
import { openTenant } from "../../tenants/open";
import { assessOpenTenant } from "../../tenants/status";
import { NOT_HEALTHY } from "../commands/status";
import { renderStatus } from "./status";

export function suspendCommand(suspended: boolean): Command {
    const verb = suspended ? "suspend" : "resume";
    return defineCommand({
        name: verb,
        summary: suspended
            ? "stop a tenant's containers, declared in its stack file (frontbase:suspended), keeping its data, ports and credentials"
            : "start a suspended tenant again (removes frontbase:suspended from its stack file) and deploy it",
        args: [TENANT_ARG],
        flags: {
            "no-deploy": { kind: "boolean", about: "only write the stack file (for a pull request); do not run pulumi up" },
        },
        notes:
            "Writes the stack file, then runs `pulumi up --stack <stack> --yes`, and for a tenant with domains\n" +
            "`pulumi up --stack proxy --yes` (its domains answer 503 while suspended). Refused, writing nothing, when the\n" +
            "stack file is invalid or does not pin every port; when pulumi up fails the stack file is put back.\n" +
            "Exit 0: done (suspended: nothing runs; resumed: every service healthy); 3: not so after pulumi up;\n1: refused, or pulumi up failed; 2: usage error.",
        async run({ args, flags }, ctx) {
            const r = await setSuspended(ctx, { tenant: args.tenant, suspended, deploy: !flags["no-deploy"] });
            const state = suspended ? "suspended" : "not suspended";
            ctx.io.out(r.unchanged ? `${r.file}: already ${state}` : `${r.file}: now ${state}`);
            if (r.upExit === undefined) {
                ctx.io.out(`deploy it: npm run deploy -- ${r.stack}${r.proxied ? "; then the proxy: npm run deploy -- proxy" : ""}`);
                return 0;
            }
            if (r.upExit !== 0) {
                const back = r.unchanged ? "" : "; the stack file is back as it was (run the command again once pulumi's error is fixed)";
                ctx.io.err(`tenant ${args.tenant}: pulumi up exited with ${r.upExit}${back}`);
                return 1;
            }
            if (r.proxyExit !== undefined && r.proxyExit !== 0) {
                ctx.io.err(
                    `proxy: pulumi up exited with ${r.proxyExit}; tenant ${args.tenant} is ${state}, but its domains still answer as before: npm run deploy -- proxy`,
                );
                return 1;
            }
            // What the Engine says now, judged as `status` and `verify` judge it.
            const t = await openTenant(ctx, args.tenant);
            const status = assessOpenTenant(t);
            ctx.io.out(renderStatus(status));
            if (!status.healthy) return NOT_HEALTHY;
            if (suspended) ctx.io.out(`ports kept: ${r.ports}`);
            return 0;
        },
    });
}
