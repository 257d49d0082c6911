// Self-check of the stand-in images, run by hand: `bash test/images/smoke.sh`.
//
// Starts two throwaway tenants (labelled frontbase.test=images) with exactly the env, command,
// health checks and mounts the program declares (components/services.ts), then checks that
// health goes healthy with the right wiring, nginx routes as Frontbase's does, the edge takes its
// redis token from the backend's settings at start-up, data survives container replacement,
// tenants cannot see each other, and that health turns unhealthy -- for the reason expected --
// with a missing volume, a bad ENCRYPTION_KEY, a wrong DATABASE or password, a missing peer. Removes what it created (by label), also after a failure (SMOKE_KEEP=1 keeps
// it for debugging).
import { randomBytes } from "node:crypto";
import { parseTenantConfig, TenantConfig } from "../../components/config";
import { ServiceName } from "../../components/naming";
import { Credentials, ServiceSpec, tenantServices } from "../../components/services";
import { TEST_IMAGES_CONFIG } from "./images";
import * as d from "./smokeDocker";

const run = `smoke-${process.pid}-${Date.now().toString(36)}`;
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
let failures = 0;

function check(ok: boolean, what: string, detail = ""): void {
    console.log(`${ok ? "  ok  " : "  FAIL"} ${what}${ok || !detail ? "" : `: ${detail}`}`);
    if (!ok) failures++;
}

const secret = (n: number) => randomBytes(n).toString("base64url").slice(0, n);
/** A Fernet key, as the real backend's ENCRYPTION_KEY: url-safe base64 of 32 bytes. */
const fernetKey = () => randomBytes(32).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
const PORTS = { backend: 8000, edge: 3002, frontend: 80, redisHttp: 80 }; // host ports: unused here

interface Tenant {
    readonly cfg: TenantConfig;
    readonly creds: Credentials;
    readonly network: string;
    readonly specs: Record<string, ServiceSpec>;
}

async function tenant(name: string, database: "sqlite" | "postgres"): Promise<Tenant> {
    const cfg = parseTenantConfig({ tenant: name, database, images: TEST_IMAGES_CONFIG }, { stack: name });
    // secretKey for a program that still declares it; encryptionKey for the real contract.
    const creds = {
        redisToken: secret(40),
        encryptionKey: fernetKey(),
        adminPassword: secret(24),
        // The real backend puts DB_PASSWORD unescaped into its URL: URL-safe characters only.
        dbPassword: database === "postgres" ? secret(24) : undefined,
    };
    const network = `${run}-${name}`;
    await d.createNetwork(run, network);
    const specs = Object.fromEntries(tenantServices(cfg, PORTS).map((s) => [s.service, s]));
    const backendEnv = specs.backend.env(creds);
    if (!backendEnv.DATABASE || !backendEnv.ENCRYPTION_KEY) {
        throw new Error("components/services.ts does not declare the real backend contract (DATABASE, ENCRYPTION_KEY): these stand-ins need it");
    }
    return { cfg, creds, network, specs };
}

/** Starts `service` of tenant `t` as the program would; `overrides` introduce a wiring mistake. */
async function start(t: Tenant, service: ServiceName, o: { suffix?: string; env?: Record<string, string>; volume?: boolean } = {}): Promise<string> {
    const spec = t.specs[service];
    const name = `${t.network}-${service}${o.suffix ? `-${o.suffix}` : ""}`;
    let volume: string | undefined;
    if (spec.dataPath && o.volume !== false) {
        volume = `${name}-data`;
        await d.createVolume(run, volume).catch(() => undefined); // kept across replacements
    }
    await d.startService({
        run,
        name,
        network: t.network,
        spec,
        image: t.cfg.images[spec.imageKey],
        env: { ...spec.env(t.creds), ...o.env },
        memoryMiB: t.cfg.memory[spec.imageKey],
        volume,
        alias: !o.suffix,
    });
    return name;
}

