// The dashboard's HTTP server: the page (served files, no build step, no CDN), the login that
// turns the operator's token into a session, and the API (api.ts) behind authentication.
import { promises as fs } from "fs";
import * as http from "http";
import * as path from "path";
import type { Context } from "../tenants/context";
import { ApiState, auditName, match, Reply } from "./api";
import { appendAudit, checkAuditable, sessionActor, trailExists } from "../tenants/audit";
import { lastBackupsReader } from "./lastBackups";
import { usageSampler } from "./usageHistory";
import { tokenProblem } from "./token";
import { readBody, text } from "./fields";
import { ApiError, apiErrorOf } from "./errors";
import { authenticate, parseCookies, sameSecret, SESSION_COOKIE, sessionCookie, Sessions } from "./auth";

const PAGE_DIR = path.join(__dirname, "page");
const LOGIN = { token: text((v) => v, "the dashboard's token", { required: true }) };
const PAGE_FILES: Record<string, string> = { "/": "index.html", "/app.js": "app.js", "/style.css": "style.css" };
const TYPES: Record<string, string> = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
};
const MAX_BODY = 64 * 1024;
/** What a client may leave unread of an event stream before it is dropped (a slow reader must not hold the server's memory). */
export const MAX_UNREAD_BYTES = 1024 * 1024;
/** Event streams open at once (each holds the Engine's log streams of a tenant); more are refused with 503. */
export const MAX_STREAMS = 32;

interface StreamCount {
    open: number;
}

export interface DashboardOptions {
    readonly token: string;
    /** Served over TLS (or behind a proxy that terminates it): the session cookie is Secure. */
    readonly secure: boolean;
    /** How often the host's usage is read (default 15 s). */
    readonly sampleEveryMs?: number;
}

export function createDashboard(ctx: Context, o: DashboardOptions): http.Server {
    // The one guard of every route: never a server that compares against a weak token.
    const weak = tokenProblem(o.token);
    if (weak) throw new Error(`refusing to serve the dashboard: its token ${weak}`);
    const sessions = new Sessions(ctx.now);
    const state = { lastBackups: lastBackupsReader(ctx), usage: usageSampler(ctx, o.sampleEveryMs) };
    const streams: StreamCount = { open: 0 };
    const server = http.createServer((req, res) => {
        handle(ctx, o, { sessions, state, streams }, req, res).catch((e) =>
            reply(res, 500, { error: { code: "internal", message: (e as Error).message } }),
        );
    });
    server.on("close", () => state.usage.stop());
    return limitSlowClients(server);
}

/** A client that sends its request slowly gives up its connection after a while, as one that never sends it. */
export function limitSlowClients<S extends http.Server>(server: S): S {
    server.headersTimeout = 20_000;
    server.requestTimeout = 30_000;
    return server;
}

interface Kept {
    readonly sessions: Sessions;
    readonly state: ApiState;
    readonly streams: StreamCount;
}

