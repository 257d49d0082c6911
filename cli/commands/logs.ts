// `logs <tenant> [service] [--follow] [--tail N|all] [--timestamps]`: the tenant's container
// logs from the Engine API. Several containers: lines prefixed by service and, without
// --follow, merged in time order. A container's stdout goes to stdout, its stderr to stderr.
import { SERVICE_ARG, TENANT_ARG } from "../args";
import { tailArg } from "../../tenants/checks";
import { defineCommand } from "../command";
import type { Io } from "../../tenants/context";
import { legacyRunner } from "../ops/context";
import { formatLogLine, LogLine } from "../../tenants/logStream";
import { followLogs, readLogs } from "../../tenants/logs";
import { openTenant, targetContainers } from "../../tenants/open";

export const command = defineCommand({
    name: "logs",
    summary: "a tenant's container logs from the Engine API, merged in time order",
    readOnly: true,
    args: [TENANT_ARG, SERVICE_ARG],
    flags: {
        follow: { kind: "boolean", about: "stream until the containers stop (or Ctrl-C)" },
        tail: {
            kind: "value",
            arg: "N|all",
            help: 'a whole number or "all"',
            about: "lines from the end of each container's log",
            parse: tailArg,
        },
        timestamps: { kind: "boolean", about: "prefix each line with the Engine's timestamp" },
    },
    notes: "A container's stdout goes to stdout, its stderr to stderr. Exit 1: unknown tenant, no containers, or no Docker Engine.",
    async run({ args, flags }, ctx) {
        const tail = flags.tail;
        const t = await openTenant(ctx, args.tenant);
        const containers = await targetContainers(ctx, t, args.service, ", so no logs (is it deployed?)");
        const opts = {
            prefixWidth: containers.length > 1 ? Math.max(...containers.map((c) => c.service.length)) : undefined,
            timestamps: flags.timestamps,
        };
        const write = (lines: readonly LogLine[]) => writeLines(ctx.io, lines, opts);
        if (flags.follow) await Promise.all(containers.map((c) => followLogs(t.engine, c, tail, write)));
        else write(await readLogs(t.engine, containers, tail));
        return 0;
    },
});

export const runLogs = legacyRunner(command);

/** Consecutive lines of one stream in one write: far fewer syscalls for a long log. */
function writeLines(io: Io, lines: readonly LogLine[], opts: { prefixWidth?: number; timestamps?: boolean }): void {
    let i = 0;
    while (i < lines.length) {
        let j = i;
        while (j < lines.length && lines[j].stream === lines[i].stream) j++;
        const text = lines
            .slice(i, j)
            .map((l) => formatLogLine(l, opts))
            .join("\n");
        (lines[i].stream === "stderr" ? io.err : io.out)(`${text}\n`);
        i = j;
    }
}
