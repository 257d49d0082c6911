// A stand-in Docker host for unit tests that must run where no Docker Engine does (`npm test`
// on a fresh clone), and must not depend on what the machine running them has in use.
//
// The Engine: an API on a unix socket answering the calls the port code and the commands make
// (`/_ping`, `/info`, `/containers/json?all=1`, `/containers/<id>/json`, `/volumes`, `/images/<name>/json`,
// removing a volume, `/system/df`, `/containers/<id>/stats`) with the shapes a
// real Engine 20.10 returns (captured from one; test/integration/ports.test.ts and ops.test.ts
// check the same code against the real engine). Stopped containers list no Ports, as on a real
// engine. A `unix://` Engine counts as this machine's (docker/dockerHost.ts isLocalHost), so:
//
// The machine: `fakeMachine()` is a /proc whose socket tables list no listener and a bind check
// that refuses nothing. Given to a command through its Context (test/support/cliRun.ts), no
// port held on the real machine changes what a test sees.
import { existsSync, mkdirSync, rmSync, writeFileSync } from "fs";
import * as http from "http";
import * as path from "path";
import { bindCheck, BindChecker } from "../../ports/bindCheck";
import { tempDir } from "./temp";

export interface FakeContainer {
    readonly name: string;
    readonly state: "running" | "exited" | "created" | "paused";
    readonly labels?: Record<string, string>;
    /** `"80/tcp": [{HostIp, HostPort}]`, as in HostConfig.PortBindings. */
    readonly bindings?: Record<string, { HostIp: string; HostPort: string }[]>;
    /** `State.Health.Status`, which the inspect reports. */
    readonly health?: "healthy" | "unhealthy" | "starting";
    /** The list's `Status` text, when it should differ from what `health` implies (a stale list). */
    readonly status?: string;
    /** `HostConfig.Memory` in bytes (0 or absent: no limit). */
    readonly memory?: number;
    /** What `GET /containers/<id>/stats?stream=false` answers for it while it runs (else 404, as for a remote task). */
    readonly stats?: { readonly memoryUsage: number; readonly cpuNs: number; readonly rx: number; readonly tx: number };
    /** The image it runs, by one of the engine's `images` (its inspect reports that image's ID). */
    readonly image?: string;
    /**
     * Answers `GET /containers/<id>/logs` (the Engine's framed stream): writes what the test wants
     * and ends the response, or (following) keeps writing until the client goes.
     */
    readonly logs?: (res: http.ServerResponse, follow: boolean) => void;
}

export interface FakeVolume {
    readonly name: string;
    readonly labels?: Record<string, string>;
    /** Its size in `GET /system/df` (-1, "not computed", when absent). */
    readonly bytes?: number;
}

/** What `GET /info` says of the host's CPUs and memory. */
export const FAKE_HOST = { NCPU: 2, MemTotal: 8 * 1024 ** 3 };

export interface FakeEngine {
    /** `unix:///.../docker.sock`, for DOCKER_HOST or `docker:host`. */
    readonly host: string;
    /** Paths requested, in order. */
    readonly requests: string[];
    /** Requests other than GET and HEAD (`POST /containers/x/restart`): what would change the host. */
    readonly changes: string[];
    /** The containers' IDs, in the order given. */
    readonly ids: readonly string[];
    /** What the host runs from now on (as after a deploy). */
    setContainers(containers: readonly FakeContainer[]): void;
    /** Log streams answered and not yet closed by the client (`logs` containers only). */
    openLogStreams(): number;
    close(): Promise<void>;
}

/**
 * `images`: the images the host has, as name -> ID (`sha256:...`) or as names alone (IDs made up),
 * for `/images/<name>/json`; every other image is missing (404).
 */
