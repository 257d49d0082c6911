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

const CONFIG = parseProxyConfig({
    "frontbase:acmeEmail": "ops@example.com",
    "frontbase:acmeCaRoot": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
});
const A: Route = { stack: "a", domains: ["a.example.com"], upstream: "127.0.0.1:8081" };
const B: Route = { stack: "b", domains: ["b.example.com"], upstream: "127.0.0.1:8090" };

async function deploy(routes: Route[]) {
    const p = new ProxyStack("proxy", { config: CONFIG, routes }, { transformations: [rec.transformation] });
    await Promise.all([valueOf(p.container.id), valueOf(p.reload.id)]);
    await new Promise((r) => setTimeout(r, 0));
    return { p, caddy: rec.one(CONTAINER, "proxy-caddy").inputs, job: rec.one(CONTAINER, "proxy-reload").inputs };
}
const envOf = (inputs: Record<string, any>) =>
    Object.fromEntries((inputs.envs as string[]).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));

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
        expect(
            rec
                .byType(VOLUME)
                .map((v) => v.inputs.name)
                .sort(),
        ).toEqual(["frontbase_proxy_caddy_config", "frontbase_proxy_caddy_data"]);
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

    it("a suspended tenant: only the reload job changes; its domains show as suspended in the routes output and the job's ROUTES", async () => {
        const running = await deploy([A, B]);
        rec.reset();
        const suspended = await deploy([A, { ...B, suspended: true }]);
        expect(suspended.caddy).toEqual(running.caddy);
        expect(envOf(suspended.job).CADDYFILE).toContain('respond "{host} is suspended" 503');
        expect(envOf(suspended.job).ROUTES).toBe("a.example.com->127.0.0.1:8081 b.example.com->suspended (503)");
        expect(suspended.p.routes).toEqual({ "a.example.com": "127.0.0.1:8081", "b.example.com": "suspended (503)" });
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

describe("proxyProgram: the stack named proxy", () => {
    it("reads the routes from the project's stack files and refuses bad ones before declaring anything", async () => {
        const pulumi = await import("@pulumi/pulumi");
        const fs = await import("fs");
        const os = await import("os");
        const path = await import("path");
        const { proxyProgram } = await import("../../stacks/proxy");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "frontbase-proxy-unit-"));
        try {
            fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: frontbase\nruntime: nodejs\n");
            fs.writeFileSync(
                path.join(dir, "Pulumi.acme.yaml"),
                "config:\n  frontbase:domains: [acme.example.com]\n  frontbase:ports:\n    frontend: 8081\n",
            );
            fs.writeFileSync(path.join(dir, "Pulumi.plain.yaml"), "config:\n  frontbase:ports:\n    frontend: 8083\n");
            fs.writeFileSync(path.join(dir, "Pulumi.proxy.yaml"), "config:\n  frontbase:acmeEmail: ops@example.com\n");
            pulumi.runtime.setAllConfig({ "frontbase:acmeEmail": "ops@example.com" });
            const out = await proxyProgram(dir);
            expect(await valueOf(out.routes)).toEqual({ "acme.example.com": "127.0.0.1:8081" });
            fs.writeFileSync(
                path.join(dir, "Pulumi.plain.yaml"),
                "config:\n  frontbase:domains: [acme.example.com]\n  frontbase:ports:\n    frontend: 8083\n",
            );
            await new Promise((r) => setTimeout(r, 100));
            const declared = rec.resources.length;
            await expect(proxyProgram(dir)).rejects.toThrow(/"acme.example.com" is claimed by .*Pulumi.acme.yaml and .*Pulumi.plain.yaml/);
            pulumi.runtime.setAllConfig({});
            await expect(proxyProgram(dir)).rejects.toThrow("frontbase:acmeEmail: is required");
            await new Promise((r) => setTimeout(r, 100));
            expect(rec.resources.length).toBe(declared);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("TenantStack with domains", () => {
    it("publishes every host port on 127.0.0.1 and gives the edge its https PUBLIC_URL", async () => {
        const { parseTenantConfig } = await import("../../components/config");
        const { TenantStack } = await import("../../components/TenantStack");
        const cfg = parseTenantConfig({ "frontbase:domains": '["acme.example.com"]' }, { stack: "acme" });
        const t = new TenantStack("acme", { config: cfg, ports: { backend: 8001, edge: 3003, frontend: 8081, redisHttp: 8082 } });
        await Promise.all(Object.values(t.containers).map((c) => valueOf(c!.id)));
        const published = rec.byType(CONTAINER).flatMap((r) => (r.inputs.ports ?? []) as { ip: string }[]);
        expect(published.length).toBe(4);
        expect(published.every((p) => p.ip === "127.0.0.1")).toBe(true);
        expect(envOf(rec.one(CONTAINER, "acme-edge-container").inputs).PUBLIC_URL).toBe("https://acme.example.com");
        expect(t.urls.frontend).toBe("https://acme.example.com");
    });
});
