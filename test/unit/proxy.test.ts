// The host's proxy: domain rules, routes from stack files, its config, its Caddyfile (pure).
import { describe, expect, it } from "vitest";
import { parseTenantConfig } from "../../components/config";
import { domainProblem, duplicateDomains, newDomainProblems } from "../../components/proxy/domains";
import { fleetRoutes, RouteError, routesFromStackFiles, StackConfigFile } from "../../components/proxy/routes";
import { LETS_ENCRYPT, parseProxyConfig, ProxyConfigError } from "../../components/proxy/config";
import { ACME_CA_ROOT_FILE, ADMIN_ADDRESS, renderCaddyfile } from "../../components/proxy/caddyfile";
import { siteUrl, tenantServices } from "../../components/services";
import { tenantUrls } from "../../components/TenantStack";
import { caddyAdapt, CaddyJson, caddyValidate, NO_CADDY } from "../support/realTools";

const PORTS = { backend: 8001, edge: 3003, frontend: 8081, redisHttp: 8082 };

describe("domainProblem", () => {
    it.each(["acme.example.com", "a.b", "x-1.example.co.uk", "xn--bcher-kva.example", `${"a".repeat(63)}.example.com`])(
        "accepts %s",
        (d) => {
            expect(domainProblem(d)).toBeUndefined();
        },
    );
    it.each<[string, RegExp]>([
        ["", /host name/],
        ["localhost", /two labels/],
        ["Acme.example.com", /lowercase.*"acme.example.com"/],
        ["*.example.com", /wildcard/],
        ["-a.example.com", /labels of letters/],
        ["a-.example.com", /labels of letters/],
        ["a..example.com", /labels of letters/],
        ["a_b.example.com", /labels of letters/],
        ["example.com.", /labels of letters/],
        ["10.0.0.1", /not an IP address/],
        ["acme.example.com:443", /labels of letters/],
        ["https://acme.example.com", /labels of letters/],
        [`${"a".repeat(64)}.example.com`, /labels of letters/],
        [`${"a.".repeat(127)}com`, /at most 253/],
    ])("rejects %j", (d, why) => {
        expect(domainProblem(d)).toMatch(why);
    });
});

describe("duplicateDomains", () => {
    it("names every file that claims a domain twice", () => {
        expect(
            duplicateDomains([
                { file: "Pulumi.a.yaml", domains: ["a.example.com", "shared.example.com"] },
                { file: "Pulumi.b.yaml", domains: ["shared.example.com"] },
                { file: "Pulumi.c.yaml", domains: ["c.example.com"] },
            ]),
        ).toEqual([
            'frontbase:domains: "shared.example.com" is claimed by Pulumi.a.yaml and Pulumi.b.yaml; a domain routes to one tenant only',
        ]);
    });
    it("is empty when each domain has one owner", () => {
        expect(
            duplicateDomains([
                { file: "A", domains: ["a.example.com"] },
                { file: "B", domains: ["b.example.com"] },
            ]),
        ).toEqual([]);
    });
});

const file = (stack: string, config: Record<string, unknown>): StackConfigFile => ({
    stack,
    file: `Pulumi.${stack}.yaml`,
    config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`frontbase:${k}`, typeof v === "string" ? v : JSON.stringify(v)])),
});

