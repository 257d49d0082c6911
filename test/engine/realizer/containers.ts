// docker:index/container:Container -> a Docker container, field by field as @pulumi/docker
// documents them (memory in MB, durations as Go strings, labels as {label, value}).
import Docker from "dockerode";
import { containerLogTail, waitForHealth, waitForRunning } from "./health";
import { InitError, labelMap, Provider, RealizeContext, removeUnlessGone, stillThere } from "./provider";

const MB = 1024 * 1024;

interface Port {
    internal: number;
    external?: number;
    ip?: string;
    protocol?: string;
}
interface Mount {
    type: string;
    source?: string;
    target: string;
    readOnly?: boolean;
}
interface NetworkAdvanced {
    name: string;
    aliases?: string[];
}
interface Healthcheck {
    tests: string[];
    interval?: string;
    timeout?: string;
    retries?: number;
    startPeriod?: string;
}

/** Go duration text ("1m30s", "500ms") -> nanoseconds, as the Engine API wants. */
export function durationNs(text: string | undefined): number | undefined {
    if (text === undefined || text === "") return undefined;
    const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
    let total = 0;
    const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text)) !== null) {
        total += Number(m[1]) * units[m[2]];
        if (re.lastIndex === text.length) return Math.round(total);
    }
    if (text === "0") return 0;
    throw new Error(`not a duration: ${JSON.stringify(text)} (expected e.g. "10s", "1m30s")`);
}

function unsupported(what: string, obj: object, allowed: string[]): void {
    const extra = Object.keys(obj).filter((k) => !allowed.includes(k));
    if (extra.length > 0) throw new Error(`engine double: Container ${what} field(s) ${extra.join(", ")} not implemented`);
}

export function createOptions(i: Record<string, any>): Docker.ContainerCreateOptions {
    const ports = (i.ports ?? []) as Port[];
    const mounts = (i.mounts ?? []) as Mount[];
    const networks = (i.networksAdvanced ?? []) as NetworkAdvanced[];
    ports.forEach((p) => unsupported("ports", p, ["internal", "external", "ip", "protocol"]));
    mounts.forEach((m) => unsupported("mounts", m, ["type", "source", "target", "readOnly"]));
    networks.forEach((n) => unsupported("networksAdvanced", n, ["name", "aliases"]));
    const hc = i.healthcheck as Healthcheck | undefined;
    if (hc) unsupported("healthcheck", hc, ["tests", "interval", "timeout", "retries", "startPeriod"]);
    const key = (p: Port) => `${p.internal}/${p.protocol ?? "tcp"}`;
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of ports) (bindings[key(p)] ??= []).push({ HostIp: p.ip ?? "0.0.0.0", HostPort: p.external === undefined ? "" : String(p.external) });
    // The provider attaches the container to its networksAdvanced only (it leaves the default
    // bridge); creating it on the first one and connecting the rest gives the same end state.
    const [first] = networks;
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
            Interval: durationNs(hc.interval),
            Timeout: durationNs(hc.timeout),
            Retries: hc.retries,
            StartPeriod: durationNs(hc.startPeriod),
        },
        HostConfig: {
            PortBindings: bindings,
            Mounts: mounts.map((m) => ({ Type: m.type as "volume" | "bind" | "tmpfs", Source: m.source ?? "", Target: m.target, ReadOnly: m.readOnly ?? false })),
            RestartPolicy: { Name: i.restart ?? "no", MaximumRetryCount: i.maxRetryCount ?? 0 },
            Memory: i.memory !== undefined ? i.memory * MB : undefined,
            MemorySwap: i.memorySwap !== undefined ? (i.memorySwap > 0 ? i.memorySwap * MB : i.memorySwap) : undefined,
            LogConfig: i.logDriver !== undefined ? { Type: i.logDriver, Config: i.logOpts ?? {} } : undefined,
            SecurityOpt: i.securityOpts,
            ReadonlyRootfs: i.readOnly ?? false,
            Init: i.init,
            NetworkMode: first ? first.name : (i.networkMode ?? "bridge"),
        },
        NetworkingConfig: first ? { EndpointsConfig: { [first.name]: { Aliases: first.aliases ?? [] } } } : undefined,
    };
}

async function outputsOf(c: Docker.Container): Promise<Record<string, unknown>> {
    const info = await c.inspect();
    const networkDatas = Object.entries(info.NetworkSettings.Networks ?? {}).map(([networkName, n]) => ({
        networkName,
        ipAddress: n.IPAddress,
        gateway: n.Gateway,
        macAddress: n.MacAddress,
    }));
    return { networkDatas };
}

async function create(ctx: RealizeContext, i: Record<string, any>) {
    const { docker } = ctx;
    const c = await docker.createContainer(createOptions(i));
    for (const n of ((i.networksAdvanced ?? []) as NetworkAdvanced[]).slice(1)) {
        await docker.getNetwork(n.name).connect({ Container: c.id, EndpointConfig: { Aliases: n.aliases ?? [] } });
    }
    if (i.start === false) return { id: c.id, outputs: await outputsOf(c) };
    try {
        await c.start();
        if (i.wait === true) await waitForHealth(c, i.waitTimeout ?? 60, ctx.log);
        else await waitForRunning(c);
    } catch (e) {
        // The container exists: the engine keeps it in state and replaces it next time.
        throw new InitError(`container ${i.name}: ${(e as Error).message}${await containerLogTail(c)}`, { id: c.id, outputs: {} });
    }
    return { id: c.id, outputs: await outputsOf(c) };
}

export const containerProvider: Provider = {
    inputs: [
        "name", "image", "hostname", "domainname", "user", "workingDir", "command", "entrypoints", "envs", "labels", "ports", "mounts",
        "networksAdvanced", "networkMode", "healthcheck", "wait", "waitTimeout", "restart", "maxRetryCount", "memory", "memorySwap",
        "logDriver", "logOpts", "securityOpts", "readOnly", "init", "stopSignal", "stopTimeout", "start", "mustRun", "removeVolumes",
    ],
    computed: ["networkDatas"],
    // As in @pulumi/docker: restart policy and memory limits change in place; `wait*` and
    // `removeVolumes` only steer the provider. Everything else replaces the container.
    updatable: ["restart", "maxRetryCount", "memory", "memorySwap", "wait", "waitTimeout", "removeVolumes"],
    create,
    async update({ docker }, id, _olds, news) {
        const c = docker.getContainer(id);
        // Without memorySwap, swap follows Docker's create-time default (twice the memory),
        // or growing the memory past the old swap limit would be refused.
        const memory = news.memory !== undefined ? news.memory * MB : 0;
        const swap = news.memorySwap !== undefined ? (news.memorySwap > 0 ? news.memorySwap * MB : news.memorySwap) : memory ? 2 * memory : 0;
        await c.update({ Memory: memory, MemorySwap: swap, RestartPolicy: { Name: news.restart ?? "no", MaximumRetryCount: news.maxRetryCount ?? 0 } });
        return { id, outputs: await outputsOf(c) };
    },
    async delete({ docker }, id, i) {
        await removeUnlessGone(() => docker.getContainer(id).remove({ force: true, v: i.removeVolumes ?? true }));
    },
    async exists({ docker }, id) {
        return stillThere(() => docker.getContainer(id).inspect());
    },
};
