// `audit [--tenant T] [--since AGE] [--json]`: who changed what, through the CLI or the dashboard,
// from the audit trail in the lock directory (tenants/audit.ts), oldest first.
import { readAudit } from "../../tenants/audit";
import { parseAge, tenantArg } from "../../tenants/checks";
import { defineCommand } from "../command";
import { table } from "../table";

export const command = defineCommand({
    name: "audit",
    summary: "who changed what, through the CLI or the dashboard (the audit trail in the lock directory)",
    readOnly: true,
    args: [],
    flags: {
        tenant: { kind: "value", arg: "T", help: "a tenant name", about: "only the changes to this tenant", parse: tenantArg },
        since: { kind: "value", arg: "AGE", help: "like 90m, 24h or 7d", about: "only the changes this recent", parse: parseAge },
        json: { kind: "boolean", about: "print the lines as a JSON array" },
    },
    notes: "Each change is one JSON line in <lock dir>/audit.log: time, actor, via, command, tenant, flags (names only), outcome, code.\nExit 0: listed; 1: the trail cannot be read.",
    async run({ flags }, ctx) {
        const since = flags.since === undefined ? undefined : ctx.now() - flags.since;
        const { lines, skipped } = await readAudit(ctx.lockDir, { tenant: flags.tenant, since });
        if (skipped > 0) ctx.io.err(`${skipped} line(s) of the audit trail are not JSON objects and were skipped`);
        if (flags.json) ctx.io.out(JSON.stringify(lines));
        else if (lines.length === 0)
            ctx.io.out("no change recorded" + (flags.tenant ? ` for ${flags.tenant}` : "") + (flags.since ? " in that time" : ""));
        else
            ctx.io.out(
                table(
                    ["TIME", "ACTOR", "COMMAND", "TENANT", "OPTIONS", "OUTCOME"],
                    lines.map((l) => [
                        l.time.slice(0, 19).replace("T", " "),
                        l.actor,
                        l.command,
                        l.tenant ?? "-",
                        l.flags.join(" ") || "-",
                        `${l.outcome} (${l.code})`,
                    ]),
                ),
            );
        return 0;
    },
});