describe("routes from the tenant stack files", () => {
    it("routes each tenant's domains to its frontend's loopback port; tenants without domains and the proxy's own file are skipped", () => {
        const routes = routesFromStackFiles([
            file("b", { domains: ["b.example.com", "www.b.example.com"], ports: { ...PORTS, frontend: 8090 } }),
            file("a", { domains: ["a.example.com"], ports: PORTS }),
            file("plain", { ports: { ...PORTS, frontend: 8095 } }),
            file("proxy", { acmeEmail: "ops@example.com" }),
            file("wide", { domains: ["w.example.com"], ports: { frontend: 8099 }, bindAddress: "0.0.0.0" }),
            file("lan", { domains: ["l.example.com"], ports: { frontend: 8098 }, bindAddress: "10.1.2.3" }),
        ]);
        expect(routes).toEqual([
            { stack: "a", domains: ["a.example.com"], upstream: "127.0.0.1:8081" },
            { stack: "b", domains: ["b.example.com", "www.b.example.com"], upstream: "127.0.0.1:8090" },
            { stack: "lan", domains: ["l.example.com"], upstream: "10.1.2.3:8098" },
            { stack: "wide", domains: ["w.example.com"], upstream: "127.0.0.1:8099" },
        ]);
    });

    it("routes a tenant with two slots to both frontends; a swarm tenant's second frontend port is not routed; a bad one is named", () => {
        const { routes, problems } = fleetRoutes([
            file("two", { domains: ["two.example.com"], ports: { ...PORTS, frontend2: 8091 } }),
            file("sw", {
                target: "swarm",
                node: "n",
                publicHost: "10.0.0.12",
                domains: ["sw.example.com"],
                ports: { frontend: 8090, frontend2: 8092 },
            }),
            file("bad", { domains: ["bad.example.com"], ports: { ...PORTS, frontend: 8093, frontend2: "x" } }),
        ]);
        expect(routes).toEqual([
            { stack: "bad", domains: ["bad.example.com"], upstream: "127.0.0.1:8093" },
            { stack: "sw", domains: ["sw.example.com"], upstream: "10.0.0.12:8090" },
            { stack: "two", domains: ["two.example.com"], upstream: "127.0.0.1:8081", slot2: "127.0.0.1:8091" },
        ]);
        expect(problems).toEqual([
            "Pulumi.bad.yaml: frontbase:ports.frontend2: must be a port number from 1 to 65535 (the proxy routes to it)",
        ]);
    });

    it("routes a swarm tenant's domains to its node's address (publicHost), and wants that address", () => {
        const routes = fleetRoutes([
            file("sw", { target: "swarm", node: "vps-2", publicHost: "10.0.0.12", domains: ["sw.example.com"], ports: { frontend: 8090 } }),
            file("nohost", { target: "swarm", node: "vps-3", domains: ["n.example.com"], ports: { frontend: 8091 } }),
        ]);
        expect(routes.routes).toEqual([{ stack: "sw", domains: ["sw.example.com"], upstream: "10.0.0.12:8090" }]);
        expect(routes.problems).toEqual([
            "Pulumi.nohost.yaml: frontbase:publicHost: must be the node's address for a swarm tenant with frontbase:domains (the proxy dials it); `npm run tenant -- new nohost --force` writes it",
        ]);
    });

    it("collects every problem, naming file and field, and throws them together", () => {
        const files = [
            file("a", { domains: ["shared.example.com", "Bad_Name"], ports: PORTS }),
            file("b", { domains: ["shared.example.com"], ports: { ...PORTS, frontend: 8090 } }),
            file("c", { domains: ["c.example.com"] }),
            file("d", { domains: "d.example.com" }),
        ];
        expect(fleetRoutes(files).problems).toEqual([
            'Pulumi.a.yaml: frontbase:domains.1: must be lowercase (got "Bad_Name"; use "bad_name")',
            "Pulumi.c.yaml: frontbase:ports.frontend: must be pinned for a tenant with frontbase:domains (the proxy routes to it); run `npm run tenant -- new c --force`",
            'Pulumi.d.yaml: frontbase:domains: must be a list of host names, e.g. ["app.example.com"]',
            'frontbase:domains: "shared.example.com" is claimed by Pulumi.a.yaml and Pulumi.b.yaml; a domain routes to one tenant only',
        ]);
        expect(() => routesFromStackFiles(files)).toThrow(RouteError);
    });
});

