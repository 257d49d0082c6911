// The dashboard over real HTTP (a real server on loopback, the fake Engine behind it): who gets
// in, what a session may change, what the API answers, and what the command line refuses.
import { chmodSync, readFileSync, statSync } from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDashboardArgs } from "../../cli/dashboard";
import { dashboardToken } from "../../dashboard/token";
import { tempDir } from "../support/temp";
import { nothingWritten } from "../support/unchanged";
import type { FakeEngine } from "../support/fakeEngine";
import { dashboardOnFakeEngine } from "../support/dashboardServer";

const TOKEN = "dashboard token, test only, 0123456789";
const labels = (service: string) => ({ "frontbase.tenant": "acme", "com.docker.compose.service": service });
let engine: FakeEngine;
let base: string;
let project: string;
let lockDir: string;
let close: () => Promise<void>;

beforeAll(async () => {
    ({ engine, project, lockDir, base, close } = await dashboardOnFakeEngine(
        [
            {
                name: "acme_frontbase-backend-1",
                state: "running",
                health: "healthy",
                labels: labels("backend"),
                bindings: { "8000/tcp": [{ HostIp: "", HostPort: "8001" }] },
            },
            {
                name: "acme_frontbase-frontend-1",
                state: "running",
                health: "unhealthy",
                labels: labels("frontend"),
                bindings: { "80/tcp": [{ HostIp: "", HostPort: "8081" }] },
            },
        ],
        { "Pulumi.acme.yaml": "config:\n  frontbase:domains:\n    - acme.example.com\n" },
        TOKEN,
    ));
});
afterAll(() => close());

async function call(p: string, init: { method?: string; token?: string; cookie?: string; csrf?: string; body?: string } = {}) {
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.cookie) headers.cookie = init.cookie;
    if (init.csrf) headers["x-csrf-token"] = init.csrf;
    if (init.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(base + p, { method: init.method ?? "GET", headers, body: init.body });
    const text = await res.text();
    let json: { error?: { code: string; message: string } } & Record<string, unknown> = {};
    try {
        json = JSON.parse(text);
    } catch {
        // the page
    }
    return { status: res.status, json, text, headers: res.headers };
}