/** Removes and re-creates a container on the same volume, as a replacement by `pulumi up` does. */
async function replace(t: Tenant, service: ServiceName): Promise<string> {
    const name = `${t.network}-${service}`;
    await d.docker.getContainer(name).remove({ force: true });
    return start(t, service);
}

async function healthy(name: string): Promise<void> {
    const s = await d.waitFor(name, "healthy");
    console.log(`  ok   ${name} healthy after ${s.toFixed(1)}s`);
}

/** Waits until `url` answers at all (services without a health check, e.g. redis-http). */
async function answering(from: string, url: string): Promise<void> {
    for (let i = 0; i < 40 && d.httpFrom(from, url).status === 0; i++) await new Promise((r) => setTimeout(r, 250));
}

/**
 * Waits for Docker to call `name` unhealthy, then checks why: the service's own health answer
 * (fetched from `client` on the same network) or, for nginx, its log must match `reason`.
 * A health check that merely timed out on a busy machine would not.
 */
async function unhealthyBecause(name: string, reason: RegExp, client: string, healthUrl?: string): Promise<void> {
    try {
        await d.waitFor(name, "unhealthy", 60);
    } catch (e) {
        return check(false, `${name} unhealthy`, (e as Error).message);
    }
    const evidence = healthUrl ? JSON.stringify(d.httpFrom(client, healthUrl)) : d.logs(name, 30);
    check(reason.test(evidence), `${name} unhealthy: ${reason.source}`, evidence);
}

function expect(from: string, url: string, want: { status: number; servedBy?: string; body?: RegExp }, opts = {}): d.HttpReply {
    const r = d.httpFrom(from, url, opts);
    const ok = r.status === want.status && (!want.servedBy || r.servedBy === want.servedBy) && (!want.body || want.body.test(r.body));
    check(ok, `${url} -> ${want.status}${want.servedBy ? ` from ${want.servedBy}` : ""}`, `got ${r.status} from ${r.servedBy}: ${r.body.slice(0, 300)}`);
    return r;
}

