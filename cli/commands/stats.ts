// `stats [<tenant>] [--json]`: what each tenant's services use (CPU, memory against its limit,
// network in and out, each volume's disk, restarts) and a host line: totals, the memory the
// limits commit against the host's, and how many more tenants of the default size fit.
import { findStackFile } from "../../project/project";
import { onlyTenant, readHostStats } from "../../monitor/hostStats";
import { renderStats } from "../ops/statsReport";
import { tenantArg } from "../args";
import { defineCommand } from "../command";
import { connect } from "../../tenants/context";
import { unknownTenant } from "../../tenants/open";

export const command = defineCommand({
    name: "stats",
    summary: "CPU, memory, network, disk and restarts per tenant and service, and the host's room for more tenants",
    readOnly: true,
    args: [{ name: "tenant", about: "only this tenant's rows (the host line stays the host's)", optional: true, parse: tenantArg }],
    flags: { json: { kind: "boolean", about: "print one JSON object (tenants with their services, host, via)" } },
    notes: [
        "CPU is sampled over 1 s, as docker stats does; 100% is one CPU. MEMORY is in use without the reclaimable page cache",
        "(as docker stats shows it) against the container's limit. On a Docker host on this machine usage comes from its",
        "cgroup files, without asking the Engine per container; volume sizes come from one GET /system/df.",
        "The host line counts the limits of the running tenant containers against the host's memory.",
        "Exit 0: read; 1: unknown tenant, or the Docker Engine does not answer; 2: usage error.",
    ].join("\n"),
    async run({ args, flags }, ctx) {
        const stack = args.tenant ? await findStackFile(ctx.projectDir, args.tenant) : undefined;
        const engine = await connect(ctx, stack?.config);
        const all = await readHostStats(ctx, engine);
        const stats = args.tenant ? onlyTenant(all, args.tenant) : all;
        if (args.tenant && !stack && stats.tenants.length === 0) throw await unknownTenant(ctx, args.tenant, engine);
        ctx.io.out(flags.json ? JSON.stringify(stats) : renderStats(stats));
        return 0;
    },
});
