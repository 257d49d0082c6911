// What terraform-provider-docker v4.5.0 sends to Docker when it creates a container: the declared
// state -> the Engine API's create body ([F] resource_docker_container_funcs.go,
// createContainerConfig and resourceDockerContainerCreate; [C] resource_docker_container.go for
// the defaults). containers.ts has the rest of the resource (Read, diff, Update, Delete).
import Docker from "dockerode";
import { durationNs } from "./durations";
import { labelMap, State } from "./provider";

export const MB = 1024 * 1024;

export interface Port {
    internal: number;
    external?: number;
    ip?: string;
    protocol?: string;
}
export interface Mount {
    type: string;
    source?: string;
    target: string;
    readOnly?: boolean;
}
export interface NetworkAdvanced {
    name: string;
    aliases?: string[];
}
export interface Healthcheck {
    tests: string[];
    interval?: string;
    timeout?: string;
    retries?: number;
    startPeriod?: string;
    startInterval?: string;
}

function unsupported(what: string, obj: object, allowed: string[]): void {
    const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
    if (extra.length > 0) throw new Error(`engine double: Container ${what} field(s) ${extra.join(", ")} not implemented`);
}

export function createOptions(i: State): Docker.ContainerCreateOptions {
    const ports = (i.ports ?? []) as Port[];
    const mounts = (i.mounts ?? []) as Mount[];
    const hc = i.healthcheck as Healthcheck | undefined;
    ports.forEach((p) => unsupported("ports", p, ["internal", "external", "ip", "protocol"]));
    mounts.forEach((m) => unsupported("mounts", m, ["type", "source", "target", "readOnly"]));
    ((i.networksAdvanced ?? []) as NetworkAdvanced[]).forEach((n) => unsupported("networksAdvanced", n, ["name", "aliases"]));
    if (hc) unsupported("healthcheck", hc, ["tests", "interval", "timeout", "retries", "startPeriod", "startInterval"]);
    const key = (p: Port) => `${p.internal}/${p.protocol ?? "tcp"}`;
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    // ip always reaches Docker ([C] ports.ip Default "0.0.0.0"; [S] portSetToDockerPorts).
    for (const p of ports)
        (bindings[key(p)] ??= []).push({ HostIp: p.ip ?? "0.0.0.0", HostPort: p.external === undefined ? "" : String(p.external) });
    return {
        name: i.name,
        Image: i.image,
        Hostname: i.hostname,
        Domainname: i.domainname,
        User: i.user,
        WorkingDir: i.workingDir,
        Cmd: i.command,
        Entrypoint: i.entrypoints,
        Env: i.envs ?? [],
        Labels: labelMap(i.labels),
        ExposedPorts: Object.fromEntries(ports.map((p) => [key(p), {}])),
        StopSignal: i.stopSignal,
        StopTimeout: i.stopTimeout,
        Healthcheck: hc && {
            Test: hc.tests,
            Interval: durationNs(hc.interval ?? "0s"),
            Timeout: durationNs(hc.timeout ?? "0s"),
            Retries: hc.retries ?? 0,
            StartPeriod: durationNs(hc.startPeriod ?? "0s"),
            // [F] createContainerConfig: sent whatever the engine; an engine older than API 1.44
            // (Docker 20.10) ignores the field, and Read then gets 0s back.
            StartInterval: durationNs(hc.startInterval ?? "0s"),
        },
        HostConfig: {
            PortBindings: bindings,
            Mounts: mounts.map((m) => ({
                Type: m.type as "volume" | "bind" | "tmpfs",
                Source: m.source ?? "",
                Target: m.target,
                ReadOnly: m.readOnly ?? false,
            })),
            RestartPolicy: { Name: i.restart ?? "no", MaximumRetryCount: i.maxRetryCount ?? 0 },
            // MB in the schema, bytes for Docker ([F] L334-348); a swap <= 0 is passed as it is.
            Memory: i.memory !== undefined ? i.memory * MB : undefined,
            MemorySwap: i.memorySwap !== undefined ? (i.memorySwap > 0 ? i.memorySwap * MB : i.memorySwap) : undefined,
            LogConfig: i.logDriver !== undefined ? { Type: i.logDriver, Config: i.logOpts ?? {} } : undefined,
            SecurityOpt: i.securityOpts,
            ReadonlyRootfs: i.readOnly ?? false,
            Init: i.init ?? false,
            // Created on network_mode (default "bridge"), then moved to networks_advanced ([F] L392-399, L463-503).
            NetworkMode: i.networkMode ?? "bridge",
        },
    };
}
