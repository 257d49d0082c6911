// A suspended tenant behind the host's proxy (`frontbase:suspended: true` in its stack file): its
// route says so, and the rendered Caddyfile, read by the real Caddy, answers its domains with 503
// and a one-line page while keeping their certificates managed as for any domain.
import { describe, expect, it } from "vitest";
import { renderCaddyfile } from "../../components/proxy/caddyfile";
import { parseProxyConfig } from "../../components/proxy/config";
import { fleetRoutes, StackConfigFile } from "../../components/proxy/routes";
import { caddyAdapt, CaddyJson, caddyValidate, NO_CADDY } from "../support/realTools";

const file = (stack: string, config: Record<string, unknown>): StackConfigFile => ({
    stack,
    file: `Pulumi.${stack}.yaml`,
    config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`frontbase:${k}`, typeof v === "string" ? v : JSON.stringify(v)])),
});

interface Handler {
    handler: string;
    status_code?: number;
    body?: string;
    upstreams?: { dial: string }[];
    response?: { set?: Record<string, string[]> };
    routes?: { handle: Handler[] }[];
}

/** Each site (its hosts, joined) -> what Caddy does for it: the handlers in order, flattened out of subroutes. */
function handlersBySite(json: CaddyJson): Record<string, Handler[]> {
    const out: Record<string, Handler[]> = {};
    for (const server of Object.values(json.apps.http.servers))
        for (const route of server.routes) {
            const flat = (hs: Handler[]): Handler[] =>
                hs.flatMap((h) => (h.handler === "subroute" ? (h.routes ?? []).flatMap((r) => flat(r.handle)) : [h]));
            out[(route.match ?? []).flatMap((m) => m.host ?? []).join(", ")] = flat(route.handle as Handler[]);
        }
    return out;
}

describe("a suspended tenant's route", () => {
    it("is marked suspended (frontbase:suspended: true), still pinned to its ports; false or absent is a running tenant's", () => {
        const ports = { frontend: 8081, frontend2: 8091 };
        const { routes, problems } = fleetRoutes([
            file("off", { domains: ["off.example.com"], ports, suspended: "true" }),
            file("on", { domains: ["on.example.com"], ports: { frontend: 8082 }, suspended: "false" }),
            file("plain", { domains: ["plain.example.com"], ports: { frontend: 8083 } }),
        ]);
        expect(problems).toEqual([]);
        expect(routes).toEqual([
            { stack: "off", domains: ["off.example.com"], upstream: "127.0.0.1:8081", slot2: "127.0.0.1:8091", suspended: true },
            { stack: "on", domains: ["on.example.com"], upstream: "127.0.0.1:8082" },
            { stack: "plain", domains: ["plain.example.com"], upstream: "127.0.0.1:8083" },
        ]);
    });
});

describe("renderCaddyfile for a suspended tenant, read by the real Caddy", () => {
    const routes = [
        { stack: "on", domains: ["on.example.com"], upstream: "127.0.0.1:8082" },
        { stack: "off", domains: ["off.example.com", "www.off.example.com"], upstream: "127.0.0.1:8081", suspended: true as const },
    ];
    it.skipIf(NO_CADDY)(
        "its domains get a 503 static response with a plain one-line page, HSTS kept; no upstream of it is dialled; the other tenant is proxied",
        () => {
            const cfg = parseProxyConfig({ "frontbase:acmeEmail": "ops@example.com", "frontbase:hstsMaxAge": "31536000" });
            const text = renderCaddyfile(cfg, routes);
            expect(text).not.toContain("127.0.0.1:8081");
            const sites = handlersBySite(caddyAdapt(text));
            expect(Object.keys(sites).sort()).toEqual(["off.example.com, www.off.example.com", "on.example.com"]);
            expect(sites["on.example.com"].map((h) => h.handler)).toEqual(["headers", "reverse_proxy"]);
            expect(sites["on.example.com"][1].upstreams).toEqual([{ dial: "127.0.0.1:8082" }]);
            const off = sites["off.example.com, www.off.example.com"];
            expect(off.filter((h) => h.handler === "static_response")).toEqual([
                { handler: "static_response", status_code: 503, body: "{http.request.host} is suspended" },
            ]);
            expect(off.map((h) => h.handler)).not.toContain("reverse_proxy");
            expect(Object.assign({}, ...off.map((h) => h.response?.set ?? {}))).toEqual({
                "Strict-Transport-Security": ["max-age=31536000"],
                "Content-Type": ["text/plain; charset=utf-8"],
                "Cache-Control": ["no-store"],
            });
        },
    );
    it.skipIf(NO_CADDY)(
        "its domains keep their certificates: ACME manages them with the others; caddy validate provisions tls internal",
        () => {
            const acme = caddyAdapt(renderCaddyfile(parseProxyConfig({ "frontbase:acmeEmail": "ops@example.com" }), routes));
            expect(acme.apps.tls?.automation?.policies.flatMap((p) => p.subjects ?? []).sort()).toEqual([
                "off.example.com",
                "on.example.com",
                "www.off.example.com",
            ]);
            const internal = renderCaddyfile(parseProxyConfig({ "frontbase:tls": "internal" }), routes);
            expect(internal).toContain(
                [
                    "off.example.com, www.off.example.com {",
                    "\ttls internal",
                    '\theader Content-Type "text/plain; charset=utf-8"',
                    '\theader Cache-Control "no-store"',
                    '\trespond "{host} is suspended" 503',
                    "}",
                ].join("\n"),
            );
            expect(caddyValidate(internal)).toMatchObject({ ok: true });
        },
    );
});