export async function startFakeEngine(
    containers: readonly FakeContainer[],
    volumes: readonly FakeVolume[] = [],
    images: Readonly<Record<string, string>> | readonly string[] = {},
    /** GET /version's ApiVersion: 1.41 is Debian bookworm's docker.io 20.10 (no health-check start interval). */
    apiVersion = "1.41",
): Promise<FakeEngine> {
    const dir = tempDir("engine");
    const imageIds: Readonly<Record<string, string>> = Array.isArray(images)
        ? Object.fromEntries(images.map((name, i) => [name, `sha256:${(i + 1).toString(16).padStart(64, "d")}`]))
        : (images as Readonly<Record<string, string>>);
    const socket = path.join(dir, "docker.sock");
    const requests: string[] = [];
    const changes: string[] = [];
    let byId = new Map(containers.map((c, i) => [idOf(i), c]));
    let open = 0;
    const present = [...volumes];
    const imageId = (ref: string | undefined) => (ref === undefined ? undefined : imageIds[ref]);
    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://engine");
        const route = url.pathname.replace(/^\/v[\d.]+/, "");
        requests.push(route);
        if (req.method !== "GET" && req.method !== "HEAD") changes.push(`${req.method} ${route}`);
        const send = (status: number, body: unknown) => {
            res.writeHead(status, { "Content-Type": typeof body === "string" ? "text/plain" : "application/json" });
            res.end(typeof body === "string" ? body : JSON.stringify(body));
        };
        if (route === "/_ping") return send(200, "OK");
        if (route === "/version")
            return send(200, { Version: apiVersion === "1.41" ? "20.10.24+dfsg1" : "26.1.5", ApiVersion: apiVersion });
        // A daemon that is not in a swarm, as 20.10 reports it (the part the commands read).
        if (route === "/info")
            return send(200, {
                ServerVersion: "20.10.24+dfsg1",
                ...FAKE_HOST,
                Swarm: { NodeID: "", LocalNodeState: "inactive", ControlAvailable: false },
            });
        if (route === "/containers/json")
            return send(
                200,
                [...byId].map(([id, c]) => listEntry(id, c)),
            );
        const volume = /^\/volumes\/([^/]+)$/.exec(route);
        if (volume && req.method === "DELETE") {
            const at = present.findIndex((v) => v.name === decodeURIComponent(volume[1]));
            if (at === -1) return send(404, { message: `get ${volume[1]}: no such volume` });
            present.splice(at, 1);
            res.writeHead(204);
            return res.end();
        }
        if (route === "/volumes") return send(200, { Volumes: present.map(volumeEntry), Warnings: null });
        if (route === "/system/df")
            return send(200, {
                LayersSize: 0,
                Images: null,
                Containers: null,
                BuildCache: null,
                Volumes: present.map((v) => ({ ...volumeEntry(v), UsageData: { Size: v.bytes ?? -1, RefCount: 1 } })),
            });
        const image = /^\/images\/(.+)\/json$/.exec(route);
        if (image) {
            const name = decodeURIComponent(image[1]);
            return imageIds[name] ? send(200, { Id: imageIds[name], RepoTags: [name] }) : send(404, { message: `No such image: ${name}` });
        }
        const s = /^\/containers\/([^/]+)\/stats$/.exec(route);
        const running = s ? byId.get(s[1]) : undefined;
        if (running?.stats && running.state === "running") return send(200, statsEntry(running));
        const logs = /^\/containers\/([^/]+)\/logs$/.exec(route);
        const logged = logs ? byId.get(logs[1]) : undefined;
        if (logged?.logs) {
            open++;
            res.once("close", () => open--);
            res.writeHead(200, { "Content-Type": "application/vnd.docker.raw-stream" });
            return logged.logs(res, url.searchParams.get("follow") === "1" || url.searchParams.get("follow") === "true");
        }
        const m = /^\/containers\/([^/]+)\/json$/.exec(route);
        const c = m ? byId.get(m[1]) : undefined;
        if (m && c) return send(200, { ...inspectEntry(m[1], c), Image: imageId(c.image) ?? `sha256:${"e".repeat(64)}` });
        send(404, { message: `No such container: ${m?.[1] ?? route}` });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    return {
        host: `unix://${socket}`,
        requests,
        changes,
        get ids() {
            return [...byId.keys()];
        },
        setContainers: (list) => void (byId = new Map(list.map((c, i) => [idOf(i), c]))),
        openLogStreams: () => open,
        close: () =>
            new Promise((r) => {
                server.close(() => r(rmSync(dir, { recursive: true, force: true })));
                server.closeAllConnections(); // a followed log stream would hold it open
            }),
    };
}

