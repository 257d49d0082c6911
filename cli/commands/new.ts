// `npm run tenant -- new <name> ...`: pin a new tenant's ports in Pulumi.<name>.yaml.
import * as path from "path";
import { portTable } from "../format";
import type { Command } from "../main";
import { integer, oneOf, parse, tenantArg, withUsage } from "../args";
import { newTenant } from "../tenantsNew";

const usage = "new <name> [--database sqlite|postgres] [--max-retries N] [--dry-run] [--json] [--force]";

export const FLAGS = {
    database: { kind: "value", help: "sqlite or postgres", parse: oneOf(["sqlite", "postgres"] as const) },
    "max-retries": { kind: "value", help: "a whole number from 0 to 20", parse: integer(0, 20) },
    // --dry-run: allocate and print, write nothing; --force: re-pin an existing tenant.
    "dry-run": { kind: "boolean" },
    json: { kind: "boolean" },
    force: { kind: "boolean" },
} as const;

export const command: Command = {
    usage,
    run: (argv, io) =>
        withUsage(usage, io, async () => {
            const { positionals, flags } = parse(argv, FLAGS, ["<name>"]);
            const name = tenantArg(positionals[0], "<name>");
            // A refusal (tenant exists) or a host problem throws: cli/main prints it, exit 1.
            const r = await newTenant({
                name,
                database: flags.database,
                maxRetries: flags["max-retries"],
                dryRun: flags["dry-run"],
                force: flags.force,
                log: io.err,
            });
            // On stderr, so that --json's stdout stays one object.
            if (r.credentials && "skipped" in r.credentials) io.err(`credentials: ${r.credentials.skipped}`);
            else if (r.credentials) {
                const c = r.credentials;
                io.err(`credentials: ${[c.written.length ? `generated ${c.written.join(", ")}` : "", c.kept.length ? `kept ${c.kept.join(", ")}` : ""].filter(Boolean).join("; ")} (encrypted in the stack file)`);
            }
            if (flags.json) {
                io.out(JSON.stringify({ tenant: r.tenant, ports: r.ports }));
                return 0;
            }
            const what = flags["dry-run"] ? "dry run, nothing written" : `${r.existed ? "re-pinned in" : "written to"} ${path.basename(r.file ?? "")}`;
            io.out(`tenant ${r.tenant} (${r.database}) on ${r.state.dockerHost}: ${what}${r.attempts > 1 ? ` after ${r.attempts} scans` : ""}\n\n`);
            io.out(portTable(r.ports, r.sources, r.ranges, r.publicHost));
            if (!flags["dry-run"]) io.err(`next: npm run deploy -- ${r.tenant}   (pulumi up, after checking config, Docker host and images)`);
            return 0;
        }),
};
