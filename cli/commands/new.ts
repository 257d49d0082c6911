// `npm run tenant -- new <name> ...`: pin a new tenant's ports in Pulumi.<name>.yaml.
import * as path from "path";
import { tenantNameProblem } from "../../components/naming";
import { portTable } from "../format";
import type { Command } from "../main";
import { integer, oneOf, parseArgs, UsageError, withUsage } from "../tenantsArgs";
import { newTenant } from "../tenantsNew";

const usage = "new <name> [--database sqlite|postgres] [--max-retries N] [--dry-run] [--json] [--force]";

const FLAGS = {
    database: { kind: "value", help: "sqlite or postgres", parse: oneOf(["sqlite", "postgres"] as const) },
    "max-retries": { kind: "value", help: "an integer from 0 to 20", parse: integer(0, 20) },
    "dry-run": { kind: "boolean", help: "allocate and print, write nothing" },
    json: { kind: "boolean", help: "print one JSON object" },
    force: { kind: "boolean", help: "re-pin an existing tenant" },
} as const;

export const command: Command = {
    usage,
    run: (argv, io) =>
        withUsage(usage, io.err, async () => {
            const { positionals, flags } = parseArgs(argv, FLAGS, ["name"]);
            const name = positionals[0];
            const problem = tenantNameProblem(name);
            if (problem) throw new UsageError(`tenant name "${name}": ${problem}`);
            // A refusal (tenant exists) or a host problem throws: cli/main prints it, exit 1.
            const r = await newTenant({
                name,
                database: flags.database as "sqlite" | "postgres" | undefined,
                maxRetries: flags["max-retries"] as number | undefined,
                dryRun: flags["dry-run"] === true,
                force: flags.force === true,
                log: io.err,
            });
            if (flags.json) {
                io.out(JSON.stringify({ tenant: r.tenant, ports: r.ports }));
                return 0;
            }
            const what = flags["dry-run"] ? "dry run, nothing written" : `${r.existed ? "re-pinned in" : "written to"} ${path.basename(r.file ?? "")}`;
            io.out(`tenant ${r.tenant} (${r.database}) on ${r.state.dockerHost}: ${what}${r.attempts > 1 ? ` after ${r.attempts} scans` : ""}\n\n`);
            io.out(portTable(r.ports, r.sources, r.ranges, r.publicHost));
            if (!flags["dry-run"]) io.err(`next: pulumi stack init ${r.tenant}   (once)\n      pulumi up --stack ${r.tenant}`);
            return 0;
        }),
};
