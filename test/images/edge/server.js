// Test stand-in for Frontbase's edge service (Hono SSR + workflows) -- NOT Frontbase.
//
// Reads what the real edge reads (FIELD-NOTES section 1) and behaves like it where the wiring
// matters:
//   - at start-up (in the background, as upstream's runStartupSync) it fetches
//     GET $FASTAPI_URL/api/sync/settings/redis/, up to 5 tries 3 s apart (retrying network errors
//     and 5xx only), and uses that redis_url + redis_token when redis_enabled; only when it got no
//     usable settings (backend unreachable, or redis not enabled there) does it fall back to
//     UPSTASH_REDIS_REST_URL / UPSTASH_REDIS_REST_TOKEN, as upstream's cache routes do;
//   - GET /api/health, like upstream's, depends on neither the backend nor redis: 200 when
//     /app/data is a mounted, writable volume holding SQLITE_PATH and PAGES_DB_URL;
//   - GET /api/cache/test (upstream has this route) is the full wiring check: after the start-up
//     sync, the backend's /health/ answers 200 now and a PING through redis-http with the
//     start-up token returns PONG -> 200 {"success":true,...}; otherwise success:false with 401
//     (token rejected) or 503. (Upstream answers 200 with success:false; non-2xx here lets a
//     `curl -f` tell.)
// For the tests: GET / is an HTML page naming this service; /edge, /api/data/..., /api/webhook,
// /api/storage answer JSON; PUT/GET /api/data/kv/<key> stores a value in redis via redis-http
// (with the start-up settings); GET /edge/whoami and /edge/probe?host=H&port=P mirror the
// backend's. Every response carries `X-Served-By: edge`. Secrets never reach a response or the log.
"use strict";
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");
const net = require("node:net");
const dns = require("node:dns").promises;
const os = require("node:os");
const crypto = require("node:crypto");

const DATA_DIR = "/app/data";
const TIMEOUT_MS = 3000;
const env = process.env;
const port = Number(env.PORT);
if (!Number.isInteger(port) || port <= 0) {
    console.error("edge: PORT must be a port number");
    process.exit(1);
}

function isMountPoint(dir) {
    // Field 5 of /proc/self/mountinfo is the mount point as this container sees it.
    return fs.readFileSync("/proc/self/mountinfo", "utf8").split("\n").some((l) => l.split(" ")[4] === dir);
}

function checkDataDir() {
    if (!isMountPoint(DATA_DIR)) throw new Error(`${DATA_DIR} is not a mounted volume`);
    const probe = path.join(DATA_DIR, `.health-${crypto.randomUUID()}`);
    const token = crypto.randomUUID();
    try {
        fs.writeFileSync(probe, token);
        if (fs.readFileSync(probe, "utf8") !== token) throw new Error(`${DATA_DIR}: a file read back differs`);
    } catch (e) {
        throw new Error(e.code ? `${DATA_DIR} is not writable: ${e.code}` : e.message);
    } finally {
        fs.rmSync(probe, { force: true });
    }
    // The real edge keeps its sqlite files here; they must live on the volume to persist.
    for (const [name, prefix] of [["SQLITE_PATH", ""], ["PAGES_DB_URL", "file:"]]) {
        const value = env[name];
        if (!value) throw new Error(`${name} is not set`);
        if (!value.startsWith(prefix)) throw new Error(`${name} must start with "${prefix}"`);
        const file = value.slice(prefix.length);
        if (!file.startsWith(DATA_DIR + "/")) throw new Error(`${name}: ${file} is outside the data volume ${DATA_DIR}`);
        fs.closeSync(fs.openSync(file, "a"));
    }
}

async function fetchWithTimeout(url, init = {}) {
    return fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
}

/** fetch's own errors are vague ("fetch failed"); its cause names DNS or connect problems. */
const why = (e) => (e.cause && (e.cause.code || e.cause.message)) || e.message;

async function checkBackend() {
    if (!env.FASTAPI_URL) throw new Error("FASTAPI_URL is not set");
    const url = new URL("/health/", env.FASTAPI_URL);
    let r;
    try {
        r = await fetchWithTimeout(url);
    } catch (e) {
        throw new Error(`backend ${url.host}: ${why(e)}`);
    }
    if (r.status !== 200) throw new Error(`backend ${url.host}/health/ answered ${r.status}`);
}

const MAX_RETRIES = 5;
const RETRY_DELAY_MS = 3000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * The redis connection the edge uses: {url, token, source} with source "backend" (the settings
 * fetched at start-up) or "env" (the UPSTASH_* fallback); null when neither is usable.
 */
