// Waiting for a container the way @pulumi/docker does: with `wait: true`, create returns only
// once Docker reports it healthy, polling every second; it fails after `waitTimeout` seconds,
// even when the container is unhealthy or has exited long before (kreuzwerker
// terraform-provider-docker@v4.5.0 resource_docker_container_funcs.go, Create L590-628), or at
// once if it has no health check. Without `wait`, the container must at least be running.
import Docker from "dockerode";

const POLL_MS = 1000;

function sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

function lastHealthOutput(info: Docker.ContainerInspectInfo): string {
    const log = (info.State.Health as { Log?: { ExitCode: number; Output: string }[] } | undefined)?.Log ?? [];
    const last = log[log.length - 1];
    return last ? `last health check exited ${last.ExitCode}: ${last.Output.trim() || "(no output)"}` : "no health check has completed";
}

function exited(info: Docker.ContainerInspectInfo): string | undefined {
    const s = info.State;
    if (s.Running || s.Restarting) return undefined;
    return `exited with code ${s.ExitCode}${s.OOMKilled ? " (killed: out of memory)" : ""}${s.Error ? ` (${s.Error})` : ""}`;
}

export async function waitForHealth(c: Docker.Container, timeoutS: number, log: (m: string) => void): Promise<void> {
    const deadline = Date.now() + timeoutS * 1000;
    let reported = "";
    for (;;) {
        const info = await c.inspect();
        if (!info.State.Health) throw new Error("wait: true, but the container has no health check");
        const status = info.State.Health.Status;
        if (status === "healthy") return;
        const gone = exited(info);
        const now = gone ? `${status}, ${gone}` : status;
        if (now !== reported) {
            log(`health: ${now}`);
            reported = now;
        }
        if (Date.now() > deadline)
            throw new Error(`container failed to be in healthy state within ${timeoutS}s (${now}); ${lastHealthOutput(info)}`);
        await sleep(POLL_MS);
    }
}

/** A container that dies right after start fails the create, as with the provider's read-back. */
export async function waitForRunning(c: Docker.Container): Promise<void> {
    await sleep(POLL_MS);
    const gone = exited(await c.inspect());
    if (gone) throw new Error(gone);
}

/** The last lines of the container's output, to explain a failed start. */
export async function containerLogTail(c: Docker.Container, lines = 20): Promise<string> {
    try {
        const buf = (await c.logs({ stdout: true, stderr: true, tail: lines, follow: false })) as unknown as Buffer;
        const text = demux(buf).trim();
        return text ? `\n--- last ${lines} log lines ---\n${text}` : "";
    } catch {
        return "";
    }
}

/** Docker multiplexes stdout/stderr with 8-byte frame headers when there is no TTY. */
function demux(buf: Buffer): string {
    const parts: string[] = [];
    let i = 0;
    while (i + 8 <= buf.length && buf[i] <= 2 && buf[i + 1] === 0) {
        const size = buf.readUInt32BE(i + 4);
        parts.push(buf.subarray(i + 8, i + 8 + size).toString("utf8"));
        i += 8 + size;
    }
    return i === 0 ? buf.toString("utf8") : parts.join("");
}
