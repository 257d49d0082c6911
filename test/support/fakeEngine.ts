// A stand-in Docker host for unit tests that must run where no Docker Engine does (`npm test`
// on a fresh clone), and must not depend on what the machine running them has in use.
//
// The Engine: an API on a unix socket answering the calls the port code and the commands make
// (`/_ping`, `/info`, `/containers/json?all=1`, `/containers/<id>/json`, `/volumes`, `/images/<name>/json`,
// and removing a volume) with the shapes a
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
    /** The image it runs, by one of the engine's `images` (its inspect reports that image's ID). */
    readonly image?: string;
}

export interface FakeVolume {
    readonly name: string;
    readonly labels?: Record<string, string>;
}

export interface FakeEngine {
    /** `unix:///.../docker.sock`, for DOCKER_HOST or `docker:host`. */
    readonly host: string;
    /** Paths requested, in order. */
    readonly requests: string[];
    /** Requests other than GET and HEAD (`POST /containers/x/restart`): what would change the host. */
    readonly changes: string[];
    /** What the host runs from now on (as after a deploy). */
    setContainers(containers: readonly FakeContainer[]): void;
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
): Promise<FakeEngine> {
    const dir = tempDir("engine");
    const imageIds: Readonly<Record<string, string>> = Array.isArray(images)
        ? Object.fromEntries(images.map((name, i) => [name, `sha256:${(i + 1).toString(16).padStart(64, "d")}`]))
        : (images as Readonly<Record<string, string>>);
    const socket = path.join(dir, "docker.sock");
    const requests: string[] = [];
    const changes: string[] = [];
    let byId = new Map(containers.map((c, i) => [idOf(i), c]));
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
        // A daemon that is not in a swarm, as 20.10 reports it (the part the commands read).
        if (route === "/info")
            return send(200, {
                ServerVersion: "20.10.24+dfsg1",
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
        if (route === "/volumes")
            return send(200, {
                Volumes: present.map((v) => ({
                    Name: v.name,
                    Driver: "local",
                    Labels: v.labels ?? null,
                    Mountpoint: `/var/lib/docker/volumes/${v.name}/_data`,
                    Scope: "local",
                })),
                Warnings: null,
            });
        const image = /^\/images\/(.+)\/json$/.exec(route);
        if (image) {
            const name = decodeURIComponent(image[1]);
            return imageIds[name] ? send(200, { Id: imageIds[name], RepoTags: [name] }) : send(404, { message: `No such image: ${name}` });
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
        setContainers: (list) => void (byId = new Map(list.map((c, i) => [idOf(i), c]))),
        close: () => new Promise((r) => server.close(() => r(rmSync(dir, { recursive: true, force: true })))),
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
        HostConfig: { PortBindings: c.bindings ?? {} },
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
    machine = { procRoot, bindCheck: async () => [] };
    return machine;
}

/** The machine running the tests, for a test that holds a real socket on a port it found free. */
export function thisMachine(): FakeMachine {
    return { procRoot: "/proc", bindCheck };
}