let redis = null;
/** What the start-up sync ended with, for whoami and /api/cache/test (never a secret). */
let sync = { status: "pending", attempts: 0 };

async function fetchRedisSettings() {
    if (!env.FASTAPI_URL) return { status: "error", retry: false, detail: "FASTAPI_URL is not set" };
    const url = new URL("/api/sync/settings/redis/", env.FASTAPI_URL);
    let r;
    try {
        r = await fetch(url, { headers: { Accept: "application/json" }, signal: AbortSignal.timeout(5000) });
    } catch (e) {
        return { status: "error", retry: true, detail: `backend ${url.host}: ${why(e)}` };
    }
    if (!r.ok) return { status: "error", retry: r.status >= 500, detail: `backend ${url.host} answered ${r.status}` };
    const s = await r.json().catch(() => ({}));
    if (s.redis_enabled && s.redis_url && s.redis_token) {
        if (!String(s.redis_url).startsWith("http")) {
            // Upstream would use ioredis for redis:// URLs; this stand-in speaks only Upstash REST.
            return { status: "error", retry: false, detail: "redis_url is not an http(s) URL (not supported by the stand-in)" };
        }
        redis = { url: s.redis_url, token: s.redis_token, source: "backend" };
        return { status: "success" };
    }
    return { status: "not-configured" };
}

async function startupSync() {
    let result;
    for (let attempt = 1; attempt <= MAX_RETRIES; attempt++) {
        sync = { status: "pending", attempts: attempt };
        result = await fetchRedisSettings();
        if (result.status !== "error") break;
        console.warn(`edge: redis settings sync attempt ${attempt}/${MAX_RETRIES}: ${result.detail}`);
        if (!result.retry) break;
        if (attempt < MAX_RETRIES) await sleep(RETRY_DELAY_MS);
    }
    sync = { status: result.status, attempts: sync.attempts, ...(result.detail ? { detail: result.detail } : {}) };
    if (!redis && env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN) {
        redis = { url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN, source: "env" };
    }
    console.log(`edge: redis settings sync ${sync.status} after ${sync.attempts} attempt(s); redis ${redis ? `from ${redis.source}: ${new URL(redis.url).host}` : "not configured"}`);
}
const synced = startupSync();

/** One Upstash REST command through redis-http with the start-up settings; resolves with its `result`. */
async function upstash(command) {
    await synced;
    if (!redis) throw Object.assign(new Error("Redis not configured (no settings from the backend, no UPSTASH_* fallback)"), { status: 503 });
    const url = new URL(redis.url);
    let r;
    try {
        r = await fetchWithTimeout(url, {
            method: "POST",
            headers: { Authorization: `Bearer ${redis.token}`, "Content-Type": "application/json" },
            body: JSON.stringify(command),
        });
    } catch (e) {
        throw Object.assign(new Error(`redis-http ${url.host}: ${why(e)}`), { status: 503 });
    }
    const body = await r.json().catch(() => ({}));
    if (r.status === 401) throw Object.assign(new Error(`redis-http ${url.host} rejected the token (401)`), { status: 401 });
    if (r.status !== 200) throw Object.assign(new Error(`redis-http ${url.host} answered ${r.status}: ${body.error || "?"}`), { status: 503 });
    return body.result;
}

/** GET /api/cache/test: the backend answers now, and redis PINGs with the start-up settings. */
async function cacheTest() {
    await synced;
    const out = { success: false, source: redis ? redis.source : null, sync };
    try {
        await checkBackend();
        out.backend = "ok";
    } catch (e) {
        out.backend = e.message;
    }
    let status = 503;
    try {
        const result = await upstash(["PING"]);
        if (result === "PONG") {
            status = 200;
            out.redis = "PONG";
        } else out.redis = `PING returned ${JSON.stringify(result)}`;
    } catch (e) {
        status = e.status || 503;
        out.redis = e.message;
    }
    if (status === 200 && out.backend !== "ok") status = 503;
    out.success = status === 200;
    out.message = out.success ? "Redis connection successful" : [out.backend, out.redis].filter((m) => m !== "ok" && m !== "PONG").join("; ");
    return { status, body: out };
}

async function health() {
    try {
        checkDataDir();
        return [];
    } catch (e) {
        return [e.message];
    }
}

