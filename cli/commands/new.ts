// `npm run tenant -- new <name> ...`: a new tenant's ports and credentials pinned in
// Pulumi.<name>.yaml (tenants/newTenant.ts does it), and what was pinned, as a table or JSON.
import * as path from "path";
import type { PortRange } from "../../components/config";
import { AnyPortKey, baseKeyOf, PortKey, url } from "../../components/naming";
import type { PortSources, Ports } from "../../ports/allocate";
import { databaseArg, domainArg } from "../../tenants/checks";
import { describeCredentials, newTenant } from "../../tenants/newTenant";
import { integer, nodeArg, oneOf, tenantArg } from "../args";
import { defineCommand } from "../command";
import { table } from "../table";

export const FLAGS = {
    database: {
        kind: "value",
        arg: "sqlite|postgres",
        help: "sqlite or postgres",
        about: "the tenant's database, default sqlite (or the file's)",
        parse: databaseArg,
    },
    "max-retries": {
        kind: "value",
        arg: "N",
        help: "a whole number from 0 to 20",
        about: "rescans when a chosen port is grabbed before it is bound",
        parse: integer(0, 20),
    },
    "dry-run": { kind: "boolean", about: "allocate and print, write nothing" },
    json: { kind: "boolean", about: "print one JSON object (tenant, ports) on stdout" },
    force: { kind: "boolean", about: "re-pin an existing tenant (its other settings are kept)" },
    domain: {
        kind: "value",
        arg: "<name>",
        help: "a host name such as acme.example.com",
        about: "a domain the host's proxy routes to the tenant over HTTPS (frontbase:domains); again for each",
        parse: domainArg,
        multiple: true,
    },
    target: {
        kind: "value",
        arg: "docker|swarm",
        help: "docker or swarm",
        about: "docker (one host, the default) or swarm (a cluster, through its manager: DOCKER_HOST or docker:host)",
        parse: oneOf(["docker", "swarm"] as const),
    },
    node: {
        kind: "value",
        arg: "NAME",
        help: "a swarm node's hostname or ID",
        about: "swarm only: the node that runs the tenant and keeps its volumes; default: the one with the most unreserved memory",
        parse: nodeArg,
    },
    publish: {
        kind: "value",
        arg: "host|ingress",
        help: "host or ingress",
        about: "swarm only: publish on the tenant's node (host, the default) or on every node through the routing mesh (ingress: needs IPVS)",
        parse: oneOf(["host", "ingress"] as const),
    },
} as const;

export const command = defineCommand({
    name: "new",
    summary: "pin a new tenant's ports and credentials in Pulumi.<name>.yaml",
    args: [{ name: "name", about: "the tenant's name: lowercase letters, digits and -, at most 40", parse: tenantArg }],
    flags: FLAGS,
    readOnly: (flags) => flags["dry-run"] === true,
    notes: "Exit 1 when the tenant exists (without --force) or the Docker host does not answer; nothing is written then.",
    async run({ args, flags }, ctx) {
        // A refusal (tenant exists) or a host problem throws: cli/main prints it, exit 1.
        const made = await newTenant(ctx, {
            name: args.name,
            database: flags.database,
            maxRetries: flags["max-retries"],
            dryRun: flags["dry-run"],
            force: flags.force,
            domains: flags.domain,
            target: flags.target,
            node: flags.node,
            publish: flags.publish,
        });
        const r = made.resolution;
        // On stderr, so that --json's stdout stays one object.
        if (made.credentials) ctx.io.err(describeCredentials(made.credentials));
        if (flags.json) {
            ctx.io.out(JSON.stringify({ tenant: made.tenant, ports: r.ports }));
            return 0;
        }
        const what = made.dryRun
            ? "dry run, nothing written"
            : `${made.existed ? "re-pinned in" : "written to"} ${path.basename(r.file ?? "")}`;
        ctx.io.out(
            `tenant ${made.tenant} (${made.database}) on ${made.placed ? `node ${made.placed.node.hostname} of the swarm at ` : ""}${r.state.dockerHost}: ${what}${r.attempts > 1 ? ` after ${r.attempts} scans` : ""}\n\n`,
        );
        ctx.io.out(portTable(r.ports, r.sources, made.ranges, made.publicHost));
        if (!made.dryRun) ctx.io.err(`next: npm run deploy -- ${made.tenant}   (pulumi up, after checking config, Docker host and images)`);
        return 0;
    },
});

/** Service, port, where it came from, range, access URL (a second slot's ports too, from their services' ranges). */
function portTable(ports: Ports, sources: PortSources, ranges: Readonly<Record<PortKey, PortRange>>, publicHost: string): string {
    const why = { pinned: "pinned", previous: "kept (sticky)", allocated: "allocated" } as const;
    const rows = (Object.entries(ports) as [AnyPortKey, number][]).map(([k, port]) => {
        const range = ranges[baseKeyOf(k)];
        return [k, String(port), why[sources[k]!], `${range.from}-${range.to}`, url(publicHost, port)];
    });
    return table(["SERVICE", "PORT", "SOURCE", "RANGE", "URL"], rows);
}
