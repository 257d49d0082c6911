// The proxy stack in `tenant affected`: its routes come from the tenant stack files.
import { describe, expect, it } from "vitest";
import { affectedStacks } from "../../../gitops/affected";
import { routeChanged } from "../../../gitops/proxyRoutes";
import type { StackConfigFile } from "../../../components/proxy/routes";

const PROGRAM = new Set(["index.ts", "stacks/tenant.ts", "stacks/proxy.ts", "components/config.ts"]);
const WITH_PROXY = ["acme", "beta", "proxy"];

const file = (stack: string, config: Record<string, unknown>): StackConfigFile => ({
    stack,
    file: `Pulumi.${stack}.yaml`,
    config: Object.fromEntries(Object.entries(config).map(([k, v]) => [`frontbase:${k}`, JSON.stringify(v)])),
});

describe("affectedStacks and the proxy", () => {
    it("adds the proxy when a tenant stack file changes or goes, with the reason", () => {
        const a = affectedStacks(["Pulumi.acme.yaml"], WITH_PROXY, PROGRAM);
        expect(a.stacks).toEqual(["acme", "proxy"]);
        expect(a.reasons.proxy).toBe("its routes come from the tenant stack files: Pulumi.acme.yaml changed");
        expect(affectedStacks(["Pulumi.gone.yaml"], WITH_PROXY, PROGRAM).stacks).toEqual(["proxy"]);
    });
    it("with routesChanged, only when the change alters a route", () => {
        expect(affectedStacks(["Pulumi.acme.yaml", "Pulumi.beta.yaml"], WITH_PROXY, PROGRAM, (s) => s === "beta").reasons.proxy).toBe(
            "its routes come from the tenant stack files: Pulumi.beta.yaml changed its domains or frontend port",
        );
        expect(affectedStacks(["Pulumi.acme.yaml"], WITH_PROXY, PROGRAM, () => false).stacks).toEqual(["acme"]);
    });
    it("leaves the proxy out where there is none, and lists it once when its own file changes", () => {
        expect(affectedStacks(["Pulumi.acme.yaml"], ["acme", "beta"], PROGRAM).stacks).toEqual(["acme"]);
        expect(affectedStacks(["Pulumi.acme.yaml", "Pulumi.proxy.yaml"], WITH_PROXY, PROGRAM).stacks).toEqual(["acme", "proxy"]);
        expect(affectedStacks(["components/config.ts"], WITH_PROXY, PROGRAM).stacks).toEqual(WITH_PROXY);
    });
});

describe("routeChanged", () => {
    const base = file("acme", { domains: ["acme.example.com"], ports: { frontend: 8081 } });
    it.each<[string, StackConfigFile | undefined, StackConfigFile | undefined, boolean]>([
        ["a domain added", file("acme", { ports: { frontend: 8081 } }), base, true],
        ["a domain removed", base, file("acme", { domains: [], ports: { frontend: 8081 } }), true],
        ["the frontend port moved", base, file("acme", { domains: ["acme.example.com"], ports: { frontend: 8090 } }), true],
        ["a second slot pinned", base, file("acme", { domains: ["acme.example.com"], ports: { frontend: 8081, frontend2: 8091 } }), true],
        [
            "only the second slot's backend port moved",
            file("acme", { domains: ["acme.example.com"], ports: { frontend: 8081, frontend2: 8091, backend2: 8011 } }),
            file("acme", { domains: ["acme.example.com"], ports: { frontend: 8081, frontend2: 8091, backend2: 8012 } }),
            false,
        ],
        [
            "only the memory changed",
            base,
            file("acme", { domains: ["acme.example.com"], ports: { frontend: 8081 }, memory: { backend: 600 } }),
            false,
        ],
        [
            "a tenant without domains changed",
            file("acme", { ports: { frontend: 8081 } }),
            file("acme", { ports: { frontend: 8090 } }),
            false,
        ],
        ["a new file with a domain", undefined, base, true],
        ["an invalid domain (the proxy preview reports it)", base, file("acme", { domains: ["Bad"], ports: { frontend: 8081 } }), true],
    ])("%s: %s", (_, before, after, expected) => {
        expect(routeChanged(before, after)).toBe(expected);
    });
});
