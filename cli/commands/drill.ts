// `drill <tenant> [--snapshot ID] [--json]`: prove a snapshot restores. It goes into a temporary
// tenant (own network, loopback ports, no domains), is deployed with `pulumi up`, checked as its
// admin would (admin page, login with the source's credentials, the session, an API read), and
// removed again; the result and the time to healthy are recorded (`backups` shows each tenant's
// last drill, `alerts` fires when it failed or is old).
import { runDrill } from "../../monitor/drill";
import { defineCommand } from "../command";
import { TENANT_ARG } from "../args";

export const FAILED = 3;

export const command = defineCommand({
    name: "drill",
    summary: "restore a tenant's snapshot into a temporary tenant, deploy and check it, remove it, record the result",
    args: [TENANT_ARG],
    flags: {
        snapshot: {
            kind: "value",
            arg: "ID",
            help: "a snapshot ID from npm run tenant -- backups <tenant>",
            about: "this snapshot instead of the latest",
        },
        json: { kind: "boolean", about: "print the drill's record as one JSON object" },
    },
    notes: [
        "Needs the stack's passphrase (the temporary tenant gets the source's admin password), the backup repository,",
        "and the Pulumi CLI (pulumi stack select --create, up, destroy, stack rm). Nothing of the source is changed.",
        "Exit 0: the drill passed; 3: it failed (the reason is printed and recorded); 1: it could not start; 2: usage error.",
    ].join("\n"),
    async run({ args, flags }, ctx) {
        const r = await runDrill(ctx, args.tenant, { snapshot: flags.snapshot, say: ctx.io.err });
        if (flags.json) ctx.io.out(JSON.stringify(r));
        else
            ctx.io.out(
                r.passed
                    ? `drill of ${r.tenant} passed: snapshot ${r.snapshot} restored, healthy ${((r.healthyMs ?? 0) / 1000).toFixed(1)} s after the deploy began, admin logged in, ${r.variables} variable(s) read back; ${(r.totalMs / 1000).toFixed(0)} s in all`
                    : `drill of ${r.tenant} FAILED: snapshot ${r.snapshot}: ${r.reason}`,
            );
        if (r.leftovers.length > 0) ctx.io.err(`the drill tenant ${r.drillTenant} was not removed completely: ${r.leftovers.join("; ")}`);
        return r.leftovers.length > 0 ? 1 : r.passed ? 0 : FAILED;
    },
});
