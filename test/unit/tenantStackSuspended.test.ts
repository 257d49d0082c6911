// What TenantStack declares for a suspended tenant (`frontbase:suspended: true`), under Pulumi
// mocks: containers created but never started, the ports still declared; a swarm tenant's services
// at 0 replicas; everything else as for a running tenant.
import { describe, expect, it } from "vitest";
import { parseTenantConfig } from "../../components/config";
import { valueOf } from "../support/pulumiMocks";
import { CONTAINER, mockedTenantStack, NETWORK, PORTS, SERVICE, VOLUME } from "../support/tenantStackMocks";

const { rec, TenantStack } = mockedTenantStack();
const config = (extra: Record<string, string>, stack: string) => parseTenantConfig(extra, { stack, secretKeys: new Set() });
const APP = ["redis", "redis-http", "backend", "edge", "frontend"];

async function declare(stack: string, extra: Record<string, string>, node?: { id: string; hostname: string; constraint: string }) {
    const t = new (TenantStack())(stack, { config: config(extra, stack), ports: PORTS, node }, { transformations: [rec.transformation] });
    await Promise.all([...Object.values(t.containers), ...Object.values(t.services)].map((c) => valueOf(c!.id)));
    // What is declared apart from the suspension, to compare with a running tenant's.
    return rec.resources.map((r) => [r.type, r.name, { ...r.inputs, start: undefined, mustRun: undefined, mode: undefined }]);
}

describe("TenantStack, suspended (target docker)", () => {
    it("declares every service container start: false, mustRun: false, replaced on a change of start, its ports still declared", async () => {
        await declare("s1", { "frontbase:suspended": "true" });
        for (const s of APP) {
            const { inputs } = rec.one(CONTAINER, `s1-${s}-container`);
            expect([s, inputs.start, inputs.mustRun]).toEqual([s, false, false]);
            expect(rec.optionsOf(CONTAINER, `s1-${s}-container`).replaceOnChanges).toContain("start");
        }
        expect(rec.one(CONTAINER, "s1-frontend-container").inputs.ports).toEqual([
            { internal: 80, external: PORTS.frontend, ip: "0.0.0.0", protocol: "tcp" },
        ]);
        // The job is not started either (with two slots a suspension re-creates it).
        expect(rec.one(CONTAINER, "s1-redis-token-job").inputs.start).toBe(false);
    });

    it("keeps the network, the volumes and every other input as a running tenant declares them", async () => {
        const suspended = await declare("s1", { "frontbase:suspended": "true" });
        const volumes = rec.byType(VOLUME).map((v) => [v.inputs.name, rec.optionsOf(VOLUME, v.name).retainOnDelete]);
        const networks = rec.byType(NETWORK).map((n) => n.inputs.name);
        rec.reset();
        const running = await declare("s1", {});
        expect(rec.one(CONTAINER, "s1-backend-container").inputs.start).toBeUndefined();
        expect(rec.one(CONTAINER, "s1-backend-container").inputs.mustRun).toBeUndefined();
        expect(suspended).toEqual(running);
        expect(volumes).toEqual([
            ["s1_frontbase_redis_data", true],
            ["s1_frontbase_backend_data", true],
            ["s1_frontbase_edge_data", true],
        ]);
        expect(networks).toEqual(["s1_frontbase_frontbase"]);
    });
});

describe("TenantStack, suspended (target swarm)", () => {
    const node = { id: "nodeid1", hostname: "node-2", constraint: "node.hostname==node-2" };
    it("scales every service to 0 replicas and changes nothing else", async () => {
        const swarm = { "frontbase:target": "swarm", "frontbase:node": "node-2" };
        const suspended = await declare("sw1", { ...swarm, "frontbase:suspended": "true" }, node);
        expect(rec.byType(SERVICE).map((r) => r.inputs.mode)).toEqual(APP.map(() => ({ replicated: { replicas: 0 } })));
        rec.reset();
        const running = await declare("sw1", swarm, node);
        expect(rec.byType(SERVICE).map((r) => r.inputs.mode)).toEqual(APP.map(() => ({ replicated: { replicas: 1 } })));
        expect(suspended).toEqual(running);
    });
});
