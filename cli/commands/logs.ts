// `logs <tenant> [service] [--follow] [--tail N|all] [--timestamps]`: the tenant's container
// logs from the Engine API. Several containers: lines prefixed by service and, without
// --follow, merged in time order. A container's stdout goes to stdout, its stderr to stderr.
import type { Command, Io } from "../main";
import { Check, integer, invalid, parse, serviceArg, tenantArg, withUsage } from "../args";
import { defaultContext, OpsContext } from "../ops/context";
import { ContainerLogParser, formatLogLine, LogLine, mergeByTime } from "../ops/logStream";
import { connect, Engine, findStackFile, TenantContainer, tenantContainers, tenantVolumes, unknownTenant } from "../ops/tenant";

const USAGE = "logs <tenant> [service] [--follow] [--tail N|all] [--timestamps]";
/** Lines from the end of each log; undefined for "all". */
const tailLines: Check<number | undefined> = (value, what) => {
    if (value === "all") return undefined;
    if (!/^\d+$/.test(value)) throw invalid(what, value, 'must be a whole number or "all"');
    return integer(0, 1_000_000)(value, what);
};
const FLAGS = { follow: { kind: "boolean" }, tail: { kind: "value", help: 'a whole number or "all"', parse: tailLines }, timestamps: { kind: "boolean" } } as const;

export const command: Command = { usage: USAGE, run: (argv, io) => runLogs(argv, io, defaultContext()) };

export function runLogs(argv: string[], io: Io, ctx: OpsContext): Promise<number> {
    return withUsage(USAGE, io, async () => {
        const { positionals, flags } = parse(argv, FLAGS, ["<tenant>", "[service]"]);
        const tenant = tenantArg(positionals[0]);
        const service = serviceArg(positionals[1]);
        const tail = flags.tail;

        const stack = await findStackFile(ctx.projectDir, tenant);
        const engine = await connect(ctx, stack?.config);
        const all = await tenantContainers(engine, tenant);
        if (all.length === 0) {
            if (!stack && (await tenantVolumes(engine, tenant)).length === 0) throw await unknownTenant(ctx, tenant, engine);
            throw new Error(`tenant "${tenant}" has no containers on ${engine.host}, so no logs (is it deployed?)`);
        }
        const containers = service ? all.filter((c) => c.service === service) : all;
        if (containers.length === 0) {
            throw new Error(`tenant "${tenant}" has no container for service "${service}"; its services: ${[...new Set(all.map((c) => c.service))].join(", ")}`);
        }
        const opts = { prefixWidth: containers.length > 1 ? Math.max(...containers.map((c) => c.service.length)) : undefined, timestamps: flags.timestamps };
        const write = (lines: readonly LogLine[]) => writeLines(io, lines, opts);
        if (flags.follow) await Promise.all(containers.map((c) => follow(engine, c, tail, write)));
        else write(mergeByTime((await Promise.all(containers.map((c) => fetchAll(engine, c, tail)))).flat()));
        return 0;
    });
}

async function fetchAll(engine: Engine, c: TenantContainer, tail: number | undefined): Promise<LogLine[]> {
    const parser = new ContainerLogParser(c.service, c.tty);
    const bytes = await engine.docker.getContainer(c.id).logs({ stdout: true, stderr: true, timestamps: true, follow: false, ...(tail === undefined ? {} : { tail }) });
    return [...parser.push(bytes), ...parser.end()];
}

/** Streams until the container stops (the Engine then ends the stream) or the user interrupts. */
async function follow(engine: Engine, c: TenantContainer, tail: number | undefined, write: (l: LogLine[]) => void): Promise<void> {
    const parser = new ContainerLogParser(c.service, c.tty);
    const stream = await engine.docker.getContainer(c.id).logs({ stdout: true, stderr: true, timestamps: true, follow: true, ...(tail === undefined ? {} : { tail }) });
    await new Promise<void>((resolve, reject) => {
        stream.on("data", (chunk: Buffer) => {
            try {
                write(parser.push(chunk));
            } catch (e) {
                reject(e);
            }
        });
        stream.on("end", () => {
            write(parser.end());
            resolve();
        });
        stream.on("error", reject);
    });
}

/** Consecutive lines of one stream in one write: far fewer syscalls for a long log. */
function writeLines(io: Io, lines: readonly LogLine[], opts: { prefixWidth?: number; timestamps?: boolean }): void {
    let i = 0;
    while (i < lines.length) {
        let j = i;
        while (j < lines.length && lines[j].stream === lines[i].stream) j++;
        const text = lines.slice(i, j).map((l) => formatLogLine(l, opts)).join("\n");
        (lines[i].stream === "stderr" ? io.err : io.out)(`${text}\n`);
        i = j;
    }
}
