// A tenant's container logs from the Engine API, read once or followed, as lines (logStream.ts
// does the framing). The logs command prints them; the dashboard's API answers with them.
import type { TenantContainer } from "../docker/containers";
import type { Engine } from "../docker/dockerHost";
import { ContainerLogParser, LogLine, mergeByTime } from "./logStream";

/** The containers' logs (the last `tail` lines of each, or all), merged in time order. */
export async function readLogs(engine: Engine, containers: readonly TenantContainer[], tail: number | undefined): Promise<LogLine[]> {
    return mergeByTime((await Promise.all(containers.map((c) => readOne(engine, c, tail)))).flat());
}

async function readOne(engine: Engine, c: TenantContainer, tail: number | undefined): Promise<LogLine[]> {
    const parser = new ContainerLogParser(c.service, c.tty);
    const bytes = (await logsOf(engine, c, {
        stdout: true,
        stderr: true,
        timestamps: true,
        follow: false,
        ...(tail === undefined ? {} : { tail }),
    })) as Buffer;
    const lines = [...parser.push(bytes), ...parser.end()];
    if (parser.problem) throw new Error(`${c.service}: ${parser.problem}`);
    return lines;
}

/**
 * Streams until the container stops (the Engine then ends the stream), the user interrupts, or
 * `signal` aborts (the dashboard's client went away).
 */
export async function followLogs(
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
    // However it ends (the container stops, the client goes, a write fails), the Engine's stream
    // is closed: an abandoned one would hold a connection to the Docker host and its buffers.
    let onAbort: (() => void) | undefined;
    try {
        await new Promise<void>((resolve, reject) => {
            if (signal?.aborted) return resolve();
            onAbort = () => resolve();
            signal?.addEventListener("abort", onAbort, { once: true });
            stream.on("data", (chunk: Buffer) => {
                try {
                    write(parser.push(chunk));
                    if (parser.problem) reject(new Error(parser.problem));
                } catch (e) {
                    reject(e);
                }
            });
            stream.on("end", () => {
                try {
                    write(parser.end());
                    resolve();
                } catch (e) {
                    reject(e);
                }
            });
            stream.on("error", (e: Error) => (signal?.aborted ? resolve() : reject(e)));
        });
    } finally {
        if (onAbort) signal?.removeEventListener("abort", onAbort);
        stream.destroy();
    }
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
