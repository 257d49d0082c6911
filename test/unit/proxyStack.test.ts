// What ProxyStack declares, under Pulumi mocks: the routes live only in the reload job.
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parseProxyConfig } from "../../components/proxy/config";
import type { ProxyStack as ProxyStackT } from "../../components/proxy/ProxyStack";
import type { Route } from "../../components/proxy/routes";
import { installMocks, recorder, valueOf } from "../support/pulumiMocks";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const rec = recorder();
let ProxyStack: typeof ProxyStackT;

beforeAll(async () => {
    await installMocks(rec, "proxy");
    ({ ProxyStack } = await import("../../components/proxy/ProxyStack"));
});
beforeEach(() => rec.reset());

const CONFIG = parseProxyConfig({ "frontbase:acmeEmail": "ops@example.com", "frontbase:acmeCaRoot": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" });
const A: Route = { stack: "a", domains: ["a.example.com"], upstream: "127.0.0.1:8081" };
const B: Route = { stack: "b", domains: ["b.example.com"], upstream: "127.0.0.1:8090" };

async function deploy(routes: Route[]) {
    const p = new ProxyStack("proxy", { config: CONFIG, routes }, { transformations: [rec.transformation] });
    await Promise.all([valueOf(p.container.id), valueOf(p.reload.id)]);
    await new Promise((r) => setTimeout(r, 0));
    return { p, caddy: rec.one(CONTAINER, "proxy-caddy").inputs, job: rec.one(CONTAINER, "proxy-reload").inputs };
}
const envOf = (inputs: Record<string, any>) => Object.fromEntries((inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

describe("ProxyStack", () => {
    it("runs Caddy on the host's network, joined to no tenant network, with no published ports", async () => {
        const { caddy } = await deploy([A]);
        expect(caddy.networkMode).toBe("host");
        expect(caddy.networksAdvanced).toBeUndefined();
        expect(caddy.ports).toBeUndefined();
        expect(caddy.name).toBe("frontbase_proxy-caddy-1");
        expect(caddy.mounts).toEqual([
            { type: "volume", source: "frontbase_proxy_caddy_data", target: "/data" },
            { type: "volume", source: "frontbase_proxy_caddy_config", target: "/config" },
        ]);
        expect(caddy.entrypoints.join(" ")).toContain("caddy run --resume");
    });

    it("keeps certificates and the autosaved config on destroy", async () => {
        await deploy([A]);
        expect(rec.byType(VOLUME).map((v) => v.inputs.name).sort()).toEqual(["frontbase_proxy_caddy_config", "frontbase_proxy_caddy_data"]);
        for (const v of ["proxy-data", "proxy-config"]) expect(rec.optionsOf(VOLUME, v).retainOnDelete).toBe(true);
    });

    it("changing the routes changes only the reload job's inputs, never the Caddy container's", async () => {
        const one = await deploy([A]);
        rec.reset();
        const two = await deploy([A, B]);
        expect(two.caddy).toEqual(one.caddy);
        expect(JSON.stringify(one.caddy)).not.toContain("a.example.com");
        expect(envOf(one.job).CADDYFILE).toContain("a.example.com {");
        expect(envOf(two.job).CADDYFILE).toContain("b.example.com {");
        expect(envOf(two.job).ACME_CA_ROOT).toContain("BEGIN CERTIFICATE");
        expect(two.p.routes).toEqual({ "a.example.com": "127.0.0.1:8081", "b.example.com": "127.0.0.1:8090" });
    });

    it("re-runs the reload job when the Caddy container is replaced (its label carries the container's ID), after it", async () => {
        const { job } = await deploy([A]);
        expect(job.labels).toContainEqual({ label: "frontbase.follows.caddy", value: "proxy-caddy-id" });
        expect(job.networkMode).toBe("none");
        expect(job.mounts).toEqual([{ type: "volume", source: "frontbase_proxy_caddy_config", target: "/config" }]);
        expect(job.attach).toBe(true);
        expect(job.mustRun).toBe(false);
        expect(rec.optionsOf(CONTAINER, "proxy-reload").dependsOn).toEqual(["proxy-caddy"]);
        expect(rec.optionsOf(CONTAINER, "proxy-caddy").deleteBeforeReplace).toBe(true);
    });
});