describe("proxy config", () => {
    it("defaults to ACME from Let's Encrypt with the official image", () => {
        expect(parseProxyConfig({ "frontbase:acmeEmail": "ops@example.com", "docker:host": "unix:///x" })).toEqual({
            tls: "acme",
            acmeEmail: "ops@example.com",
            acmeCa: LETS_ENCRYPT,
            hstsMaxAge: 0,
            image: "caddy:2.8.4-alpine",
            memory: 128,
        });
    });
    it.each<[string, Record<string, string>, string]>([
        ["no acmeEmail with ACME on", {}, 'frontbase:acmeEmail: is required when frontbase:tls is "acme"'],
        ["a bad acmeEmail", { "frontbase:acmeEmail": "nope" }, "frontbase:acmeEmail: must be an e-mail address"],
        [
            "an http acmeCa",
            { "frontbase:acmeEmail": "o@example.com", "frontbase:acmeCa": "http://ca/dir" },
            "frontbase:acmeCa: must be an https:// ACME directory URL",
        ],
        ["a bad tls", { "frontbase:tls": "off" }, 'frontbase:tls: must be "acme" or "internal"'],
        [
            "a CA root that is not PEM",
            { "frontbase:tls": "internal", "frontbase:acmeCaRoot": "/etc/ssl/x.pem" },
            "frontbase:acmeCaRoot: must be PEM certificates",
        ],
        [
            "a tenant key",
            { "frontbase:tls": "internal", "frontbase:domains": "[]" },
            "unknown key(s) frontbase:domains for the proxy stack",
        ],
        [
            "HSTS of ten years",
            { "frontbase:tls": "internal", "frontbase:hstsMaxAge": "315360000" },
            "frontbase:hstsMaxAge: must be seconds from 0",
        ],
    ])("refuses %s, naming the field", (_, raw, message) => {
        expect(() => parseProxyConfig(raw)).toThrow(ProxyConfigError);
        expect(() => parseProxyConfig(raw)).toThrow(message);
    });
    it("accepts tls internal without an e-mail", () => {
        expect(parseProxyConfig({ "frontbase:tls": "internal" }).tls).toBe("internal");
    });
});

/** Each site as Caddy reads it (caddy adapt): its host names -> the HSTS header it sets and where it proxies. */
function sites(json: CaddyJson): Record<string, { hsts?: string; upstreams: string[] }> {
    const out: Record<string, { hsts?: string; upstreams: string[] }> = {};
    for (const server of Object.values(json.apps.http.servers))
        for (const route of server.routes) {
            const handlers = route.handle.flatMap((h) => (h.handler === "subroute" ? (h.routes ?? []).flatMap((r) => r.handle) : [h]));
            const hsts = handlers.find((h) => h.handler === "headers")?.response?.set?.["Strict-Transport-Security"]?.join();
            const upstreams = handlers.flatMap((h) => (h.handler === "reverse_proxy" ? (h.upstreams ?? []).map((u) => u.dial) : []));
            out[(route.match ?? []).flatMap((m) => m.host ?? []).join(", ")] = { ...(hsts ? { hsts } : {}), upstreams };
        }
    return out;
}

