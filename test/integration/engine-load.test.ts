// The real program, loaded the way `pulumi preview` loads it: @pulumi/pulumi's own runner,
// started on the project's Pulumi.yaml, package.json and tsconfig.json, talking gRPC to the
// engine double. Asserts what reaches the engine, resource options included (which the unit
// tests' mocks cannot see). A preview creates nothing, so only a Docker Engine is needed.
import { promises as fs } from "fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineResult, preview } from "../engine/engine";
import { UNKNOWN } from "../engine/types";
import { removeTenant, tenantObjects } from "./support/docker";
import { probeDocker } from "./support/probe";
import { PROJECT_DIR } from "./support/projectCopy";
import { freePorts, Ports, tempStateDir, tenantConfig, testTenant } from "./support/tenants";

const CONTAINER = "docker:index/container:Container";
const VOLUME = "docker:index/volume:Volume";
const NETWORK = "docker:index/network:Network";
const IMAGE = "docker:index/remoteImage:RemoteImage";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const COMPONENT = "frontbase:index:TenantStack";
const STACK = "pulumi:pulumi:Stack";

const probe = probeDocker([], "the runner preview suite");

describe.skipIf(probe.reason)("preview: the program loaded by the real runner", () => {
    const tenant = testTenant("load");
    let ports: Ports;
    let stateDir: string;
    let r: EngineResult;
    const byType = (type: string) => r.registrations.filter((x) => x.type === type);
    const one = (type: string, name: string) => {
        const found = r.registrations.filter((x) => x.type === type && x.name === name);
        if (found.length !== 1) throw new Error(`expected one ${type} ${name}, found ${found.length}`);
        return found[0];
    };
    const urnOf = (type: string, name: string) => one(type, name).urn;

    beforeAll(async () => {
        ports = await freePorts();
        stateDir = await tempStateDir();
        r = await preview({ projectDir: PROJECT_DIR, stack: tenant, stateDir, config: tenantConfig(tenant, ports) });
        console.log(`preview of ${tenant}: program loaded ${r.loadMs} ms after the runner started; runner exited after ${r.runner?.ms} ms`);
    });
    afterAll(async () => {
        await removeTenant(tenant);
        if (stateDir) await fs.rm(stateDir, { recursive: true, force: true });
    });

    it("ran as a preview (--dry-run) and the runner exited cleanly", () => {
        expect(r.runner?.code).toBe(0);
        expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
        expect(r.steps.filter((s) => s.op !== "create")).toEqual([]);
    });

    it("registers the stack, one TenantStack under it, and every resource under the TenantStack", () => {
        const [stack] = byType(STACK);
        expect(stack.name).toBe(`frontbase-${tenant}`);
        expect(stack.options.parent).toBeUndefined();
        const component = one(COMPONENT, tenant);
        expect(component.options.parent).toBe(stack.urn);
        const custom = r.registrations.filter((x) => x.custom);
        // network, volumes, images, containers, the redis-token job, generated secrets
        expect(custom).toHaveLength(1 + 3 + 5 + 5 + 1 + 3);
        for (const x of custom) expect([x.name, x.options.parent]).toEqual([x.name, component.urn]);
        expect(byType(NETWORK).map((x) => x.inputs.name)).toEqual([`${tenant}_frontbase_frontbase`]);
        expect(
            byType(VOLUME)
                .map((x) => x.inputs.name)
                .sort(),
        ).toEqual(["backend", "edge", "redis"].map((s) => `${tenant}_frontbase_${s}_data`));
        expect(
            byType(CONTAINER)
                .map((x) => x.name)
                .sort(),
        ).toEqual(
            [
                ...["backend", "edge", "frontend", "redis", "redis-http"].map((s) => `${tenant}-${s}-container`),
                `${tenant}-redis-token-job`,
            ].sort(),
        );
        expect(
            byType(PASSWORD)
                .map((x) => x.name)
                .sort(),
        ).toEqual(["admin-password", "encryption-key", "redis-token"].map((s) => `${tenant}-${s}`));
    });

    it("keeps volumes on delete, and nothing else", () => {
        for (const v of byType(VOLUME)) expect(v.options.retainOnDelete).toBe(true);
        for (const x of r.registrations.filter((x) => x.type !== VOLUME))
            expect([x.name, x.options.retainOnDelete]).toEqual([x.name, undefined]);
    });

    it("replaces containers delete-first, after the containers they start after (dependsOn)", () => {
        const container = (s: string) => urnOf(CONTAINER, `${tenant}-${s}-container`);
        const job = urnOf(CONTAINER, `${tenant}-redis-token-job`);
        const after: Record<string, string[]> = {
            redis: [],
            "redis-http": [container("redis")],
            backend: [],
            edge: [container("backend"), container("redis-http"), job],
            frontend: [container("backend"), container("edge")],
        };
        for (const [service, deps] of Object.entries(after)) {
            const c = one(CONTAINER, `${tenant}-${service}-container`);
            expect(c.options.deleteBeforeReplace).toBe(true);
            const containerDeps = c.options.dependencies.filter((d) => d.includes(`$${CONTAINER}::`)).sort();
            expect([service, containerDeps]).toEqual([service, deps.sort()]);
            // Inputs bring their own dependencies: the image, the network and (if any) the volume.
            expect(c.options.dependencies).toContain(urnOf(IMAGE, `${tenant}-${service === "redis-http" ? "redisHttp" : service}-image`));
            expect(c.options.dependencies).toContain(urnOf(NETWORK, `${tenant}-network`));
        }
    });

    it("keeps images locally and makes password results secret outputs", () => {
        for (const i of byType(IMAGE)) expect(i.inputs.keepLocally).toBe(true);
        for (const p of byType(PASSWORD)) {
            expect(p.options.additionalSecretOutputs).toContain("result");
            expect(p.inputs).toEqual({ length: expect.any(Number), special: false, minLower: 2, minUpper: 2, minNumeric: 2 });
        }
    });

    it("declares the containers the unit tests expect, on the pinned ports, loopback only", () => {
        const c = (s: string) => one(CONTAINER, `${tenant}-${s}-container`).inputs;
        expect(c("backend").ports).toEqual([{ internal: 8000, external: ports.backend, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(c("edge").ports).toEqual([{ internal: 3002, external: ports.edge, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(c("redis").mounts).toEqual([{ type: "volume", source: `${tenant}_frontbase_redis_data`, target: "/data" }]);
        expect(c("redis").command).toEqual(["redis-server", "--appendonly", "yes", "--hz", "1"]);
        expect(c("frontend").networksAdvanced).toEqual([{ name: `${tenant}_frontbase_frontbase`, aliases: ["frontend"] }]);
        expect(c("frontend").memory).toBe(64);
        expect(c("redis-http").wait).toBe(false);
        expect(c("backend")).toMatchObject({
            restart: "unless-stopped",
            logDriver: "json-file",
            logOpts: { "max-size": "10m", "max-file": "3" },
            securityOpts: ["no-new-privileges:true"],
            wait: true,
        });
    });

    it("leaves unknown what only a provider knows in a preview: image IDs, generated credentials", () => {
        for (const s of ["backend", "edge", "frontend", "redis", "redis-http"])
            expect(one(CONTAINER, `${tenant}-${s}-container`).inputs.image).toBe(UNKNOWN);
        // Credential-bearing env lists depend on the generated passwords.
        for (const s of ["backend", "edge", "redis-http"])
            expect(one(CONTAINER, `${tenant}-${s}-container`).unknownPaths).toContain("envs");
        expect(r.outputs).toMatchObject({ tenant, ports });
        expect(r.outputs?.adminPassword).toBe("04da6b54-80e4-46f7-96ec-b56ff0331ba9");
    });

    it("creates nothing on the engine and writes no state", async () => {
        const o = await tenantObjects(tenant);
        expect([o.containers, o.networks, o.volumes]).toEqual([[], [], []]);
        expect((await fs.readdir(stateDir)).filter((f) => f.endsWith(".json"))).toEqual([]);
    });
});