async function handle(
    ctx: Context,
    o: DashboardOptions,
    { sessions, state, streams }: Kept,
    req: http.IncomingMessage,
    res: http.ServerResponse,
): Promise<void> {
    const method = req.method ?? "GET";
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'");
    res.setHeader("Cache-Control", "no-store");
    try {
        const url = requestUrl(req.url);
        if (method === "GET" && PAGE_FILES[url.pathname]) return await page(res, PAGE_FILES[url.pathname]);
        if (url.pathname === "/login" && method === "POST") {
            const { token } = readBody(await jsonBody(req), LOGIN);
            if (!sameSecret(token, o.token))
                throw new ApiError(
                    401,
                    "bad_token",
                    "that is not the dashboard's token (it is in the file npm run dashboard printed at start, or FRONTBASE_DASHBOARD_TOKEN)",
                );
            const s = sessions.open();
            res.setHeader("Set-Cookie", sessionCookie(s.id, o.secure));
            return reply(res, 200, { csrf: s.csrf });
        }
        if (url.pathname === "/logout" && method === "POST") {
            const auth = authenticate({ method, headers: req.headers }, o.token, sessions);
            if (!auth.ok) throw new ApiError(auth.status, auth.code, auth.message);
            sessions.close(parseCookies(req.headers.cookie)[SESSION_COOKIE]);
            res.setHeader("Set-Cookie", sessionCookie("", o.secure, 0));
            return reply(res, 200, { loggedOut: true });
        }
        if (!url.pathname.startsWith("/api/")) throw new ApiError(404, "not_found", `nothing at ${url.pathname}`);
        const auth = authenticate({ method, headers: req.headers }, o.token, sessions);
        if (!auth.ok) throw new ApiError(auth.status, auth.code, auth.message);
        if (url.pathname === "/api/v1/session" && method === "GET")
            return reply(res, 200, auth.caller.by === "session" ? { by: "session", csrf: auth.caller.session.csrf } : { by: "token" });
        const { handler, params, query, path: routePath } = match(method, url);
        let body: Promise<unknown> | undefined;
        const call = { method, params, query, body: () => (body ??= jsonBody(req)) };
        if (method === "GET") {
            const r = await handler(ctx, call, state);
            return r.events ? await events(res, r.events, streams) : reply(res, r.status, r.body);
        }
        // A change: refused when the audit trail could not record it, recorded whatever its outcome (bad input changes nothing).
        await checkAuditable(ctx.lockDir).catch((e: Error) => {
            throw new ApiError(503, "audit_unavailable", `refusing to change anything: the audit trail cannot be written (${e.message})`);
        });
        const hadTrail = trailExists(ctx.lockDir);
        const outcome = await handler(ctx, call, state).then(
            (r) => ({ r, status: r.status }),
            (e: unknown) => ({ e, status: apiErrorOf(e).status }),
        );
        if (outcome.status !== 400 && outcome.status !== 413) {
            const named = (await body?.catch(() => undefined)) as { name?: unknown; tenant?: unknown } | undefined;
            const tenant = params.name ?? [named?.name, named?.tenant].find((x): x is string => typeof x === "string") ?? null;
            const actor = sessionActor(auth.caller.by === "session" ? auth.caller.session.id : undefined);
            const time = new Date(ctx.now()).toISOString();
            const line = { time, actor, via: "dashboard" as const, command: auditName(method, routePath), tenant, flags: [] };
            await appendAudit(ctx.lockDir, { ...line, outcome: outcome.status < 300 ? "ok" : "failed", code: outcome.status }, hadTrail);
        }
        if ("e" in outcome) throw outcome.e;
        return reply(res, outcome.r.status, outcome.r.body);
    } catch (e) {
        // What an operation throws (an unknown tenant, a Docker host that does not answer): its message, as the CLI prints it.
        const error = apiErrorOf(e);
        return reply(res, error.status, { error: { code: error.code, message: error.message } });
    }
}

/** The request target as a URL; one that does not parse is the client's error. */
function requestUrl(target: string | undefined): URL {
    try {
        return new URL(target ?? "/", "http://dashboard");
    } catch {
        throw new ApiError(400, "bad_path", "the request target is not a valid path");
    }
}

/** Server-sent events until the producer ends or the client goes away, or reads too slowly. */
async function events(res: http.ServerResponse, produce: NonNullable<Reply["events"]>, streams: StreamCount): Promise<void> {
    if (streams.open >= MAX_STREAMS)
        throw new ApiError(503, "too_many_streams", `${MAX_STREAMS} log streams are open already; close one (or retry later)`);
    streams.open++;
    const abort = new AbortController();
    res.on("close", () => abort.abort());
    res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", Connection: "keep-alive" });
    res.write(": stream open\n\n");
    const send = (event: string, data: unknown) => {
        if (abort.signal.aborted) return;
        res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
        // A client that does not read would have the server buffer the whole stream for it.
        if (res.writableLength > MAX_UNREAD_BYTES) res.destroy(new Error("the client reads too slowly"));
    };
    try {
        await produce(send, abort.signal);
    } catch (e) {
        send("error", { message: (e as Error).message });
    } finally {
        streams.open--;
    }
    res.end();
}

async function page(res: http.ServerResponse, file: string): Promise<void> {
    const body = await fs.readFile(path.join(PAGE_DIR, file));
    res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    res.end(body);
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
    if (res.headersSent) return void res.end();
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
}

/** The request's JSON body (at most 64 KiB), or a 400/413 that says what is wrong with it. */
async function jsonBody(req: http.IncomingMessage): Promise<unknown> {
    let size = 0;
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY) throw new ApiError(413, "body_too_large", `the request body is over ${MAX_BODY} bytes`);
        chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    if (text.trim() === "") return {};
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new ApiError(400, "bad_json", `the request body is not JSON: ${(e as Error).message}`);
    }
}
