// docker:index/container:Container -> a Docker container, as terraform-provider-docker v4.5.0
// (bridged by @pulumi/docker 5.x) creates, reads, diffs, updates and deletes it. Each rule cites
// kreuzwerker/terraform-provider-docker@v4.5.0 internal/provider/: [C] resource_docker_container.go
// (schema), [F] resource_docker_container_funcs.go; the whole audit is docs/provider-audit.md.
import Docker from "dockerode";
import { containerLogTail, waitForHealth, waitForRunning } from "./health";
import { createOptions, Healthcheck, MB, NetworkAdvanced, Port } from "./containerCreate";
import { goDurationString } from "./durations";
import { InitError, inspectUnlessGone, keep, Provider, removeUnlessGone, State } from "./provider";
import { Attribute, Schema } from "./schema";

/** Nested defaults the provider fills in before it stores a value ([C] ports: ip "0.0.0.0", protocol "tcp"). */
function portsAsStored(v: unknown): unknown {
    return (v as Port[]).map((p) => ({ internal: p.internal, external: p.external, ip: p.ip ?? "0.0.0.0", protocol: p.protocol ?? "tcp" }));
}

/**
 * [C] healthcheck's nested Defaults ("0s" for each duration, 0 retries): an undeclared
 * start_interval is stored as "0s", which is what Read gets back from an engine without one.
 */
function healthcheckAsStored(v: unknown): unknown {
    const h = v as Healthcheck;
    return {
        tests: h.tests,
        interval: h.interval ?? "0s",
        timeout: h.timeout ?? "0s",
        retries: h.retries ?? 0,
        startPeriod: h.startPeriod ?? "0s",
        startInterval: h.startInterval ?? "0s",
    };
}

const forceNew: Attribute = { forceNew: true };
const forceNewComputed: Attribute = { forceNew: true, computed: true };
/** An in-place attribute that Update sends to Docker ([F] Update L1016-1067). */
const sent: Attribute = {};
/** An in-place attribute that only the state records ([F] Update never sends it). */
const stateOnly: Attribute = { stateOnly: true };

/** [C] `resourceDockerContainer().Schema`, for the inputs this double implements. */
export const CONTAINER_SCHEMA: Schema = {
    name: forceNew,
    image: forceNew,
    hostname: forceNewComputed,
    domainname: forceNew,
    user: { forceNew: true, computed: true },
    workingDir: { forceNew: true, computed: true },
    command: forceNewComputed,
    entrypoints: forceNewComputed,
    // Optional+Computed sets that Read never reads ([F] L893-898): no drift is ever seen.
    envs: { forceNew: true, computed: true, set: true },
    labels: { forceNew: true, computed: true, set: true },
    ports: { forceNew: true, normalize: portsAsStored },
    mounts: { forceNew: true, set: true },
    networksAdvanced: { forceNew: true, set: true },
    networkMode: { forceNew: true, default: "bridge" },
    // Not ForceNew and not sent by Update in v4.5.0 (kreuzwerker #988): stored, never applied.
    healthcheck: { ...stateOnly, normalize: healthcheckAsStored },
    wait: { ...stateOnly, default: false },
    waitTimeout: { ...stateOnly, default: 60 },
    destroyGraceSeconds: stateOnly,
    removeVolumes: { ...stateOnly, default: true },
    start: { ...stateOnly, default: true },
    // [F] Create L628-671: wait until the container is no longer running (exit code not checked).
    attach: { ...stateOnly, default: false },
    logs: { ...stateOnly, default: false },
    mustRun: { default: true },
    restart: { ...sent, default: "no" },
    maxRetryCount: sent,
    memory: sent,
    // Optional, not Computed ([C] L856-861): Docker's own value comes back as a diff.
    memorySwap: sent,
    logDriver: forceNewComputed,
    logOpts: forceNew,
    securityOpts: { forceNew: true, computed: true, set: true },
    readOnly: forceNew,
    init: { ...stateOnly, computed: true },
    stopSignal: forceNewComputed,
    stopTimeout: forceNewComputed,
};