async function probe(host, p) {
    const out = { host, port: p, resolved: false, addresses: [], connected: false };
    try {
        out.addresses = (await dns.lookup(host, { all: true, family: 4 })).map((a) => a.address);
        out.resolved = true;
    } catch (e) {
        out.error = `resolve: ${e.code || e.message}`;
        return out;
    }
    out.connected = await new Promise((resolve) => {
        const s = net.connect({ host: out.addresses[0], port: p, timeout: TIMEOUT_MS });
        const end = (ok, err) => {
            if (err) out.error = `connect: ${err}`;
            s.destroy();
            resolve(ok);
        };
        s.once("connect", () => end(true));
        s.once("timeout", () => end(false, "timed out"));
        s.once("error", (e) => end(false, e.code || e.message));
    });
    return out;
}

function whoami() {
    const pub = ["NODE_ENV", "PORT", "FASTAPI_URL", "PUBLIC_URL", "UPSTASH_REDIS_REST_URL", "SQLITE_PATH", "PAGES_DB_URL"];
    return {
        service: "edge",
        hostname: os.hostname(),
        env: Object.fromEntries(pub.map((k) => [k, env[k] ?? null])),
        // Where the redis settings came from (the token itself never leaves the container).
        redis: { source: redis ? redis.source : null, url: redis ? redis.url : null, sync },
        // Only whether the token is set: its value never leaves the container.
        secretsSet: { UPSTASH_REDIS_REST_TOKEN: Boolean(env.UPSTASH_REDIS_REST_TOKEN) },
    };
}

function send(res, status, body, type = "application/json") {
    const data = type === "application/json" ? JSON.stringify(body) + "\n" : body;
    res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(data), "X-Served-By": "edge" });
    res.end(data);
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        req.on("data", (c) => chunks.push(c));
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
    });
}

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function handle(req, res) {
    const url = new URL(req.url, "http://localhost");
    const p = url.pathname;
    if (p === "/api/health") {
        const problems = await health();
        if (problems.length) {
            console.error(`edge: unhealthy: ${problems.join("; ")}`);
            return send(res, 503, { status: "unhealthy", problems });
        }
        return send(res, 200, { status: "ok", service: "edge" });
    }
    if (p === "/api/cache/test") {
        const r = await cacheTest();
        if (!r.body.success) console.error(`edge: cache test failed: ${r.body.message}`);
        return send(res, r.status, r.body);
    }
    if (p.startsWith("/api/data/kv/") && p.length > "/api/data/kv/".length) {
        const key = `edge:kv:${decodeURIComponent(p.slice("/api/data/kv/".length))}`;
        try {
            if (req.method === "PUT" || req.method === "POST") {
                await upstash(["SET", key, await readBody(req)]);
                return send(res, 200, { key, stored: true, via: "redis-http" });
            }
            const value = await upstash(["GET", key]);
            if (value === null) return send(res, 404, { key, detail: "no such key" });
            return send(res, 200, { key, value, via: "redis-http" });
        } catch (e) {
            return send(res, e.status || 503, { key, detail: e.message });
        }
    }
    if (p === "/edge/whoami") return send(res, 200, whoami());
    if (p === "/edge/probe") {
        const host = url.searchParams.get("host") || "";
        const port = Number(url.searchParams.get("port"));
        if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return send(res, 400, { detail: "need ?host=NAME&port=1..65535" });
        return send(res, 200, await probe(host, port));
    }
    if (p === "/edge" || p.startsWith("/edge/") || p.startsWith("/api/data/") || p.startsWith("/api/webhook") || p.startsWith("/api/storage")) {
        return send(res, 200, { service: "edge", path: p });
    }
    if (p.startsWith("/api/")) return send(res, 404, { service: "edge", detail: "Not Found" });
    // Everything else is a server-rendered page.
    const page = `<!doctype html>\n<html><head><title>Frontbase edge stand-in</title></head>\n<body><h1>edge</h1><p>Served by the edge stand-in (a test double, not Frontbase) for ${escapeHtml(p)}</p></body></html>\n`;
    return send(res, 200, page, "text/html; charset=utf-8");
}

const server = http.createServer((req, res) => {
    res.on("finish", () => console.log(`edge: ${req.method} ${req.url.split("?")[0]} ${res.statusCode}`));
    handle(req, res).catch((e) => send(res, 500, { detail: e.message }));
});
server.listen(port, () => console.log(`edge stand-in listening on :${port}`));
// PID 1 ignores SIGTERM unless handled: without this `docker stop` waits 10 s for a kill.
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
