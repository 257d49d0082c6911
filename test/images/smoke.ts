// Self-check of the stand-in images (redis, postgres, redis-http), run by hand:
// `bash test/images/smoke.sh`. The real Frontbase backend, edge and frontend have their own
// check (images/frontbase/verify.sh) and the integration suite.
//
// Starts two throwaway tenants (labelled frontbase.test=images) with exactly the env, command,
// health checks and mounts the program declares (components/services.ts), then checks that
// each stand-in goes healthy (or, redis-http, answers) with the right wiring; redis-http
// speaks the Upstash REST protocol as the edge's client uses it (bearer token, base64
// results, pipelines) and really reaches redis; redis and postgres data survive a container
// replacement, postgres after a clean shutdown; postgres wants its password over TCP; tenants
// cannot see each other; and that a wiring mistake stops a stand-in with its own reason. Removes
// what it created (by label), also after a failure (SMOKE_KEEP=1 keeps it for debugging).
import { randomBytes } from "node:crypto";
import { parseTenantConfig, TenantConfig } from "../../components/config";
import { ServiceName } from "../../components/naming";
import { Credentials, ServiceSpec, tenantServices } from "../../components/services";
import { TEST_IMAGES } from "./images";
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
const fernetKey = () => randomBytes(32).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
const PORTS = { backend: 8000, edge: 3002, frontend: 80, redisHttp: 80 }; // host ports: unused here

interface Tenant {
    readonly cfg: TenantConfig;
    readonly creds: Credentials;
    readonly network: string;
    readonly specs: Record<string, ServiceSpec>;
}

async function tenant(name: string, database: "sqlite" | "postgres"): Promise<Tenant> {
    const cfg = parseTenantConfig({ tenant: name, database, images: JSON.stringify(TEST_IMAGES) }, { stack: name });
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
    return { cfg, creds, network, specs };
}

