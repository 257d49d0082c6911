// A stand-in Docker Engine API on a unix socket, for unit tests that must run where no
// Docker Engine does (`npm test` on a fresh clone). It answers the three calls the port code
// makes (`/_ping`, `/containers/json?all=1`, `/containers/<id>/json`) with the shapes a real
// Engine 20.10 returns (captured from one; test/integration/ports.test.ts checks the same
// code against the real engine). Stopped containers list no Ports, as on a real engine.
import { mkdtempSync, rmSync } from "fs";
import * as http from "http";
import { tmpdir } from "os";
import * as path from "path";

export interface FakeContainer {
    readonly name: string;
    readonly state: "running" | "exited" | "created" | "paused";
    readonly labels?: Record<string, string>;
    /** `"80/tcp": [{HostIp, HostPort}]`, as in HostConfig.PortBindings. */
    readonly bindings?: Record<string, { HostIp: string; HostPort: string }[]>;
    readonly health?: "healthy" | "unhealthy" | "starting";
}

export interface FakeEngine {
    /** `unix:///.../docker.sock`, for DOCKER_HOST or `docker:host`. */
    readonly host: string;
    /** Paths requested, in order. */
    readonly requests: string[];
    /** Requests other than GET and HEAD (`POST /containers/x/restart`): what would change the host. */
    readonly changes: string[];
    close(): Promise<void>;
}

export async function startFakeEngine(containers: readonly FakeContainer[]): Promise<FakeEngine> {
    const dir = mkdtempSync(path.join(tmpdir(), "fbports-engine-"));
    const socket = path.join(dir, "docker.sock");
    const requests: string[] = [];
    const changes: string[] = [];
    const byId = new Map(containers.map((c, i) => [idOf(i), c]));
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
        if (route === "/containers/json") return send(200, [...byId].map(([id, c]) => listEntry(id, c)));
        const m = /^\/containers\/([^/]+)\/json$/.exec(route);
        const c = m ? byId.get(m[1]) : undefined;
        if (m && c) return send(200, { Id: m[1], Name: `/${c.name}`, State: { Status: c.state, Running: c.state === "running" }, HostConfig: { PortBindings: c.bindings ?? {} } });
        send(404, { message: `No such container: ${m?.[1] ?? route}` });
    });
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    return { host: `unix://${socket}`, requests, changes, close: () => new Promise((r) => server.close(() => r(rmSync(dir, { recursive: true, force: true })))) };
}

function idOf(i: number): string {
    return (i + 1).toString(16).padStart(64, "c");
}

function listEntry(id: string, c: FakeContainer) {
    const binding = c.state === "running" || c.state === "paused";
    const ports = !binding
        ? []
        : Object.entries(c.bindings ?? {}).flatMap(([spec, list]) => {
              const [priv, type] = spec.split("/");
              // A port published on every address is listed once per family, as Docker does.
              return list.flatMap((b) => (b.HostIp === "" ? ["0.0.0.0", "::"] : [b.HostIp]).map((IP) => ({ IP, PrivatePort: Number(priv), PublicPort: Number(b.HostPort), Type: type })));
          });
    const status = binding ? `Up 5 minutes${c.health ? ` (${c.health === "starting" ? "health: starting" : c.health})` : ""}` : c.state === "created" ? "Created" : "Exited (0) 2 minutes ago";
    return { Id: id, Names: [`/${c.name}`], Image: "frontbase-test/debian:bookworm", Command: "/true", Created: 1795707629, Ports: ports, Labels: c.labels ?? {}, State: c.state, Status: status, HostConfig: { NetworkMode: "default" }, Mounts: [] };
}
