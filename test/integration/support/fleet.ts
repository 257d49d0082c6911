// Helpers for the fleet scenarios: deploy through the engine double, talk HTTP to a tenant,
// read its containers, run the operator CLI in-process against a project copy.
import { ChildProcess, spawn } from "child_process";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { main } from "../../../cli/main";
import { readStackFile } from "../../../project/stackFiles";
import { EngineOptions, EngineResult, up } from "../../engine/engine";
import { decode } from "../../engine/serialize";
import { TEST_IMAGES } from "../../images/images";
import { docker } from "./docker";
import { Ports, tenantConfig } from "./tenants";

export const SQLITE_SERVICES = ["redis", "redis-http", "backend", "edge", "frontend"] as const;

export interface Http {
    readonly status: number;
    readonly servedBy: string | null;
    readonly text: string;
}

/** One HTTP request to a tenant's published port on loopback. */
export async function http(port: number, urlPath: string, init: { method?: string; body?: string } = {}): Promise<Http> {
    const res = await fetch(`http://127.0.0.1:${port}${urlPath}`, { ...init, signal: AbortSignal.timeout(15_000) });
    return { status: res.status, servedBy: res.headers.get("x-served-by"), text: await res.text() };
}

export async function containerIds(tenant: string, services: readonly string[] = SQLITE_SERVICES): Promise<Record<string, string>> {
    return Object.fromEntries(await Promise.all(services.map(async (s) => [s, (await docker.getContainer(`${tenant}_frontbase-${s}-1`).inspect()).Id])));
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

/** The stack file `new` wrote, plus what tests always set: stand-in images, loopback only. */
export async function stackFileConfig(projectDir: string, tenant: string, extra: Record<string, unknown> = {}): Promise<Record<string, string>> {
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

/** A throwaway variant of a stand-in image (a new image ID, as after an upgrade). */
export async function imageVariant(base: string, tag: string): Promise<string> {
    const dir = await tempDir("variant");
    await fs.writeFile(path.join(dir, "Dockerfile"), `FROM ${base}\nLABEL frontbase.test.variant=${tag}\n`);
    const name = `${base.split(":")[0]}:${tag}`;
    const stream = await docker.buildImage({ context: dir, src: ["Dockerfile"] }, { t: name });
    await new Promise((resolve, reject) => docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve(undefined))));
    await fs.rm(dir, { recursive: true, force: true });
    return name;
}

export { TEST_IMAGES };
