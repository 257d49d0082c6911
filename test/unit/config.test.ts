import { describe, expect, it } from "vitest";
// The documented defaults are checked against the docs' config table in configDocs.test.ts.
import { CONFIG_KEYS, ConfigError, DEFAULT_IMAGES, parseTenantConfig } from "../../components/config";

const ctx = { stack: "tenant1", secretKeys: new Set(["frontbase:dbPassword", "frontbase:redisToken"]) };

function problemsOf(raw: Record<string, string>, context = ctx): readonly string[] {
    try {
        parseTenantConfig(raw, context);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    throw new Error("expected a ConfigError");
}

describe("parseTenantConfig", () => {
    it("reads Pulumi's stored strings: JSON objects, numbers, booleans, and plain strings", () => {
        const cfg = parseTenantConfig(
            {
                "frontbase:tenant": "acme",
                "frontbase:database": "postgres",
                "frontbase:ports": '{"backend":8001,"edge":3003,"frontend":8081,"redisHttp":8082}',
                "frontbase:portRanges": '{"edge":"3100-3199"}',
                "frontbase:images": '{"redis":"redis:7.4.1-alpine"}',
                "frontbase:memory": '{"backend":1024}',
                "frontbase:purgeDataOnDestroy": "true",
                "frontbase:maxRetries": "5",
                "frontbase:dbPassword": "123456789012345",
                "docker:host": "ssh://ops@vps",
            },
            ctx,
        );
        expect(cfg.tenant).toBe("acme");
        expect(cfg.database).toBe("postgres");
        expect(cfg.ports).toEqual({ backend: 8001, edge: 3003, frontend: 8081, redisHttp: 8082 });
        expect(cfg.portRanges.edge).toEqual({ from: 3100, to: 3199 });
        expect(cfg.portRanges.backend).toEqual({ from: 8000, to: 8999 });
        expect(cfg.images.redis).toBe("redis:7.4.1-alpine");
        expect(cfg.images.backend).toBe(DEFAULT_IMAGES.backend);
        expect(cfg.memory.backend).toBe(1024);
        expect(cfg.purgeDataOnDestroy).toBe(true);
        expect(cfg.maxRetries).toBe(5);
        // A numeric-looking password stays a string.
        expect(cfg.dbPassword).toBe("123456789012345");
    });

    it.each<[string, Record<string, string>, string]>([
        [
            "a typo in a key",
            { "frontbase:databse": "postgres" },
            `frontbase: unknown key(s) frontbase:databse; allowed: ${CONFIG_KEYS.join(", ")}`,
        ],
        ["an unknown database", { "frontbase:database": "mysql" }, 'frontbase:database: must be "sqlite" or "postgres"'],
        [
            "a health interval of 0",
            { "frontbase:healthInterval": "0" },
            "frontbase:healthInterval: must be a whole number of seconds from 1 to 3600",
        ],
        [
            "a health interval over an hour",
            { "frontbase:healthInterval": "3601" },
            "frontbase:healthInterval: must be a whole number of seconds from 1 to 3600",
        ],
        [
            "an unknown target",
            { "frontbase:target": "k8s" },
            'frontbase:target: must be "docker" (one Docker host) or "swarm" (a Docker Swarm cluster, through its manager)',
        ],
        [
            "a node that is no host name",
            { "frontbase:target": "swarm", "frontbase:node": "node one" },
            "frontbase:node: must be a swarm node's hostname or ID (letters, digits, . and -)",
        ],
        [
            "a node for a docker tenant",
            { "frontbase:node": "node1" },
            'frontbase:node: only for target "swarm" (this stack\'s frontbase:target is "docker")',
        ],
        [
            "an encrypted overlay for a docker tenant",
            { "frontbase:encryptOverlay": "true" },
            'frontbase:encryptOverlay: only for target "swarm" (this stack\'s frontbase:target is "docker")',
        ],
        [
            "an unknown publish mode",
            { "frontbase:target": "swarm", "frontbase:node": "n1", "frontbase:publishMode": "mesh" },
            'frontbase:publishMode: must be "host" (on the tenant\'s node) or "ingress" (the routing mesh: on every node, needs IPVS)',
        ],
        [
            "a publish mode for a docker tenant",
            { "frontbase:publishMode": "ingress" },
            'frontbase:publishMode: only for target "swarm" (this stack\'s frontbase:target is "docker")',
        ],
        [
            "a swarm tenant without a node",
            { "frontbase:tenant": "t1", "frontbase:target": "swarm" },
            'frontbase:node: required for target "swarm": the node that holds the tenant\'s volumes; `npm run tenant -- new t1 --target swarm [--node NAME]` picks and pins one',
        ],
        [
            "a fractional health interval",
            { "frontbase:healthInterval": "2.5" },
            "frontbase:healthInterval: must be a whole number of seconds from 1 to 3600",
        ],
        [
            "a port that is not a number",
            { "frontbase:ports": '{"backend":"abc"}' },
            "frontbase:ports.backend: must be an integer port number from 1 to 65535",
        ],
        [
            "a port out of range",
            { "frontbase:ports": '{"edge":70000}' },
            "frontbase:ports.edge: must be an integer port number from 1 to 65535",
        ],
        [
            "an unknown service in ports",
            { "frontbase:ports": '{"bakend":8000}' },
            "frontbase:ports: unknown key(s) bakend; allowed: backend, edge, frontend, redisHttp, backend2, edge2, frontend2",
        ],
        [
            "two services on one port",
            { "frontbase:ports": '{"backend":8000,"frontend":8000}' },
            "frontbase:ports.frontend: 8000 is already used by ports.backend; each service needs its own host port",
        ],
        [
            "a bad tenant name",
            { "frontbase:tenant": "Bad_Name" },
            `frontbase:tenant: must start with a lowercase letter and contain only lowercase letters, digits and '-' (got "Bad_Name")`,
        ],
        ["a tenant name too long", { "frontbase:tenant": "a".repeat(41) }, "frontbase:tenant: must be at most 40 characters (got 41)"],
        [
            "a tiny memory limit",
            { "frontbase:memory": '{"backend":4}' },
            "frontbase:memory.backend: must be an integer number of MiB, at least 16",
        ],
        [
            "a reversed range",
            { "frontbase:portRanges": '{"backend":"9000-8000"}' },
            'frontbase:portRanges.backend: must be a range "FROM-TO" with 1 <= FROM <= TO <= 65535 (got "9000-8000")',
        ],
        [
            "a range that is not a range",
            { "frontbase:portRanges": '{"backend":8000}' },
            'frontbase:portRanges.backend: must be a range "FROM-TO", e.g. "8000-8999"',
        ],
        ["a non-boolean flag", { "frontbase:purgeDataOnDestroy": "yes" }, "frontbase:purgeDataOnDestroy: must be true or false"],
        [
            "an unknown image key",
            { "frontbase:images": '{"nginx":"nginx:1"}' },
            "frontbase:images: unknown key(s) nginx; allowed: backend, edge, frontend, redis, redisHttp, postgres",
        ],
        ["a short password", { "frontbase:dbPassword": "short" }, "frontbase:dbPassword: must be at least 12 characters"],
        [
            "a token with URL-unsafe characters",
            { "frontbase:redisToken": "abc def/ghi+jkl" },
            "frontbase:redisToken: must use only letters, digits and . _ ~ -",
        ],
        [
            "a bind address that is not IPv4",
            { "frontbase:bindAddress": "localhost" },
            "frontbase:bindAddress: must be an IPv4 address such as 0.0.0.0 or 127.0.0.1 (four numbers from 0 to 255)",
        ],
        [
            "a bind address with parts above 255",
            { "frontbase:bindAddress": "999.999.999.999" },
            "frontbase:bindAddress: must be an IPv4 address such as 0.0.0.0 or 127.0.0.1 (four numbers from 0 to 255)",
        ],
    ])("rejects %s, naming the key and what is allowed", (_, raw, problem) => {
        expect(problemsOf(raw)).toEqual([problem]);
    });

    it("takes domains on a swarm tenant, publishing on every interface of its node (the proxy dials the node)", () => {
        const cfg = parseTenantConfig(
            { "frontbase:target": "swarm", "frontbase:node": "vps-2", "frontbase:domains": '["a.example.com"]' },
            ctx,
        );
        expect([cfg.domains, cfg.bindAddress]).toEqual([["a.example.com"], "0.0.0.0"]);
        expect(problemsOf({ "frontbase:target": "swarm", "frontbase:node": "vps-2", "frontbase:bindAddress": "127.0.0.1" })).toEqual([
            'frontbase:bindAddress: not available for target "swarm": host-mode publishing listens on every interface of the node (allowed: 0.0.0.0)',
        ]);
    });

    it("rejects a password kept in plain text in the stack file", () => {
        expect(problemsOf({ "frontbase:dbPassword": "longenoughpassword" }, { stack: "t", secretKeys: new Set() })).toEqual([
            "frontbase:dbPassword: is stored in plain text; set it with `pulumi config set --secret dbPassword`",
        ]);
    });

    it("reports every problem at once", () => {
        expect(problemsOf({ "frontbase:database": "mysql", "frontbase:maxRetries": "99" })).toHaveLength(2);
    });

    it("prints the problems in the error message", () => {
        expect(() => parseTenantConfig({ "frontbase:database": "mysql" }, ctx)).toThrow(
            'Invalid stack config:\n  - frontbase:database: must be "sqlite" or "postgres"',
        );
    });
});
