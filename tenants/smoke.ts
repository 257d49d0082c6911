// Does a deployed tenant answer as its users and its admin reach it? The rollout's last gate and the
// restore drill's check (monitor/drill.ts), through the tenant's own entry point: its domain
// through the host's proxy (HTTPS), or else its frontend's host port. The
// admin page loads, the admin logs in with the stack's password, the session holds, and an API
// read answers (the real application's routes, ../shared/FIELD-NOTES.md sections 1 and 6).
// The password is sent to the tenant only: never printed, never in an error.
import * as http from "http";
import * as https from "https";
import { rootCertificates } from "tls";

export interface EntryPoint {
    /** `https://acme.example.com` or `http://127.0.0.1:8081`. */
    readonly url: string;
    /** Where to connect instead of what the URL's host resolves to (the proxy's address); SNI and Host stay the URL's. */
    readonly connectTo?: string;
    /** Extra certificates to trust for HTTPS (a private ACME CA, Caddy's internal CA). */
    readonly ca?: string;
}

export interface EntryInput {
    readonly domains: readonly string[];
    readonly bindAddress: string;
    readonly publicHost: string;
    /** The frontend's published host port. */
    readonly frontendPort: number | undefined;
    /** `unix:///var/run/docker.sock`, `ssh://ops@vps`, `tcp://10.0.0.5:2376`. */
    readonly dockerHost: string;
}

/** Where the tenant's users reach it, or why this machine cannot. Pure. */
export function entryPointOf(t: EntryInput, env: NodeJS.ProcessEnv = {}): EntryPoint | { readonly unreachable: string } {
    if (t.domains.length > 0)
        return { url: `https://${t.domains[0]}`, ...(env.FRONTBASE_PROXY_ADDRESS ? { connectTo: env.FRONTBASE_PROXY_ADDRESS } : {}) };
    if (t.frontendPort === undefined) return { unreachable: "its frontend publishes no host port" };
    const remote = /^(?:ssh|tcp|https?):\/\/(?:[^@/]*@)?(\[[^\]]+\]|[^:/]+)/.exec(t.dockerHost)?.[1];
    const loopback = (h: string) => h === "localhost" || h.startsWith("127.") || h === "[::1]";
    if (t.bindAddress !== "0.0.0.0") {
        if (remote && loopback(t.bindAddress))
            return {
                unreachable: `its frontend is published on ${t.bindAddress} of ${t.dockerHost}, which this machine cannot reach; run the rollout there, or give the tenant a domain`,
            };
        return { url: `http://${remote && loopback(t.bindAddress) ? remote : t.bindAddress}:${t.frontendPort}` };
    }
    const host = remote && loopback(t.publicHost) ? remote : t.publicHost;
    return { url: `http://${host.includes(":") && !host.startsWith("[") ? `[${host}]` : host}:${t.frontendPort}` };
}

export interface SmokeCheck {
    readonly what: string;
    readonly ok: boolean;
    readonly detail: string;
}

export interface SmokeResult {
    readonly ok: boolean;
    /**
     * One entry per check, in order; the first failure ends the list: the admin page
     * (GET /frontbase-admin/), login (POST /api/auth/login), session (GET /api/auth/me with its
     * cookie), API read (GET /api/variables/).
     */
    readonly checks: readonly SmokeCheck[];
    /** How many variables the API read returned, when it answered with a list. */
    readonly variables?: number;
}

interface Answer {
    readonly status: number;
    readonly text: string;
    readonly cookie?: string;
}

export async function smokeCheck(entry: EntryPoint, admin: { email: string; password?: string }, timeoutMs = 15_000): Promise<SmokeResult> {
    const checks: SmokeCheck[] = [];
    let variables: number | undefined;
    const step = async (what: string, run: () => Promise<string | undefined>): Promise<boolean> => {
        let problem: string | undefined;
        try {
            problem = await run();
        } catch (e) {
            problem = `no answer (${(e as Error).message})`;
        }
        checks.push({ what, ok: problem === undefined, detail: problem ?? "ok" });
        return problem === undefined;
    };
    const call = (method: string, urlPath: string, body?: unknown, cookie?: string) =>
        request(entry, method, urlPath, timeoutMs, body, cookie);
    let cookie: string | undefined;
    const ok =
        (await step("admin page", async () => {
            const r = await call("GET", "/frontbase-admin/");
            return r.status === 200 && r.text.includes('<div id="root"')
                ? undefined
                : `answered ${r.status}${r.status === 200 ? " without the admin app" : ""}`;
        })) &&
        (admin.password === undefined
            ? (checks.push({ what: "login", ok: true, detail: "not checked: no frontbase:adminPassword in the stack file" }), true)
            : (await step(`login as ${admin.email}`, async () => {
                  const r = await call("POST", "/api/auth/login", { email: admin.email, password: admin.password });
                  cookie = r.cookie;
                  return r.status === 200 && cookie
                      ? undefined
                      : `answered ${r.status}${r.status === 401 ? " (the stack's admin password was refused)" : ""}`;
              })) &&
              (await step("session", async () => {
                  const r = await call("GET", "/api/auth/me", undefined, cookie);
                  return r.status === 200 && (jsonOf(r.text) as { user?: { email?: string } } | undefined)?.user?.email === admin.email
                      ? undefined
                      : `answered ${r.status}`;
              }))) &&
        (await step("API read", async () => {
            const r = await call("GET", "/api/variables/", undefined, cookie);
            const list = jsonOf(r.text);
            if (r.status !== 200 || !Array.isArray(list)) return `answered ${r.status}${r.status === 200 ? " without a list" : ""}`;
            variables = list.length;
            return undefined;
        }));
    return { ok, checks, ...(variables !== undefined ? { variables } : {}) };
}

function jsonOf(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}

function request(entry: EntryPoint, method: string, urlPath: string, timeoutMs: number, body?: unknown, cookie?: string): Promise<Answer> {
    const url = new URL(urlPath, entry.url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { host: url.host, ...(payload ? { "content-type": "application/json" } : {}) };
    if (cookie) headers.cookie = cookie;
    const secure = url.protocol === "https:";
    const options: https.RequestOptions = {
        method,
        host: entry.connectTo ?? url.hostname.replace(/^\[|\]$/g, ""),
        port: url.port || (secure ? 443 : 80),
        path: url.pathname + url.search,
        headers,
        agent: false,
        timeout: timeoutMs,
        // An extra CA is trusted beside the usual ones, not instead of them.
        ...(secure ? { servername: url.hostname, ...(entry.ca ? { ca: [...rootCertificates, entry.ca] } : {}) } : {}),
    };
    return new Promise((resolve, reject) => {
        const req = (secure ? https : http).request(options, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (d: string) => {
                if (text.length < 1 << 20) text += d; // an admin page is ~1 KiB; a runaway answer is not kept
            });
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text, cookie: res.headers["set-cookie"]?.[0]?.split(";")[0] }));
        });
        req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
        req.on("error", reject);
        req.end(payload);
    });
}