/** Attributes [F] Update sends with ContainerUpdate, when one of them changed. */
const UPDATE_SENDS = ["restart", "maxRetryCount", "memory", "memorySwap"];

/** [F] `resourceDockerContainerRead` (L750-981): the state that `docker inspect` yields. */
export function stateFromInspect(info: Docker.ContainerInspectInfo, prior: State): State {
    const hc = info.Config.Healthcheck;
    const running = info.State.Running;
    const portsRead = Object.entries(info.NetworkSettings.Ports ?? {}).flatMap(([key, binds]) =>
        (binds ?? []).map((b) => ({
            internal: Number(key.split("/")[0]),
            external: Number(b.HostPort),
            ip: b.HostIp,
            protocol: key.split("/")[1],
        })),
    );
    const mem = info.HostConfig.Memory ?? 0;
    const swap = info.HostConfig.MemorySwap ?? 0;
    return {
        // Never read: env and labels ([F] L893-898), networks_advanced once set (L786-796), and
        // the provider-only attributes.
        ...keep(prior, [
            "envs",
            "labels",
            "networksAdvanced",
            "wait",
            "waitTimeout",
            "destroyGraceSeconds",
            "removeVolumes",
            "start",
            "attach",
            "logs",
        ]),
        name: info.Name.replace(/^\//, ""),
        // An image given by ID reads back as the container's image ID ([F] L840-845).
        image: typeof prior.image === "string" && prior.image.startsWith("sha256:") ? info.Image : info.Config.Image,
        hostname: info.Config.Hostname,
        domainname: info.Config.Domainname,
        user: info.Config.User,
        workingDir: info.Config.WorkingDir,
        command: info.Config.Cmd ?? undefined,
        entrypoints: info.Config.Entrypoint ?? undefined,
        // Read only while running or while must_run is true in state: a stopped container has no
        // NetworkSettings.Ports, so one that must run reads back without its ports (a replacement),
        // while one declared `must_run = false` keeps the ports in state ([F] L797-806).
        ...(prior.ports !== undefined ? { ports: running ? portsRead : (prior.mustRun ?? true) ? [] : prior.ports } : {}),
        mounts: (info.HostConfig.Mounts ?? []).map((m) => ({
            type: m.Type,
            source: m.Source,
            target: m.Target,
            readOnly: m.ReadOnly ?? false,
        })),
        networkMode: info.HostConfig.NetworkMode,
        // A stopped container reads must_run=false ([F] L815-824).
        mustRun: running ? (prior.mustRun ?? true) : false,
        healthcheck: hc
            ? {
                  tests: hc.Test,
                  interval: goDurationString(hc.Interval ?? 0),
                  timeout: goDurationString(hc.Timeout ?? 0),
                  retries: hc.Retries ?? 0,
                  startPeriod: goDurationString(hc.StartPeriod ?? 0),
                  // [F] resourceDockerContainerRead: StartInterval.String(), "0s" where the engine has none.
                  startInterval: goDurationString((hc as { StartInterval?: number }).StartInterval ?? 0),
              }
            : undefined,
        restart: info.HostConfig.RestartPolicy?.Name,
        maxRetryCount: info.HostConfig.RestartPolicy?.MaximumRetryCount,
        // Integer MB; a swap <= 0 (-1: unlimited) is stored as it is ([F] L932, L940-944).
        memory: Math.trunc(mem / MB),
        memorySwap: swap > 0 ? Math.trunc(swap / MB) : swap,
        logDriver: info.HostConfig.LogConfig?.Type,
        // The whole LogConfig.Config, daemon defaults merged in ([F] L952, L983-989).
        logOpts: prior.logOpts !== undefined ? info.HostConfig.LogConfig?.Config : undefined,
        securityOpts: info.HostConfig.SecurityOpt ?? undefined,
        readOnly: info.HostConfig.ReadonlyRootfs,
        init: (info.HostConfig as { Init?: boolean | null }).Init ?? false,
        stopSignal: (info.Config as { StopSignal?: string }).StopSignal,
        stopTimeout: (info.Config as { StopTimeout?: number }).StopTimeout,
        networkDatas: Object.entries(info.NetworkSettings.Networks ?? {}).map(([networkName, n]) => ({
            networkName,
            ipAddress: n.IPAddress,
            gateway: n.Gateway,
            macAddress: n.MacAddress,
        })),
    };
}

async function create(ctx: Parameters<Provider["create"]>[0], i: State): Promise<{ id: string }> {
    const { docker } = ctx;
    const c = await docker.createContainer(createOptions(i));
    // [F] L463-503: off the default network, onto each networks_advanced entry with its aliases.
    const networks = (i.networksAdvanced ?? []) as NetworkAdvanced[];
    if (networks.length > 0) {
        await docker
            .getNetwork(i.networkMode ?? "bridge")
            .disconnect({ Container: c.id, Force: true })
            .catch(() => undefined);
        for (const n of networks)
            await docker.getNetwork(n.name).connect({ Container: c.id, EndpointConfig: { Aliases: n.aliases ?? [] } });
    }
    if (i.start === false) return { id: c.id };
    try {
        await c.start();
        // [F] L590-628: with wait, poll until healthy for the whole wait_timeout (default 60 s),
        // even when the container is unhealthy or has exited.
        if (i.wait === true) await waitForHealth(c, i.waitTimeout ?? 60, ctx.log);
        else if (i.attach !== true) await waitForRunning(c);
    } catch (e) {
        // The container exists and its ID is set: the engine keeps it with an init error.
        throw new InitError(`container ${i.name}: ${(e as Error).message}${await containerLogTail(c)}`, c.id);
    }
    if (i.attach === true) await c.wait();
    return { id: c.id };
}

export const containerProvider: Provider = {
    schema: CONTAINER_SCHEMA,
    computed: ["networkDatas"],
    // pulumi-docker provider/resources.go: docker_container `DeleteBeforeReplace: true`.
    deleteBeforeReplace: true,
    create,
    async read({ docker }, id, prior) {
        const info = await inspectUnlessGone(() => docker.getContainer(id).inspect());
        return info && stateFromInspect(info, prior);
    },
    // [F] `resourceDockerContainerUpdate` (L991-1077): ContainerUpdate only when a sent attribute
    // changed, MemorySwap only when configured and non-zero; a stopped container is started when
    // must_run turns true. It returns without reading back: the state is the plan.
    async update({ docker }, id, prior, news, changed) {
        const c = docker.getContainer(id);
        if (changed.some((k) => UPDATE_SENDS.includes(k))) {
            const swap =
                news.memorySwap !== undefined && news.memorySwap !== 0
                    ? { MemorySwap: news.memorySwap > 0 ? news.memorySwap * MB : news.memorySwap }
                    : {};
            await c.update({
                RestartPolicy: { Name: news.restart ?? "no", MaximumRetryCount: news.maxRetryCount ?? 0 },
                Memory: (news.memory ?? 0) * MB,
                ...swap,
            });
        }
        if (changed.includes("mustRun") && news.mustRun !== false && prior.mustRun === false) await c.start();
        return { ...prior, ...news };
    },
    // [F] `resourceDockerContainerDelete` (L1079-1131): stop with destroy_grace_seconds (0: kill
    // at once) from the state being deleted, then force-remove.
    async delete({ docker, log }, id, state) {
        const c = docker.getContainer(id);
        const grace = state.destroyGraceSeconds > 0 ? state.destroyGraceSeconds : 0;
        if (grace > 0) log(`stopping ${state.name} (up to ${grace}s)`);
        await removeUnlessGone(() => c.stop({ t: grace })).catch((e) => {
            if ((e as { statusCode?: number }).statusCode !== 304) throw e;
        });
        await removeUnlessGone(() => c.remove({ force: true, v: state.removeVolumes ?? true }));
    },
};