async function main(): Promise<void> {
    console.log(`[smoke] run ${run}`);
    const a = await tenant("smoke-a", "sqlite");
    const b = await tenant("smoke-b", "postgres");

    console.log(`[smoke] ${elapsed()} tenant a (sqlite): right wiring`);
    await healthy(await start(a, "redis"));
    await start(a, "redis-http");
    const backA = await start(a, "backend");
    await healthy(backA);
    const B = "http://127.0.0.1:8000";
    const settings = `${B}/api/sync/settings/redis/`;
    expect(backA, settings, { status: 200, body: /"redis_token": "dev_token_change_in_prod".*"redis_enabled": true/ });
    // An edge started now takes the seeded token, which redis-http refuses.
    const stale = await start(a, "edge", { suffix: "stale" });
    await healthy(stale);
    expect(backA, `http://${stale}:3002/api/cache/test`, { status: 401, body: /"success":false.*"source":"backend"/ });
    // As the program must: bring the stored setting in line with SRH_TOKEN before the edge starts.
    const aligned = JSON.stringify({ redis_url: "http://redis-http:80", redis_token: a.creds.redisToken, redis_type: "self-hosted", redis_enabled: true });
    expect(backA, settings, { status: 200, body: /"redis_enabled": true/ }, { method: "PUT", body: aligned });
    await healthy(await start(a, "edge"));
    expect(backA, "http://edge:3002/api/cache/test", { status: 200, body: /"success":true.*"source":"backend"/ });
    const frontA = await start(a, "frontend");
    await healthy(frontA);
    expect(frontA, "http://127.0.0.1/nginx-health", { status: 200, body: /^ok$/ });

    console.log(`[smoke] ${elapsed()} routing through nginx (longest prefix wins)`);
    const F = "http://127.0.0.1";
    expect(frontA, `${F}/`, { status: 200, servedBy: "edge", body: /edge/ });
    expect(frontA, `${F}/edge`, { status: 200, servedBy: "edge" });
    expect(frontA, `${F}/api/data/things`, { status: 200, servedBy: "edge" });
    expect(frontA, `${F}/api/webhook/x`, { status: 200, servedBy: "edge" });
    expect(frontA, `${F}/api/storage/x`, { status: 200, servedBy: "edge" });
    expect(frontA, `${F}/api/dataset`, { status: 200, servedBy: "backend" });
    expect(frontA, `${F}/static/assets/app.js`, { status: 200, servedBy: "backend" });
    expect(frontA, `${F}/api/whoami`, { status: 200, servedBy: "backend", body: /"kind": "sqlite"/ });
    const who = d.httpFrom(frontA, `${F}/api/whoami`).body + d.httpFrom(frontA, `${F}/edge/whoami`).body;
    check(!Object.values(a.creds).some((v) => v && who.includes(v)), "whoami answers carry no secret");

    console.log(`[smoke] ${elapsed()} data through backend (sqlite) and edge -> redis-http -> redis`);
    expect(frontA, `${F}/api/kv/greeting`, { status: 200, servedBy: "backend" }, { method: "PUT", body: "hello" });
    expect(frontA, `${F}/api/data/kv/colour`, { status: 200, servedBy: "edge" }, { method: "PUT", body: "blue" });
    const ipBefore = await d.ipOf(`${a.network}-backend`, a.network);
    // Replace the backend; a redis-http pointed at a missing redis (checked below) takes the
    // freed address first, so the new backend gets another IP. nginx resolved `backend` once, at
    // its start (as upstream's): the frontend is replaced with it, as the program does.
    await d.docker.getContainer(`${a.network}-backend`).remove({ force: true });
    const lost = await start(a, "redis-http", { suffix: "lost", env: { SRH_CONNECTION_STRING: "redis://no-such-redis:6379" } });
    await healthy(await start(a, "backend"));
    await healthy(await replace(a, "frontend"));
    await healthy(await replace(a, "redis"));
    const ipAfter = await d.ipOf(`${a.network}-backend`, a.network);
    check(ipBefore !== ipAfter, `replaced backend has a new IP (${ipBefore} -> ${ipAfter})`);
    expect(frontA, `${F}/api/kv/greeting`, { status: 200, servedBy: "backend", body: /"value": "hello"/ });
    // The redis settings live in the backend's database (its volume) and survive with it.
    expect(frontA, `${F}/api/sync/settings/redis/`, { status: 200, servedBy: "backend", body: /"redis_enabled": true/ });
    expect(frontA, `${F}/api/data/kv/colour`, { status: 200, servedBy: "edge", body: /"value":"blue"/ });

    console.log(`[smoke] ${elapsed()} redis-http: bearer token and a reachable redis`);
    const rh = "http://redis-http";
    expect(frontA, `${rh}/ping`, { status: 401 });
    expect(frontA, `${rh}/ping`, { status: 401 }, { token: secret(40) });
    expect(frontA, `${rh}/ping`, { status: 200, body: /"result":"PONG"/ }, { token: a.creds.redisToken });
    expect(frontA, `${rh}/`, { status: 200, body: /"result":"OK"/ }, { method: "POST", body: '["SET","k","v"]', token: a.creds.redisToken });
    await answering(frontA, `http://${lost}/`);
    expect(frontA, `http://${lost}/ping`, { status: 503, body: /cannot resolve no-such-redis/ }, { token: a.creds.redisToken });

    console.log(`[smoke] ${elapsed()} tenant b (postgres): right wiring`);
    await healthy(await start(b, "postgres"));
    const backB = await start(b, "backend"); // b has no edge: requests are made from its backend
    await healthy(backB);
    expect(backB, `${B}/api/whoami`, { status: 200, servedBy: "backend", body: /"kind": "postgres".*"name": "frontbase"/ });
    expect(backB, `${B}/api/kv/answer`, { status: 200 }, { method: "PUT", body: "42" });
    expect(backB, `${B}/api/sync/settings/redis/`, { status: 200, body: /"redis_token": "dev_token_change_in_prod"/ });
    await healthy(await replace(b, "postgres"));
    expect(backB, `${B}/api/kv/answer`, { status: 200, body: /"value": "42", "database": "postgres"/ });

    console.log(`[smoke] ${elapsed()} isolation: tenant a cannot see tenant b`);
    const pgB = await d.ipOf(`${b.network}-postgres`, b.network);
    expect(frontA, `${F}/api/probe?host=redis&port=6379`, { status: 200, body: /"resolved": true.*"connected": true/ });
    expect(frontA, `${F}/api/probe?host=postgres&port=5432`, { status: 200, body: /"resolved": false/ });
    expect(frontA, `${F}/api/probe?host=${b.network}-postgres&port=5432`, { status: 200, body: /"resolved": false/ });
    expect(frontA, `${F}/api/probe?host=${pgB}&port=5432`, { status: 200, body: /"connected": false/ });
    expect(frontA, `${F}/edge/probe?host=${pgB}&port=5432`, { status: 200, body: /"connected":false/ });

    console.log(`[smoke] ${elapsed()} wrong wiring stays unhealthy, for the right reason`);
    const wrong: [Promise<string>, RegExp, string, string | undefined][] = [
        [start(a, "backend", { suffix: "novolume", volume: false }), /\/app\/data is not a mounted volume/, frontA, ":8000/health/"],
        [start(a, "backend", { suffix: "badkey", env: { ENCRYPTION_KEY: secret(43) } }), /ENCRYPTION_KEY is not a Fernet key/, frontA, ":8000/health/"],
        [start(a, "backend", { suffix: "typo", env: { DATABASE: "postgres" } }), /DATABASE must be 'sqlite' or 'postgresql'/, frontA, ":8000/health/"],
        [start(a, "edge", { suffix: "novolume", volume: false }), /\/app\/data is not a mounted volume/, frontA, ":3002/api/health"],
        [start(b, "backend", { suffix: "badpw", env: { DB_PASSWORD: secret(24) } }), /password authentication failed/, backB, ":8000/health/"],
        [start(b, "backend", { suffix: "nopw", env: { DB_PASSWORD: "" } }), /DB_PASSWORD is not set/, backB, ":8000/health/"],
    ];
    for (const [started, reason, client, path] of wrong) {
        const name = await started;
        await unhealthyBecause(name, reason, client, path && `http://${name}${path}`);
    }
    // nginx resolves its peers at start-up, as upstream's: without an edge it does not start.
    const frontB = await start(b, "frontend");
    try {
        await d.waitFor(frontB, "healthy", 30);
        check(false, `${frontB} exits without an edge`, "it went healthy");
    } catch (e) {
        check(/exited/.test((e as Error).message) && /host not found in upstream "edge/.test(d.logs(frontB, 20)), `${frontB} exits: host not found in upstream edge`, (e as Error).message);
    }
    const logsA = ["backend", "edge", "redis-http"].map((s) => d.logs(`${a.network}-${s}`, 500)).join("\n");
    check(!Object.values(a.creds).some((v) => v && logsA.includes(v)), "no secret in tenant a's logs");
}

main()
    .catch((e) => {
        failures++;
        console.error(`[smoke] ERROR: ${(e as Error).stack ?? e}`);
    })
    .finally(async () => {
        if (process.env.SMOKE_KEEP === "1") {
            console.log(`[smoke] SMOKE_KEEP=1: kept everything labelled ${d.RUN_LABEL}=${run}`);
            process.exit(failures === 0 ? 0 : 1);
        }
        const removed = await d.cleanup(run).catch((e) => `cleanup failed: ${e.message}`);
        console.log(`[smoke] removed ${removed} (label ${d.RUN_LABEL}=${run})`);
        console.log(`[smoke] ${failures === 0 ? "PASS" : `FAIL (${failures})`} in ${elapsed()}`);
        process.exit(failures === 0 ? 0 : 1);
    });