function volumeEntry(v: FakeVolume) {
    return {
        Name: v.name,
        Driver: "local",
        Labels: v.labels ?? null,
        Mountpoint: `/var/lib/docker/volumes/${v.name}/_data`,
        Scope: "local",
    };
}

/** The fields of a 20.10 stats answer that usage is computed from: CPU over a 1 s window of 2 CPUs at 10% of one. */
function statsEntry(c: FakeContainer) {
    const st = c.stats!;
    const system = 2 * 1e9;
    return {
        cpu_stats: { cpu_usage: { total_usage: st.cpuNs }, system_cpu_usage: 1e12 + system, online_cpus: 2 },
        precpu_stats: { cpu_usage: { total_usage: st.cpuNs - 1e8 }, system_cpu_usage: 1e12 },
        memory_stats: { usage: st.memoryUsage + 4096, limit: c.memory || FAKE_HOST.MemTotal, stats: { total_inactive_file: 4096 } },
        networks: { eth0: { rx_bytes: st.rx, tx_bytes: st.tx } },
    };
}

function idOf(i: number): string {
    return (i + 1).toString(16).padStart(64, "c");
}

function inspectEntry(id: string, c: FakeContainer) {
    const state = {
        Status: c.state,
        Running: c.state === "running",
        ExitCode: 0,
        ...(c.health ? { Health: { Status: c.health, FailingStreak: 0, Log: [] } } : {}),
    };
    return {
        Id: id,
        Name: `/${c.name}`,
        RestartCount: 0,
        State: state,
        Config: { Labels: c.labels ?? {}, Tty: false },
        HostConfig: { PortBindings: c.bindings ?? {}, Memory: c.memory ?? 0 },
    };
}

function listEntry(id: string, c: FakeContainer) {
    const binding = c.state === "running" || c.state === "paused";
    const ports = !binding
        ? []
        : Object.entries(c.bindings ?? {}).flatMap(([spec, list]) => {
              const [priv, type] = spec.split("/");
              // A port published on every address is listed once per family, as Docker does.
              return list.flatMap((b) =>
                  (b.HostIp === "" ? ["0.0.0.0", "::"] : [b.HostIp]).map((IP) => ({
                      IP,
                      PrivatePort: Number(priv),
                      PublicPort: Number(b.HostPort),
                      Type: type,
                  })),
              );
          });
    const status = binding
        ? `Up 5 minutes${c.health ? ` (${c.health === "starting" ? "health: starting" : c.health})` : ""}`
        : c.state === "created"
          ? "Created"
          : "Exited (0) 2 minutes ago";
    return {
        Id: id,
        Names: [`/${c.name}`],
        Image: "frontbase-test/debian:bookworm",
        Command: "/true",
        Created: 1795707629,
        Ports: ports,
        Labels: c.labels ?? {},
        State: c.state,
        Status: c.status ?? status,
        HostConfig: { NetworkMode: "default" },
        Mounts: [],
    };
}

export interface FakeMachine {
    readonly procRoot: string;
    /** An empty cgroup tree: no container's usage is read from the kernel. */
    readonly cgroupRoot: string;
    readonly bindCheck: BindChecker;
}

const HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
let machine: FakeMachine | undefined;

/** This machine as the tests see it: no process listens anywhere, every bind succeeds. */
export function fakeMachine(): FakeMachine {
    // One per test file; made again if the file's temporary directories were removed already.
    if (machine && existsSync(machine.procRoot)) return machine;
    const procRoot = tempDir("proc");
    mkdirSync(path.join(procRoot, "net"));
    for (const table of ["tcp", "tcp6"]) writeFileSync(path.join(procRoot, "net", table), HEADER);
    mkdirSync(path.join(procRoot, "cgroup"));
    machine = { procRoot, cgroupRoot: path.join(procRoot, "cgroup"), bindCheck: async () => [] };
    return machine;
}

/** The machine running the tests, for a test that holds a real socket on a port it found free. */
export function thisMachine(): FakeMachine {
    return { procRoot: "/proc", cgroupRoot: "/sys/fs/cgroup", bindCheck };
}
