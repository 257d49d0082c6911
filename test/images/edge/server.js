// Test stand-in for Frontbase's edge service (Hono SSR + workflows) -- NOT Frontbase.
//
// Reads what the program gives the real edge (components/services.ts) and answers
// GET /api/health with 200 only when that wiring really works:
//   - /app/data is a mounted volume, writable, and holds SQLITE_PATH / DATABASE_URL /
//     PAGES_DB_URL (their files are created there);
//   - FASTAPI_URL's /health/ answers 200 (the backend resolves and is healthy);
//   - UPSTASH_REDIS_REST_URL accepts UPSTASH_REDIS_REST_TOKEN: a real PING through redis-http.
// For the tests: GET / is an HTML page naming this service; /edge, /api/data/..., /api/webhook,
// /api/storage answer JSON; PUT/GET /api/data/kv/<key> stores a value in redis via redis-http;
// GET /edge/whoami and /edge/probe?host=H&port=P mirror the backend's. Every response carries
// `X-Served-By: edge`. Secrets never reach a response or the log.
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
    for (const [name, prefix] of [["SQLITE_PATH", ""], ["DATABASE_URL", "file:"], ["PAGES_DB_URL", "file:"]]) {
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

/** One Upstash REST command through redis-http; resolves with its `result`. */
async function upstash(command) {
    if (!env.UPSTASH_REDIS_REST_URL) throw new Error("UPSTASH_REDIS_REST_URL is not set");
    if (!env.UPSTASH_REDIS_REST_TOKEN) throw new Error("UPSTASH_REDIS_REST_TOKEN is not set");
    const url = new URL(env.UPSTASH_REDIS_REST_URL);
    let r;
    try {
        r = await fetchWithTimeout(url, {
            method: "POST",
            headers: { Authorization: `Bearer ${env.UPSTASH_REDIS_REST_TOKEN}`, "Content-Type": "application/json" },
            body: JSON.stringify(command),
        });
    } catch (e) {
        throw new Error(`redis-http ${url.host}: ${why(e)}`);
    }
    const body = await r.json().catch(() => ({}));
    if (r.status === 401) throw new Error(`redis-http ${url.host} rejected the token (401)`);
    if (r.status !== 200) throw new Error(`redis-http ${url.host} answered ${r.status}: ${body.error || "?"}`);
    return body.result;
}

async function checkRedis() {
    const result = await upstash(["PING"]);
    if (result !== "PONG") throw new Error(`redis-http PING returned ${JSON.stringify(result)}`);
}

async function health() {
    const checks = { data: async () => checkDataDir(), backend: checkBackend, redis: checkRedis };
    const results = await Promise.allSettled(Object.values(checks).map((f) => f()));
    return results.filter((r) => r.status === "rejected").map((r) => r.reason.message);
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
    const pub = ["NODE_ENV", "PORT", "FASTAPI_URL", "PUBLIC_URL", "UPSTASH_REDIS_REST_URL", "SQLITE_PATH", "DATABASE_URL", "PAGES_DB_URL"];
    return {
        service: "edge",
        hostname: os.hostname(),
        env: Object.fromEntries(pub.map((k) => [k, env[k] ?? null])),
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
        return send(res, 200, { status: "ok" });
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
            return send(res, 503, { key, detail: e.message });
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
