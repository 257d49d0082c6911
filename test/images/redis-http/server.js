// Test stand-in for hiett/serverless-redis-http (an Upstash-compatible REST proxy) -- for tests only.
//
// Env, as the program sets it: SRH_MODE=env, SRH_TOKEN, SRH_CONNECTION_STRING=redis://redis:6379.
// Listens on 80. Every command needs `Authorization: Bearer <SRH_TOKEN>` (401 otherwise) and is
// forwarded to that redis over RESP, so a PING only succeeds when the token is right AND the
// redis resolves and answers:
//   POST /            body ["SET","k","v"]          -> {"result":"OK"}
//   POST /pipeline    body [["SET","k","v"],["GET","k"]] -> [{"result":"OK"},{"result":"v"}]
//   POST /multi-exec  same, inside MULTI/EXEC
//   GET  /set/k/v     path style (POST /set/k appends the body as the last argument)
// Redis errors come back as {"error":"..."} with status 400. The token is never logged.
//
// As the edge's client (@upstash/redis 1.36) uses it: every call is a POST with a JSON body
// to /, /pipeline or /multi-exec, `Authorization: Bearer <token>`, and by default the header
// `Upstash-Encoding: base64`. With that header every string in a result (nested arrays too) is
// sent base64-encoded (UTF-8), as serverless-redis-http does, and the client decodes it; errors
// stay plain. Without the encoding, the client would "decode" a plain PONG into garbage.
"use strict";
const http = require("node:http");
const { timingSafeEqual, createHash } = require("node:crypto");
const { RedisClient } = require("./resp");

const PORT = 80;
const MAX_BODY = 1 << 20;

function fail(msg) {
    console.error(`redis-http: ${msg}`);
    process.exit(1);
}

const mode = process.env.SRH_MODE;
if (mode !== "env") fail(`SRH_MODE must be "env" (got ${mode ? `"${mode}"` : "nothing"}); this stand-in has no file mode`);
const token = process.env.SRH_TOKEN || "";
if (!token) fail("SRH_TOKEN is not set");
let target;
try {
    target = new URL(process.env.SRH_CONNECTION_STRING || "");
    if (target.protocol !== "redis:") throw new Error("scheme");
} catch {
    fail("SRH_CONNECTION_STRING must be a redis://host:port URL");
}
const redisOptions = {
    host: target.hostname,
    port: Number(target.port || 6379),
    password: target.password ? decodeURIComponent(target.password) : undefined,
    username: target.username ? decodeURIComponent(target.username) : undefined,
    db: Number(target.pathname.slice(1) || 0),
};

// Compare digests so that neither length nor content leaks through timing.
const digest = (s) => createHash("sha256").update(s).digest();
function authorized(req, url) {
    const header = req.headers.authorization || "";
    const given = header.startsWith("Bearer ") ? header.slice(7) : url.searchParams.get("_token") || "";
    return given !== "" && timingSafeEqual(digest(given), digest(token));
}

function send(res, status, body) {
    const data = JSON.stringify(body);
    res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
    res.end(data);
}

function readBody(req) {
    return new Promise((resolve, reject) => {
        const chunks = [];
        let size = 0;
        req.on("data", (c) => {
            size += c.length;
            if (size > MAX_BODY) reject(Object.assign(new Error("body too large"), { status: 413 }));
            else chunks.push(c);
        });
        req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
        req.on("error", reject);
    });
}

const isCommand = (c) => Array.isArray(c) && c.length > 0 && c.every((a) => ["string", "number", "boolean"].includes(typeof a));
// Upstash-Encoding: base64 -> strings base64 (of their UTF-8 bytes); numbers and nulls as they are.
const encode64 = (v) => (typeof v === "string" ? Buffer.from(v, "utf8").toString("base64") : Array.isArray(v) ? v.map(encode64) : v);

async function handle(req, res) {
    const url = new URL(req.url, "http://localhost");
    const path = url.pathname;
    const base64 = String(req.headers["upstash-encoding"] || "").toLowerCase() === "base64";
    const reply = (r) => (r instanceof Error ? { error: r.message } : { result: base64 ? encode64(r) : r });
    if (req.method === "GET" && path === "/") {
        res.writeHead(200, { "Content-Type": "text/plain" });
        return res.end("Welcome to Serverless Redis HTTP! (test stand-in)");
    }
    if (!authorized(req, url)) return send(res, 401, { error: "Unauthorized" });

    const body = req.method === "POST" ? await readBody(req) : "";
    let commands;
    let kind = "single";
    if (req.method === "POST" && (path === "/" || path === "/pipeline" || path === "/multi-exec")) {
        let parsed;
        try {
            parsed = JSON.parse(body);
        } catch {
            return send(res, 400, { error: "body must be a JSON array" });
        }
        kind = path === "/" ? "single" : path.slice(1);
        commands = kind === "single" ? [parsed] : parsed;
        if (!Array.isArray(commands) || commands.length === 0 || !commands.every(isCommand)) {
            return send(res, 400, {
                error: kind === "single" ? 'body must be a command, e.g. ["PING"]' : "body must be an array of commands",
            });
        }
    } else if (req.method === "GET" || req.method === "POST") {
        const args = path.split("/").filter(Boolean).map(decodeURIComponent);
        if (args.length === 0) return send(res, 400, { error: "no command" });
        if (req.method === "POST" && body !== "") args.push(body);
        commands = [args];
    } else {
        return send(res, 405, { error: "use GET or POST" });
    }

    const client = new RedisClient(redisOptions);
    try {
        await client.connect();
        if (kind === "multi-exec") {
            const replies = await client.pipeline([["MULTI"], ...commands, ["EXEC"]]);
            const exec = replies[replies.length - 1];
            if (exec instanceof Error || exec === null) return send(res, 400, { error: exec ? exec.message : "transaction aborted" });
            return send(res, 200, exec.map(reply));
        }
        const replies = await client.pipeline(commands);
        if (kind === "pipeline") return send(res, 200, replies.map(reply));
        return send(res, replies[0] instanceof Error ? 400 : 200, reply(replies[0]));
    } catch (e) {
        // Cannot reach or authenticate to redis: the proxy is up but the wiring is not.
        console.error(`redis-http: redis ${redisOptions.host}:${redisOptions.port}: ${e.message}`);
        return send(res, 503, { error: `redis ${redisOptions.host}:${redisOptions.port}: ${e.message}` });
    } finally {
        client.close();
    }
}

const server = http.createServer((req, res) => {
    res.on("finish", () =>
        console.log(`redis-http: ${req.method} ${req.url.split("?")[0].split("/").slice(0, 2).join("/")} ${res.statusCode}`),
    );
    handle(req, res).catch((e) => send(res, e.status || 500, { error: e.message }));
});
server.listen(PORT, () => console.log(`redis-http stand-in listening on :${PORT}, redis at ${redisOptions.host}:${redisOptions.port}`));
// PID 1 ignores SIGTERM unless handled: without this `docker stop` waits 10 s for a kill.
for (const sig of ["SIGTERM", "SIGINT"]) process.on(sig, () => process.exit(0));