describe("renderCaddyfile, read by the real Caddy", () => {
    const routes = [
        { stack: "a", domains: ["a.example.com"], upstream: "127.0.0.1:8081" },
        { stack: "b", domains: ["b.example.com", "www.b.example.com"], upstream: "127.0.0.1:8090" },
    ];
    it.skipIf(NO_CADDY)(
        "ACME with a private CA, HSTS and a bind address: every site proxied to its tenant, certificates from that CA",
        () => {
            const cfg = parseProxyConfig({
                "frontbase:acmeEmail": "ops@example.com",
                "frontbase:acmeCa": "https://127.0.0.1:14000/dir",
                "frontbase:acmeCaRoot": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                "frontbase:hstsMaxAge": "31536000",
                "frontbase:bindAddress": "127.0.0.1",
            });
            const json = caddyAdapt(renderCaddyfile(cfg, routes));
            expect(json.admin).toEqual({ listen: ADMIN_ADDRESS });
            expect(Object.values(json.apps.http.servers).map((s) => s.listen)).toEqual([["127.0.0.1:443"]]);
            expect(sites(json)).toEqual({
                "a.example.com": { hsts: "max-age=31536000", upstreams: ["127.0.0.1:8081"] },
                "b.example.com, www.b.example.com": { hsts: "max-age=31536000", upstreams: ["127.0.0.1:8090"] },
            });
            expect(json.apps.tls?.automation?.policies).toEqual([
                {
                    subjects: expect.arrayContaining(["a.example.com", "b.example.com", "www.b.example.com"]),
                    issuers: [
                        {
                            module: "acme",
                            ca: "https://127.0.0.1:14000/dir",
                            email: "ops@example.com",
                            trusted_roots_pem_files: [ACME_CA_ROOT_FILE],
                        },
                    ],
                },
            ]);
        },
    );
    it.skipIf(NO_CADDY)(
        "a tenant with two slots: both frontends, the first that answers, retried on a refused connection; Caddy reads it",
        () => {
            const text = renderCaddyfile(parseProxyConfig({ "frontbase:tls": "internal" }), [
                { stack: "two", domains: ["two.example.com"], upstream: "127.0.0.1:8081", slot2: "127.0.0.1:8091" },
            ]);
            expect(text).toContain(
                [
                    "two.example.com {",
                    "\ttls internal",
                    "\treverse_proxy 127.0.0.1:8081 127.0.0.1:8091 {",
                    "\t\tlb_policy first",
                    "\t\tlb_try_duration 10s",
                    "\t\tlb_try_interval 250ms",
                    "\t\tfail_duration 5s",
                    "\t}",
                    "}",
                ].join("\n"),
            );
            expect(sites(caddyAdapt(text))).toEqual({ "two.example.com": { upstreams: ["127.0.0.1:8081", "127.0.0.1:8091"] } });
        },
    );
    it.skipIf(NO_CADDY)("tls internal: Caddy's own CA, no ACME settings, no HSTS; caddy validate provisions it", () => {
        const text = renderCaddyfile(parseProxyConfig({ "frontbase:tls": "internal" }), routes.slice(0, 1));
        const json = caddyAdapt(text);
        expect(sites(json)).toEqual({ "a.example.com": { upstreams: ["127.0.0.1:8081"] } });
        expect(json.apps.tls?.automation?.policies.map((p) => p.issuers?.map((i) => i.module))).toEqual([["internal"]]);
        expect(caddyValidate(text)).toMatchObject({ ok: true });
    });
    it.skipIf(NO_CADDY)("the real Caddy is a real check: it refuses a broken Caddyfile", () => {
        expect(() => caddyAdapt("a.example.com {\n\treverse_proxy\n\tno_such_directive\n}\n")).toThrow(/caddy adapt refused/);
    });
});