async function login(): Promise<{ cookie: string; csrf: string }> {
    const r = await call("/login", { method: "POST", body: JSON.stringify({ token: TOKEN }) });
    expect(r.status).toBe(200);
    const set = r.headers.get("set-cookie")!;
    expect(set).toMatch(/^frontbase_session=[\w-]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    return { cookie: set.split(";")[0], csrf: r.json.csrf as string };
}

describe("the dashboard's access", () => {
    it("refuses the API without a token, with a wrong one, and a login with a wrong one; JSON errors with stable codes", async () => {
        expect((await call("/api/v1/tenants")).json.error?.code).toBe("unauthenticated");
        const wrong = await call("/api/v1/tenants", { token: "not it" });
        expect([wrong.status, wrong.json.error?.code]).toEqual([401, "bad_token"]);
        const badLogin = await call("/login", { method: "POST", body: JSON.stringify({ token: "nope" }) });
        expect([badLogin.status, badLogin.json.error?.code, badLogin.headers.get("set-cookie")]).toEqual([401, "bad_token", null]);
        const malformed = await call("/login", { method: "POST", body: "{not json" });
        expect([malformed.status, malformed.json.error?.code]).toEqual([400, "bad_json"]);
    });

    it("lets a session read, and change only with its CSRF token: without it nothing reaches the Engine", async () => {
        const s = await login();
        expect((await call("/api/v1/session", { cookie: s.cookie })).json).toEqual({ by: "session", csrf: s.csrf });
        expect((await call("/api/v1/tenants", { cookie: s.cookie })).status).toBe(200);
        const before = engine.changes.length;
        const untouched = nothingWritten({ project, lockDir, engine });
        const forged = await call("/api/v1/tenants/acme/restart", { method: "POST", cookie: s.cookie });
        expect([forged.status, forged.json.error?.code]).toEqual([403, "csrf"]);
        const wrongCsrf = await call("/api/v1/tenants/acme/restart", { method: "POST", cookie: s.cookie, csrf: "guess" });
        expect(wrongCsrf.status).toBe(403);
        untouched();
        // With it, the restart goes to the Engine (the fake one has no restart: the command's own failure comes back).
        const done = await call("/api/v1/tenants/acme/restart", { method: "POST", cookie: s.cookie, csrf: s.csrf });
        expect(engine.changes.slice(before).filter((c) => c.endsWith("/restart")).length).toBe(2);
        expect([done.status, done.json.error?.code]).toEqual([502, "restart_failed"]);
        expect(done.json.error?.message).toContain("could not restart backend (acme_frontbase-backend-1)");
        const out = await call("/logout", { method: "POST", cookie: s.cookie, csrf: s.csrf });
        expect(out.status).toBe(200);
        expect((await call("/api/v1/tenants", { cookie: s.cookie })).status).toBe(401);
    });

    it("serves the page with a strict content policy, no secret in it", async () => {
        const r = await call("/");
        expect(r.status).toBe(200);
        expect(r.text).toContain('<form id="login"');
        expect(r.headers.get("content-security-policy")).toBe("default-src 'self'; frame-ancestors 'none'");
        expect(r.text).not.toContain(TOKEN);
        expect((await call("/app.js")).headers.get("content-type")).toContain("text/javascript");
    });
});

describe("the API", () => {
    it("lists tenants as tenant ls does, and one tenant's services, health, domains and volumes", async () => {
        const list = await call("/api/v1/tenants", { token: TOKEN });
        expect(list.status).toBe(200);
        const tenants = list.json.tenants as { tenant: string; containers: { name: string; health?: string }[] }[];
        expect(tenants.map((t) => t.tenant)).toEqual(["acme"]);
        expect(tenants[0].containers.map((c) => `${c.name}/${c.health}`).sort()).toEqual([
            "acme_frontbase-backend-1/healthy",
            "acme_frontbase-frontend-1/unhealthy",
        ]);
        const one = await call("/api/v1/tenants/acme", { token: TOKEN });
        expect(one.status).toBe(200);
        expect(one.json.healthy).toBe(false);
        expect(one.json.domains).toEqual(["acme.example.com"]);
        expect(JSON.stringify(one.json)).not.toMatch(/password|secure:/i);
    });

    it("answers bad paths with clear JSON errors: a bad tenant name, an unknown tenant, no such route, a wrong method", async () => {
        const bad = await call("/api/v1/tenants/Bad_Name", { token: TOKEN });
        expect([bad.status, bad.json.error?.code]).toEqual([400, "bad_tenant_name"]);
        expect(bad.json.error?.message).toContain("must start with a lowercase letter");
        const unknown = await call("/api/v1/tenants/nobody", { token: TOKEN });
        expect([unknown.status, unknown.json.error?.code]).toEqual([404, "unknown_tenant"]);
        expect(unknown.json.error?.message).toContain('unknown tenant "nobody"');
        expect((await call("/api/v1/nothing", { token: TOKEN })).json.error?.code).toBe("not_found");
        const method = await call("/api/v1/tenants", { method: "DELETE", token: TOKEN });
        expect([method.status, method.json.error?.code]).toEqual([405, "method_not_allowed"]);
    });
});

describe("the port map and the new-tenant form", () => {
    it("maps each range: the tenant's published port held by it, the rest free", async () => {
        const r = await call("/api/v1/ports", { token: TOKEN });
        expect(r.status).toBe(200);
        const ranges = r.json.ranges as {
            key: string;
            from: number;
            to: number;
            free: number;
            held: { port: number; use: string; tenant?: string }[];
        }[];
        expect(ranges.map((x) => `${x.key} ${x.from}-${x.to}`)).toEqual([
            "backend 8000-8999",
            "edge 3002-3999",
            "frontend 8080-8999",
            "redisHttp 8079-8999",
        ]);
        const backend = ranges.find((x) => x.key === "backend")!;
        expect(backend.held).toEqual([
            { port: 8001, use: "tenant", kind: "container", tenant: "acme", service: "backend" },
            { port: 8081, use: "tenant", kind: "container", tenant: "acme", service: "frontend" },
        ]);
        expect(backend.free).toBe(1000 - 2);
        expect(ranges.find((x) => x.key === "edge")!.free).toBe(998);
    });

    it("writes a new tenant's stack file as tenant new does, and says how to deploy it; refuses a second and a bad database", async () => {
        const s = await login();
        const r = await fetch(`${base}/api/v1/tenants`, {
            method: "POST",
            headers: { cookie: s.cookie, "x-csrf-token": s.csrf, "content-type": "application/json" },
            body: JSON.stringify({ name: "newco", database: "postgres" }),
        });
        const made = (await r.json()) as { tenant: string; ports: Record<string, number>; deploy: string; affected: unknown };
        expect(r.status).toBe(201);
        expect(made.tenant).toBe("newco");
        expect(made.deploy).toBe("npm run deploy -- newco");
        expect(made.affected).toEqual([{ stack: "newco", why: "Pulumi.newco.yaml changed" }]);
        const file = readFileSync(path.join(project, "Pulumi.newco.yaml"), "utf8");
        expect(file).toContain("frontbase:database: postgres");
        expect(file).toContain(`backend: ${made.ports.backend}`);
        const untouched = nothingWritten({ project, lockDir, engine });
        const again = await call("/api/v1/tenants", { method: "POST", token: TOKEN, body: JSON.stringify({ name: "newco" }) });
        expect([again.status, again.json.error?.code]).toEqual([409, "tenant_exists"]);
        const bad = await call("/api/v1/tenants", {
            method: "POST",
            token: TOKEN,
            body: JSON.stringify({ name: "other", database: "mysql" }),
        });
        expect([bad.status, bad.json.error?.code]).toEqual([400, "bad_request"]);
        expect(bad.json.error?.message).toBe(`database "mysql": must be one of sqlite, postgres`);
        untouched();
        const listed = await call("/api/v1/tenants", { token: TOKEN });
        expect(
            (listed.json.tenants as { tenant: string; lastBackup: unknown; domains: string[] }[]).map((t) => [
                t.tenant,
                t.domains,
                t.lastBackup,
            ]),
        ).toEqual([
            ["acme", ["acme.example.com"], null],
            ["newco", [], null],
        ]);
    });
});

describe("npm run dashboard's command line", () => {
    it("listens on 127.0.0.1:8700 by default and refuses another address without TLS or a proxy in front", () => {
        expect(parseDashboardArgs([])).toEqual({
            port: 8700,
            listen: "127.0.0.1",
            behindProxy: false,
            tlsCert: undefined,
            tlsKey: undefined,
        });
        expect(() => parseDashboardArgs(["--listen", "0.0.0.0"])).toThrow(
            /refusing to listen on 0.0.0.0 without TLS.*--tls-cert and --tls-key.*--behind-proxy/,
        );
        expect(parseDashboardArgs(["--listen", "0.0.0.0", "--behind-proxy"]).listen).toBe("0.0.0.0");
        expect(() => parseDashboardArgs(["--port", "99999"])).toThrow(/--port "99999": must be a whole number from 1 to 65535/);
        expect(() => parseDashboardArgs(["--listen", "example.com"])).toThrow(/must be an IP address/);
        expect(() => parseDashboardArgs(["--bogus"])).toThrow(/unknown option "--bogus"; allowed: --port <value>/);
    });

    it("makes the token once, mode 0600, and prefers FRONTBASE_DASHBOARD_TOKEN", async () => {
        const dir = tempDir("dash");
        const first = await dashboardToken({}, dir);
        expect(first.token).toMatch(/^[\w-]{43}$/);
        expect(statSync(path.join(dir, "dashboard-token")).mode & 0o777).toBe(0o600);
        expect((await dashboardToken({}, dir)).token).toBe(first.token);
        expect((await dashboardToken({ FRONTBASE_DASHBOARD_TOKEN: "from the environment, 0123456789abcdef" }, dir)).token).toBe(
            "from the environment, 0123456789abcdef",
        );
        chmodSync(path.join(dir, "dashboard-token"), 0o644);
        await expect(dashboardToken({}, dir)).rejects.toThrow(/only its owner can read/);
    });
});
