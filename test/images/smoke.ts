// Self-check of the stand-in images, run by hand: `bash test/images/smoke.sh`.
//
// Starts two throwaway tenants (labelled frontbase.test=images) with exactly the env, command,
// health checks and mounts the program declares (components/services.ts), then checks that
// health goes healthy with the right wiring, nginx routes as Frontbase's does, data survives
// container replacement, tenants cannot see each other, and that health turns unhealthy --
// for the reason expected -- with a missing volume, a weak secret, a wrong token or password,
// a missing peer. Removes what it created (by label), also after a failure (SMOKE_KEEP=1 keeps
// it for debugging).
import { randomBytes } from "node:crypto";
import { parseTenantConfig, TenantConfig } from "../../components/config";
import { databaseName, ServiceName } from "../../components/naming";
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
const PORTS = { backend: 8000, edge: 3002, frontend: 80, redisHttp: 80 }; // host ports: unused here

interface Tenant {
    readonly cfg: TenantConfig;
    readonly creds: Credentials;
    readonly network: string;
    readonly specs: Record<string, ServiceSpec>;
}

async function tenant(name: string, database: "sqlite" | "postgres"): Promise<Tenant> {
    const cfg = parseTenantConfig({ tenant: name, database, images: TEST_IMAGES_CONFIG }, { stack: name });
    const creds: Credentials = {
        redisToken: secret(40),
        adminPassword: secret(24),
        encryptionKey: Buffer.alloc(32, 7).toString("base64url") + "=",
        // Characters that must be URL-encoded in DATABASE_URL and decoded by the backend.
        dbPassword: database === "postgres" ? `${secret(20)}@:/%` : undefined,
    };
    const network = `${run}-${name}`;
    await d.createNetwork(run, network);
    const specs = Object.fromEntries(tenantServices(cfg, PORTS).map((s) => [s.service, s]));
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
    await healthy(await start(a, "backend"));
    await healthy(await start(a, "edge"));
    const frontA = await start(a, "frontend");
    await healthy(frontA);

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
    // freed address first, so the new backend gets another IP that nginx must find again.
    await d.docker.getContainer(`${a.network}-backend`).remove({ force: true });
    const lost = await start(a, "redis-http", { suffix: "lost", env: { SRH_CONNECTION_STRING: "redis://no-such-redis:6379" } });
    await healthy(await start(a, "backend"));
    await healthy(await replace(a, "redis"));
    const ipAfter = await d.ipOf(`${a.network}-backend`, a.network);
    check(ipBefore !== ipAfter, `replaced backend has a new IP (${ipBefore} -> ${ipAfter})`);
    expect(frontA, `${F}/api/kv/greeting`, { status: 200, servedBy: "backend", body: /"value": "hello"/ });
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
    await healthy(await start(b, "backend"));
    const frontB = await start(b, "frontend"); // no edge in b: must stay unhealthy (below)
    expect(frontB, `${F}/api/whoami`, { status: 200, servedBy: "backend", body: new RegExp(`"name": "${databaseName("smoke-b")}"`) });
    expect(frontB, `${F}/api/kv/answer`, { status: 200 }, { method: "PUT", body: "42" });
    await healthy(await replace(b, "postgres"));
    expect(frontB, `${F}/api/kv/answer`, { status: 200, body: /"value": "42", "database": "postgres"/ });

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
        [start(a, "backend", { suffix: "weakkey", env: { SECRET_KEY: "short" } }), /SECRET_KEY is too short/, frontA, ":8000/health/"],
        [start(a, "backend", { suffix: "outside", env: { DATABASE_URL: "sqlite+aiosqlite:////tmp/x.db" } }), /outside the data volume/, frontA, ":8000/health/"],
        [start(a, "edge", { suffix: "badtoken", env: { UPSTASH_REDIS_REST_TOKEN: secret(40) } }), /rejected the token \(401\)/, frontA, ":3002/api/health"],
        [start(a, "edge", { suffix: "novolume", volume: false }), /\/app\/data is not a mounted volume/, frontA, ":3002/api/health"],
        [start(b, "backend", { suffix: "badpw", env: { DATABASE_URL: `postgresql+asyncpg://frontbase:${secret(20)}@postgres:5432/${databaseName("smoke-b")}` } }), /password authentication failed/, frontB, ":8000/health/"],
        [start(b, "backend", { suffix: "nodb", env: { DATABASE_URL: `postgresql+asyncpg://frontbase:x@no-such-host:5432/db` } }), /could not translate host name/, frontB, ":8000/health/"],
        [Promise.resolve(frontB), /edge could not be resolved/, frontB, undefined],
    ];
    for (const [started, reason, client, path] of wrong) {
        const name = await started;
        await unhealthyBecause(name, reason, client, path && `http://${name}${path}`);
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
