// Docker helpers for the stand-in images' self-check (smoke.ts). Containers are created the way
// the program declares them (components/services.ts): same env, command, health-check test,
// mount path, aliases, memory and security options; only the health-check timing is shortened.
// Everything created carries SMOKE_LABEL and a per-run label, and is removed by those labels.
import { spawnSync } from "node:child_process";
import Docker from "dockerode";
import { envList, ServiceSpec } from "../../components/services";

export const SMOKE_LABEL = { key: "frontbase.test", value: "images" };
export const RUN_LABEL = "frontbase.test.run";

export const docker = new Docker();

export function labels(run: string): Record<string, string> {
    return { [SMOKE_LABEL.key]: SMOKE_LABEL.value, [RUN_LABEL]: run };
}

export interface ServiceRun {
    readonly run: string;
    readonly name: string;
    readonly network: string;
    readonly spec: ServiceSpec;
    readonly image: string;
    readonly env: Record<string, string>;
    readonly memoryMiB: number;
    /** Volume to mount at spec.dataPath; undefined = none (a wiring mistake to detect). */
    readonly volume?: string;
    /** Give the container its service alias; false for extra containers that must not answer for it. */
    readonly alias: boolean;
}

const NS_PER_S = 1_000_000_000;
const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN);

/** Creates and starts a container; health every second, unhealthy after 3 failures. */
export async function startService(s: ServiceRun): Promise<Docker.Container> {
    const hc = s.spec.healthcheck;
    const container = await docker.createContainer({
        name: s.name,
        Image: s.image,
        // Docker also registers the hostname in the network's DNS: an extra container named
        // like the service would answer for it.
        Hostname: s.alias ? s.spec.service : s.name,
        Cmd: s.spec.command ? [...s.spec.command] : undefined,
        // Env travels in the API request body, never on a command line.
        Env: envList(s.env),
        Labels: labels(s.run),
        Healthcheck: hc && {
            Test: [...hc.tests],
            Interval: NS_PER_S,
            Timeout: seconds(hc.timeout) * NS_PER_S,
            Retries: 3,
            StartPeriod: 0,
        },
        HostConfig: {
            NetworkMode: s.network,
            Memory: s.memoryMiB * 1024 * 1024,
            SecurityOpt: ["no-new-privileges:true"],
            Mounts: s.volume && s.spec.dataPath ? [{ Type: "volume", Source: s.volume, Target: s.spec.dataPath }] : [],
        },
        NetworkingConfig: { EndpointsConfig: { [s.network]: { Aliases: s.alias ? [s.spec.service] : [] } } },
    });
    await container.start();
    return container;
}

export async function createNetwork(run: string, name: string): Promise<void> {
    await docker.createNetwork({ Name: name, Driver: "bridge", Labels: labels(run) });
}

export async function createVolume(run: string, name: string): Promise<void> {
    await docker.createVolume({ Name: name, Labels: labels(run) });
}

export type Health = "starting" | "healthy" | "unhealthy" | "none" | "exited";

export async function health(name: string): Promise<Health> {
    const info = await docker.getContainer(name).inspect();
    if (!info.State.Running) return "exited";
    return (info.State.Health?.Status as Health | undefined) ?? "none";
}

export async function ipOf(name: string, network: string): Promise<string> {
    const info = await docker.getContainer(name).inspect();
    return info.NetworkSettings.Networks[network].IPAddress;
}

/** Polls until `want`; a healthy container never flips to unhealthy here by accident: the
 * caller decides what the opposite state means. Returns seconds waited. */
export async function waitFor(name: string, want: Health, timeoutS = 90): Promise<number> {
    const start = Date.now();
    for (;;) {
        const h = await health(name);
        if (h === want) return (Date.now() - start) / 1000;
        if (h === "exited") throw new Error(`${name} exited; logs:\n${logs(name, 20)}`);
        if (Date.now() - start > timeoutS * 1000)
            throw new Error(`${name} still ${h} after ${timeoutS}s (wanted ${want}); logs:\n${logs(name, 20)}`);
        await new Promise((r) => setTimeout(r, 500));
    }
}

/** The container's own output (our stand-ins log why they are unhealthy, never secrets). */
export function logs(name: string, tail = 50): string {
    const r = spawnSync("docker", ["logs", "--tail", String(tail), name], { encoding: "utf8" });
    return `${r.stdout}${r.stderr}`;
}

export interface HttpReply {
    readonly status: number;
    readonly body: string;
}

/**
 * An HTTP request made with curl inside `container` (the redis-http stand-in has it), so that
 * names resolve as on the tenant's network. A bearer token and the body are passed through the
 * environment of `docker exec`, never on its command line.
 */
export function httpFrom(
    container: string,
    url: string,
    opts: { method?: string; body?: string; token?: string; headers?: Record<string, string> } = {},
): HttpReply {
    const script = [
        'set -- -sS -D /dev/stderr -o - -m 8 -X "$METHOD"',
        '[ -n "$BODY" ] && set -- "$@" --data-binary "$BODY"',
        '[ -n "$TOKEN" ] && set -- "$@" -H "Authorization: Bearer $TOKEN"',
        '[ -n "$HEADER" ] && set -- "$@" -H "$HEADER"',
        'curl "$@" "$URL"; exit 0',
    ].join("\n");
    const headers = Object.entries(opts.headers ?? {}).map(([k, v]) => `${k}: ${v}`);
    if (headers.length > 1) throw new Error("httpFrom: one extra header at most");
    const env = {
        ...process.env,
        METHOD: opts.method ?? "GET",
        BODY: opts.body ?? "",
        TOKEN: opts.token ?? "",
        HEADER: headers[0] ?? "",
        URL: url,
    };
    const r = spawnSync(
        "docker",
        ["exec", "-e", "METHOD", "-e", "BODY", "-e", "TOKEN", "-e", "HEADER", "-e", "URL", container, "sh", "-c", script],
        { encoding: "utf8", env },
    );
    if (r.status !== 0) throw new Error(`curl in ${container} failed: ${r.stderr}`);
    // -D /dev/stderr writes the response headers to stderr; the last status line wins.
    const statuses = [...r.stderr.matchAll(/^\s*HTTP\/[\d.]+ (\d{3})/gm)].map((m) => Number(m[1]));
    return { status: statuses.at(-1) ?? 0, body: r.stdout };
}

/**
 * A command in `container` (`env` passed through `docker exec`'s environment, never on its
 * command line); its stdout and stderr together, trimmed, whatever its exit code.
 */
export function exec(container: string, cmd: string[], env: Record<string, string> = {}): string {
    const r = spawnSync("docker", ["exec", ...Object.keys(env).flatMap((k) => ["-e", k]), container, ...cmd], {
        encoding: "utf8",
        env: { ...process.env, ...env },
        timeout: 30_000,
    });
    if (r.error) throw r.error;
    return `${r.stdout}${r.stderr}`.trim();
}

/** Removes this run's containers, networks and volumes, selected by label; returns counts. */
export async function cleanup(run: string): Promise<string> {
    const filters = { label: [`${SMOKE_LABEL.key}=${SMOKE_LABEL.value}`, `${RUN_LABEL}=${run}`] };
    const containers = await docker.listContainers({ all: true, filters });
    await Promise.all(containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
    const networks = await docker.listNetworks({ filters });
    for (const n of networks) await docker.getNetwork(n.Id).remove();
    const { Volumes: volumes } = await docker.listVolumes({ filters });
    for (const v of volumes ?? []) await docker.getVolume(v.Name).remove();
    return `${containers.length} containers, ${networks.length} networks, ${(volumes ?? []).length} volumes`;
}