/** Starts `service` of tenant `t` as the program would; `overrides` introduce a wiring mistake. */
async function start(
    t: Tenant,
    service: ServiceName,
    o: { suffix?: string; env?: Record<string, string>; command?: string[] } = {},
): Promise<string> {
    const spec = o.command ? { ...t.specs[service], command: o.command } : t.specs[service];
    const name = `${t.network}-${service}${o.suffix ? `-${o.suffix}` : ""}`;
    let volume: string | undefined;
    if (spec.dataPath) {
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

/** Stops (with the image's stop signal, as a replacement does) and re-creates a container on the same volume. */
async function replace(t: Tenant, service: ServiceName): Promise<string> {
    const name = `${t.network}-${service}`;
    await d.docker.getContainer(name).stop({ t: 30 });
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

/** Waits until `name` has exited, then checks that its own output says why. */
async function exitsBecause(name: string, reason: RegExp): Promise<void> {
    for (let i = 0; i < 40 && (await d.health(name)) !== "exited"; i++) await new Promise((r) => setTimeout(r, 250));
    const logs = d.logs(name, 20);
    check((await d.health(name)) === "exited" && reason.test(logs), `${name} exits: ${reason.source}`, logs);
}

function expect(
    from: string,
    url: string,
    want: { status: number; body?: RegExp },
    opts: Parameters<typeof d.httpFrom>[2] = {},
): d.HttpReply {
    const r = d.httpFrom(from, url, opts);
    const ok = r.status === want.status && (!want.body || want.body.test(r.body));
    check(
        ok,
        `${opts.method ?? "GET"} ${url}${opts.body ? ` ${opts.body}` : ""} -> ${want.status}${want.body ? ` ${want.body.source}` : ""}`,
        `got ${r.status}: ${r.body.slice(0, 300)}`,
    );
    return r;
}

async function main(): Promise<void> {
    console.log(`[smoke] run ${run}`);
    const a = await tenant("smoke-a", "sqlite");
    const b = await tenant("smoke-b", "postgres");

    console.log(`[smoke] ${elapsed()} tenant a: redis, and redis-http in front of it`);
    await healthy(await start(a, "redis"));
    const rh = await start(a, "redis-http");
    const R = "http://redis-http";
    const token = a.creds.redisToken;
    await answering(rh, `${R}/`);
    expect(rh, `${R}/ping`, { status: 401 });
    expect(rh, `${R}/ping`, { status: 401 }, { token: secret(40) });
    expect(rh, `${R}/ping`, { status: 200, body: /^\{"result":"PONG"\}$/ }, { token });
    expect(rh, `${R}/`, { status: 200, body: /"result":"OK"/ }, { method: "POST", body: '["SET","colour","blue"]', token });
    // As the edge's @upstash/redis asks: every string in a result base64-encoded (UTF-8).
    const blue = Buffer.from("blue").toString("base64");
    expect(
        rh,
        `${R}/`,
        { status: 200, body: new RegExp(`^\\{"result":"${blue}"\\}$`) },
        { method: "POST", body: '["GET","colour"]', token, headers: { "Upstash-Encoding": "base64" } },
    );
    expect(
        rh,
        `${R}/pipeline`,
        { status: 200, body: /^\[\{"result":1\},\{"result":"blue"\}\]$/ },
        { method: "POST", body: '[["INCR","visits"],["GET","colour"]]', token },
    );
    expect(rh, `${R}/`, { status: 400, body: /"error":"ERR unknown command/ }, { method: "POST", body: '["NOSUCHCOMMAND"]', token });
    // What redis-http wrote is in redis itself.
    const direct = d.exec(`${a.network}-redis`, ["redis-cli", "GET", "colour"]);
    check(direct === "blue", "redis-cli GET colour in the redis container: blue", direct);

    console.log(`[smoke] ${elapsed()} redis data survives a replacement (append-only file in the volume)`);
    await healthy(await replace(a, "redis"));
    expect(rh, `${R}/`, { status: 200, body: /"result":"blue"/ }, { method: "POST", body: '["GET","colour"]', token });
    const lost = await start(a, "redis-http", { suffix: "lost", env: { SRH_CONNECTION_STRING: "redis://no-such-redis:6379" } });
    await answering(lost, "http://127.0.0.1/");
    expect(lost, "http://127.0.0.1/ping", { status: 503, body: /cannot resolve no-such-redis/ }, { token });

    console.log(`[smoke] ${elapsed()} tenant b: postgres`);
    const pg = await start(b, "postgres");
    await healthy(pg);
    // A client on b's network: the same image, its entrypoint passes other commands through.
    const client = await start(b, "postgres", { suffix: "client", command: ["sleep", "infinity"] });
    const psql = (sql: string, password = b.creds.dbPassword!) =>
        d.exec(client, ["psql", "-h", "postgres", "-U", "frontbase", "-d", "frontbase", "-v", "ON_ERROR_STOP=1", "-tAc", sql], {
            PGPASSWORD: password,
        });
    check(
        psql("SELECT current_database() || ' ' || current_user") === "frontbase frontbase",
        "over TCP with the password: database and user frontbase",
    );
    check(
        /password authentication failed for user "frontbase"/.test(psql("SELECT 1", secret(24))),
        "over TCP with a wrong password: refused",
    );
    psql("CREATE TABLE notes (v text); INSERT INTO notes VALUES ('forty-two')");
    await healthy(await replace(b, "postgres"));
    const pgLogs = d.logs(`${b.network}-postgres`, 50);
    check(
        /database system was shut down at/.test(pgLogs) && !/interrupted|automatic recovery/.test(pgLogs),
        "the replaced postgres had shut down cleanly (SIGINT, fast shutdown)",
        pgLogs,
    );
    check(psql("SELECT v FROM notes") === "forty-two", "its data survives the replacement");

    console.log(`[smoke] ${elapsed()} isolation: tenant a cannot see tenant b`);
    const pgB = await d.ipOf(`${b.network}-postgres`, b.network);
    const resolves = (host: string) => d.exec(rh, ["sh", "-c", `getent hosts ${host} >/dev/null && echo yes || echo no`]) === "yes";
    const connects = (host: string, port: number) =>
        d.exec(rh, ["sh", "-c", `timeout 3 bash -c 'exec 3<>/dev/tcp/${host}/${port}' 2>/dev/null && echo yes || echo no`]) === "yes";
    check(resolves("redis") && connects("redis", 6379), "a's own redis: resolved and connected");
    check(!resolves("postgres"), "b's postgres by service name: not resolved");
    check(!resolves(`${b.network}-postgres`), "b's postgres by container name: not resolved");
    check(!connects(pgB, 5432), `b's postgres by address ${pgB}: no connection`);

    console.log(`[smoke] ${elapsed()} wrong wiring stops a stand-in, for the right reason`);
    await exitsBecause(await start(b, "postgres", { suffix: "nopw", env: { POSTGRES_PASSWORD: "" } }), /POSTGRES_PASSWORD is not set/);
    await exitsBecause(await start(a, "redis-http", { suffix: "notoken", env: { SRH_TOKEN: "" } }), /SRH_TOKEN is not set/);
    await exitsBecause(await start(a, "redis-http", { suffix: "filemode", env: { SRH_MODE: "file" } }), /SRH_MODE must be "env"/);
    const logs = [`${a.network}-redis-http`, `${b.network}-postgres`].map((n) => d.logs(n, 500)).join("\n");
    check(![a.creds.redisToken, b.creds.dbPassword!].some((v) => logs.includes(v)), "no secret in the stand-ins' logs");
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
