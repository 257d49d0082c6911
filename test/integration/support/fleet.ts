// Helpers for the fleet scenarios: deploy through the engine double, talk HTTP to a tenant,
// read its containers, look inside them, run the operator CLI in-process against a project copy.
import { ChildProcess, execFile, spawn } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { main } from "../../../cli/main";
import { readStackFile } from "../../../project/stackFiles";
import { EngineOptions, EngineResult, up } from "../../engine/engine";
import { decode } from "../../engine/serialize";
import { REAL_TENANT_IMAGES } from "../../images/frontbase";
import { docker } from "./docker";
import { Ports, tenantConfig } from "./tenants";

export const SQLITE_SERVICES = ["redis", "redis-http", "backend", "edge", "frontend"] as const;

export interface Http {
    readonly status: number;
    readonly text: string;
    readonly headers: Headers;
}

/** One HTTP request to a tenant's published port on loopback. */
export async function http(
    port: number,
    urlPath: string,
    init: { method?: string; body?: string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<Http> {
    const headers: Record<string, string> = { ...init.headers };
    if (init.json !== undefined) headers["content-type"] = "application/json";
    const body = init.json === undefined ? init.body : JSON.stringify(init.json);
    const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, {
        method: init.method,
        headers,
        body,
        signal: AbortSignal.timeout(20_000),
    });
    return { status: res.status, text: await res.text(), headers: res.headers };
}

/**
 * Which of the tenant's services answered a request made through its frontend: the real
 * edge (Hono) puts an `X-Request-Id` on every response (its requestId middleware); the real
 * backend (FastAPI) and nginx's own locations do not.
 */
export function fromEdge(r: Http): boolean {
    return r.headers.has("x-request-id");
}

const run = promisify(execFile);

/** `docker exec <tenant>_frontbase-<service>-1 <cmd>`: its stdout, trimmed; throws on a non-zero exit. */
export async function inContainer(tenant: string, service: string, cmd: string[]): Promise<string> {
    return (await run("docker", ["exec", `${tenant}_frontbase-${service}-1`, ...cmd], { timeout: 30_000 })).stdout.trim();
}

/**
 * From inside a tenant's container: does `host` resolve there, and does a TCP connection to
 * `host:port` open within 3 s? (getent and bash's /dev/tcp: every real image has both.)
 */
export async function reach(
    tenant: string,
    service: string,
    host: string,
    port: number,
): Promise<{ resolved: boolean; connected: boolean }> {
    const script = `getent hosts "$1" >/dev/null && echo resolved; timeout 3 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2>/dev/null && echo connected; true`;
    const out = await inContainer(tenant, service, ["sh", "-c", script, "reach", host, String(port)]);
    return { resolved: out.includes("resolved"), connected: out.includes("connected") };
}

/** A command through the tenant's redis-http, as the edge's client sends it (Upstash REST, bearer token). */
export async function redisHttp(port: number, token: string, command: string[]): Promise<Http> {
    return http(port, "/", { method: "POST", json: command, headers: { authorization: `Bearer ${token}` } });
}

export async function containerIds(tenant: string, services: readonly string[] = SQLITE_SERVICES): Promise<Record<string, string>> {
    return Object.fromEntries(
        await Promise.all(services.map(async (s) => [s, (await docker.getContainer(`${tenant}_frontbase-${s}-1`).inspect()).Id])),
    );
}

/** `running/healthy` per service ("no check" where the service has none). */
export async function states(tenant: string, services: readonly string[] = SQLITE_SERVICES): Promise<Record<string, string>> {
    return Object.fromEntries(
        await Promise.all(
            services.map(async (s) => {
                const st = (await docker.getContainer(`${tenant}_frontbase-${s}-1`).inspect()).State;
                return [s, `${st.Status}/${st.Health?.Status ?? "no check"}`];
            }),
        ),
    );
}

export const HEALTHY = (services: readonly string[] = SQLITE_SERVICES) =>
    Object.fromEntries(services.map((s) => [s, s === "redis-http" ? "running/no check" : "running/healthy"]));

/** Run `npm run tenant -- <argv>` in-process against a project directory and lock directory. */
export async function tenantCli(argv: string[], projectDir: string, lockDir: string): Promise<{ code: number; out: string; err: string }> {
    const saved = { p: process.env.FRONTBASE_PROJECT_DIR, l: process.env.FRONTBASE_LOCK_DIR };
    process.env.FRONTBASE_PROJECT_DIR = projectDir;
    process.env.FRONTBASE_LOCK_DIR = lockDir;
    let out = "";
    let err = "";
    try {
        const code = await main(argv, { out: (t) => void (out += `${t}\n`), err: (t) => void (err += `${t}\n`) });
        return { code, out, err };
    } finally {
        restore("FRONTBASE_PROJECT_DIR", saved.p);
        restore("FRONTBASE_LOCK_DIR", saved.l);
    }
}

function restore(key: string, value: string | undefined): void {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
}

/** The stack file `new` wrote, plus what tests always set: the images built here, loopback only. */
export async function stackFileConfig(
    projectDir: string,
    tenant: string,
    extra: Record<string, unknown> = {},
): Promise<Record<string, string>> {
    const file = await readStackFile(path.join(projectDir, `Pulumi.${tenant}.yaml`));
    const ports = JSON.parse(file.config["frontbase:ports"]) as Ports;
    return { ...file.config, ...tenantConfig(tenant, ports, extra) };
}

export function portsOf(config: Record<string, string>): Ports {
    return JSON.parse(config["frontbase:ports"]) as Ports;
}

/** `up`, failing with the engine's own diagnostics when it does not succeed. */
export async function deploy(o: EngineOptions): Promise<EngineResult> {
    const started = Date.now();
    const r = await up(o);
    console.log(`up of ${o.stack}: ${Date.now() - started} ms (${r.steps.filter((s) => s.op !== "same").length} changes)`);
    return r;
}

export function secretOutput(r: EngineResult, key: string): string {
    return decode(r.outputs![key]).value as string;
}

/** A separate process holding TCP ports on all interfaces, as a foreign service would. */
export async function foreignListener(ports: number[]): Promise<{ held: number[]; stop(): void }> {
    const code = `const net=require("net");let n=0;const held=[];for(const p of ${JSON.stringify(ports)}){const s=net.createServer();s.on("error",()=>{if(++n===${ports.length})console.log(JSON.stringify(held))});s.listen(p,"0.0.0.0",()=>{held.push(p);if(++n===${ports.length})console.log(JSON.stringify(held))})}`;
    const child: ChildProcess = spawn(process.execPath, ["-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    const held = await new Promise<number[]>((resolve, reject) => {
        child.stdout!.once("data", (d) => resolve(JSON.parse(String(d))));
        child.once("exit", (c) => reject(new Error(`foreign listener exited with ${c}`)));
    });
    return { held, stop: () => void child.kill() };
}

export async function tempDir(prefix: string): Promise<string> {
    return fs.mkdtemp(path.join(os.tmpdir(), `frontbase-${prefix}-`));
}

/** A throwaway variant of an image (a new image ID, as after an upgrade); `lines`: more Dockerfile instructions. */
export async function imageVariant(base: string, tag: string, lines: readonly string[] = []): Promise<string> {
    const dir = await tempDir("variant");
    await fs.writeFile(path.join(dir, "Dockerfile"), [`FROM ${base}`, `LABEL frontbase.test.variant=${tag}`, ...lines, ""].join("\n"));
    const name = `${base.split(":")[0]}:${tag}`;
    const stream = await docker.buildImage({ context: dir, src: ["Dockerfile"] }, { t: name });
    await new Promise((resolve, reject) => docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve(undefined))));
    await fs.rm(dir, { recursive: true, force: true });
    return name;
}

export { REAL_TENANT_IMAGES };