describe("a tenant with domains", () => {
    const secretKeys = new Set(["frontbase:redisToken", "frontbase:adminPassword", "frontbase:encryptionKey", "frontbase:dbPassword"]);
    const cfg = (raw: Record<string, string>) => parseTenantConfig(raw, { stack: "acme", secretKeys });

    it("publishes on loopback by default, unless bindAddress says otherwise", () => {
        expect(cfg({ "frontbase:domains": '["acme.example.com"]' }).bindAddress).toBe("127.0.0.1");
        expect(cfg({ "frontbase:domains": '["acme.example.com"]', "frontbase:bindAddress": "0.0.0.0" }).bindAddress).toBe("0.0.0.0");
        expect(cfg({}).bindAddress).toBe("0.0.0.0");
    });
    it("gives the edge PUBLIC_URL https://<first domain>, and uses it as the frontend's URL", () => {
        const c = cfg({ "frontbase:domains": '["acme.example.com","www.acme.example.com"]' });
        expect(siteUrl(c, 8081)).toBe("https://acme.example.com");
        const edge = tenantServices(c, PORTS).find((s) => s.service === "edge")!;
        expect(edge.env({ redisToken: "t", adminPassword: "p", encryptionKey: "k" }).PUBLIC_URL).toBe("https://acme.example.com");
        expect(tenantUrls(c, PORTS)).toEqual({
            backend: "http://localhost:8001",
            edge: "http://localhost:3003",
            frontend: "https://acme.example.com",
            redisHttp: "http://localhost:8082",
        });
    });
    it.each<[string, string]>([
        ['["Acme.example.com"]', "frontbase:domains.0: must be lowercase"],
        ['["a.example.com","a.example.com"]', 'frontbase:domains: lists "a.example.com" twice'],
        ['"a.example.com"', "frontbase:domains: must be a list of host names"],
        ['["*.example.com"]', "frontbase:domains.0: must not be a wildcard"],
    ])("refuses domains %s, naming the field", (value, message) => {
        expect(() => cfg({ "frontbase:domains": value })).toThrow(message);
    });
});

describe("newDomainProblems (tenant new --domain)", () => {
    const others = [{ file: "/p/Pulumi.beta.yaml", domains: ["beta.example.com"] }];
    it("accepts free, valid names, repeated flags in order", () => {
        expect(newDomainProblems("acme", ["acme.example.com", "www.acme.example.com"], others)).toEqual([]);
    });
    it("names the flag and the problem: invalid, given twice, claimed elsewhere", () => {
        expect(newDomainProblems("acme", ["acme.example.com", "acme.example.com", "Bad.example.com", "beta.example.com"], others)).toEqual([
            '--domain "acme.example.com": given twice',
            '--domain "Bad.example.com": must be lowercase (got "Bad.example.com"; use "bad.example.com")',
            'frontbase:domains: "beta.example.com" is claimed by Pulumi.acme.yaml and /p/Pulumi.beta.yaml; a domain routes to one tenant only',
        ]);
    });
    it("ignores the tenant's own existing file (new --force rewrites it)", () => {
        expect(newDomainProblems("acme", ["acme.example.com"], [{ file: "/p/Pulumi.acme.yaml", domains: ["acme.example.com"] }])).toEqual(
            [],
        );
    });
});

describe("tenant check (checkFleet) and domains", () => {
    it("rejects a domain claimed by two stack files, an invalid one, and domains without a pinned frontend port", async () => {
        const { checkFleet } = await import("../../ports/fleetCheck");
        const { pinsOf } = await import("../../project/stackPins");
        const pins = (stack: string, config: Record<string, unknown>) =>
            pinsOf({ ...file(stack, config), secureKeys: new Set(), secure: new Map() });
        const report = checkFleet([
            pins("a", { domains: ["shared.example.com"], ports: PORTS }),
            pins("b", { domains: ["shared.example.com"], ports: { backend: 8011, edge: 3013, frontend: 8091, redisHttp: 8092 } }),
            pins("c", { domains: ["Bad.example.com"], ports: { backend: 8021, edge: 3023, frontend: 8093, redisHttp: 8094 } }),
            pins("d", { domains: ["d.example.com"] }),
        ]);
        expect(report.problems.map((p) => p.message)).toEqual([
            'Pulumi.c.yaml: frontbase:domains.0: must be lowercase (got "Bad.example.com"; use "bad.example.com")',
            "Pulumi.d.yaml: frontbase:ports.frontend: must be pinned for a tenant with frontbase:domains (the proxy routes to it); run `npm run tenant -- new d --force`",
            'frontbase:domains: "shared.example.com" is claimed by Pulumi.a.yaml and Pulumi.b.yaml; a domain routes to one tenant only',
        ]);
        expect(report.problems[2].files).toEqual(["Pulumi.a.yaml", "Pulumi.b.yaml"]);
    });
});
