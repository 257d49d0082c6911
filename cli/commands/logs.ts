// `logs <tenant> [service] [--follow] [--tail N|all] [--timestamps]`: the tenant's container
// logs from the Engine API. Several containers: lines prefixed by service and, without
// --follow, merged in time order. A container's stdout goes to stdout, its stderr to stderr.
import type { Engine } from "../../docker/dockerHost";
import type { TenantContainer } from "../../docker/containers";
import { Check, integer, invalid } from "../args";
import { defineCommand } from "../command";
import type { Io } from "../context";
import { legacyRunner } from "../ops/context";
import { ContainerLogParser, formatLogLine, LogLine, mergeByTime } from "../ops/logStream";
import { openTenant, SERVICE_ARG, targetContainers, TENANT_ARG } from "../tenant";

/** Lines from the end of each log; undefined for "all". */
const tailLines: Check<number | undefined> = (value, what) => {
    if (value === "all") return undefined;
    if (!/^\d+$/.test(value)) throw invalid(what, value, 'must be a whole number or "all"');
    return integer(0, 1_000_000)(value, what);
};

export const command = defineCommand({
    name: "logs",
    summary: "a tenant's container logs from the Engine API, merged in time order",
    args: [TENANT_ARG, SERVICE_ARG],
    flags: {
        follow: { kind: "boolean", about: "stream until the containers stop (or Ctrl-C)" },
        tail: {
            kind: "value",
            arg: "N|all",
            help: 'a whole number or "all"',
            about: "lines from the end of each container's log",
            parse: tailLines,
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
        if (flags.follow) await Promise.all(containers.map((c) => follow(t.engine, c, tail, write)));
        else write(mergeByTime((await Promise.all(containers.map((c) => fetchAll(t.engine, c, tail)))).flat()));
        return 0;
    },
});

export const runLogs = legacyRunner(command);

async function fetchAll(engine: Engine, c: TenantContainer, tail: number | undefined): Promise<LogLine[]> {
    const parser = new ContainerLogParser(c.service, c.tty);
    const bytes = (await logsOf(engine, c, {
        stdout: true,
        stderr: true,
        timestamps: true,
        follow: false,
        ...(tail === undefined ? {} : { tail }),
    })) as Buffer;
    return [...parser.push(bytes), ...parser.end()];
}

/**
 * Streams until the container stops (the Engine then ends the stream), the user interrupts, or
 * `signal` aborts (the dashboard's client went away). Exported for the dashboard's log stream.
 */
export async function follow(
    engine: Engine,
    c: TenantContainer,
    tail: number | undefined,
    write: (l: LogLine[]) => void,
    signal?: AbortSignal,
): Promise<void> {
    const parser = new ContainerLogParser(c.service, c.tty);
    const stream = (await logsOf(engine, c, {
        stdout: true,
        stderr: true,
        timestamps: true,
        follow: true,
        ...(tail === undefined ? {} : { tail }),
    })) as NodeJS.ReadableStream & { destroy(): void };
    await new Promise<void>((resolve, reject) => {
        const stop = () => {
            stream.destroy();
            resolve();
        };
        if (signal?.aborted) return stop();
        signal?.addEventListener("abort", stop, { once: true });
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
        stream.on("error", (e: Error) => (signal?.aborted ? resolve() : reject(e)));
    });
}

/**
 * A container's log, or for a swarm task its service's, through the manager (the task's
 * container is on its node, out of the manager's reach). Both come in the Engine's frames.
 */
function logsOf(
    engine: Engine,
    c: TenantContainer,
    opts: { stdout: true; stderr: true; timestamps: true; follow: boolean; tail?: number },
): Promise<unknown> {
    if (c.node !== undefined)
        return engine.docker.getService(c.name.replace(/\.\d+$/, "")).logs(opts as never) as unknown as Promise<unknown>;
    return engine.docker.getContainer(c.id).logs(opts as never) as unknown as Promise<unknown>;
}

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
