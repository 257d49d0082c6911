// What TenantStack declares for a tenant of target `swarm`, resource by resource, under Pulumi mocks
// (the docker target: tenantStack.test.ts).
import { describe, expect, it, beforeEach } from "vitest";
import { parseTenantConfig } from "../../components/config";
import { valueOf } from "../support/pulumiMocks";
import { CONTAINER, IMAGE, labelsOf, mockedTenantStack, NETWORK, PORTS, SERVICE, VOLUME } from "../support/tenantStackMocks";

const { rec, TenantStack } = mockedTenantStack();
const config = (extra: Record<string, string>, stack: string) => parseTenantConfig(extra, { stack, secretKeys: new Set() });

describe("TenantStack (target swarm)", () => {
    const node = { id: "nodeid1", hostname: "node-2", constraint: "node.hostname==node-2" };
    const swarm = () => config({ "frontbase:target": "swarm", "frontbase:node": "node-2" }, "sw1");
    const service = (s: string) => rec.one(SERVICE, `sw1-${s}-service`);
    beforeEach(async () => {
        const t = new (TenantStack())("sw1", { config: swarm(), ports: PORTS, node }, { transformations: [rec.transformation] });
        await Promise.all(Object.values(t.services).map((s) => valueOf(s!.id)));
    });

    it("declares an attachable overlay network, five services, the job container and no volume, image or other container", () => {
        expect(rec.byType(NETWORK).map((r) => [r.inputs.name, r.inputs.driver, r.inputs.attachable, r.inputs.options])).toEqual([
            ["sw1_frontbase_frontbase", "overlay", true, undefined],
        ]);
        expect(
            rec
                .byType(SERVICE)
                .map((r) => r.inputs.name)
                .sort(),
        ).toEqual([
            "sw1_frontbase_backend",
            "sw1_frontbase_edge",
            "sw1_frontbase_frontend",
            "sw1_frontbase_redis",
            "sw1_frontbase_redis-http",
        ]);
        expect(rec.byType(CONTAINER).map((r) => r.inputs.name)).toEqual(["sw1_frontbase-redis-token-job"]);
        expect([rec.byType(VOLUME), rec.byType(IMAGE)]).toEqual([[], []]);
    });

    it("pins every service to the node, one task, replaced delete-first, reached by its own name over DNS round robin", () => {
        for (const s of ["redis", "redis-http", "backend", "edge", "frontend"]) {
            const { inputs } = service(s);
            const options = rec.optionsOf(SERVICE, `sw1-${s}-service`);
            expect(inputs.taskSpec.placement).toEqual({ constraints: ["node.hostname==node-2"] });
            expect(inputs.mode).toEqual({ replicated: { replicas: 1 } });
            expect(options.deleteBeforeReplace).toBe(true);
            expect(inputs.endpointSpec.mode).toBe("dnsrr");
            expect(inputs.taskSpec.networksAdvanceds).toEqual([{ id: "sw1-network-id", aliases: [s] }]);
            expect(labelsOf(inputs)["frontbase.node"]).toBe("node-2");
        }
    });

    it("publishes the four host ports in host mode on the node, and nothing of redis", () => {
        expect(service("frontend").inputs.endpointSpec.ports).toEqual([
            { targetPort: 80, publishedPort: PORTS.frontend, publishMode: "host", protocol: "tcp" },
        ]);
        expect(service("backend").inputs.endpointSpec.ports).toEqual([
            { targetPort: 8000, publishedPort: PORTS.backend, publishMode: "host", protocol: "tcp" },
        ]);
        expect(service("redis").inputs.endpointSpec.ports).toEqual([]);
    });

    it("writes durations, memory and policies in the forms the provider reads back", () => {
        const { inputs } = service("backend");
        expect(inputs.taskSpec.containerSpec.healthcheck).toMatchObject({ interval: "10s", timeout: "5s", startPeriod: "1m" });
        expect(inputs.taskSpec.containerSpec.stopGracePeriod).toBe("20s");
        expect(inputs.taskSpec.resources).toEqual({
            limits: { memoryBytes: 512 * 1024 * 1024 },
            reservation: { memoryBytes: 512 * 1024 * 1024 },
        });
        expect(inputs.taskSpec.restartPolicy).toEqual({ condition: "any", delay: "5s", window: "0s" });
        expect(inputs.updateConfig).toEqual({
            parallelism: 1,
            delay: "0s",
            failureAction: "pause",
            monitor: "5s",
            maxFailureRatio: "0.0",
            order: "stop-first",
        });
        expect(inputs.convergeConfig).toEqual({ delay: "2s", timeout: "3m" });
        expect(inputs.taskSpec.containerSpec.mounts).toEqual([
            {
                type: "volume",
                source: "sw1_frontbase_backend_data",
                target: "/app/data",
                volumeOptions: {
                    labels: expect.arrayContaining([
                        { label: "frontbase.tenant", value: "sw1" },
                        { label: "com.docker.compose.volume", value: "backend_data" },
                    ]),
                },
            },
        ]);
    });

    it("orders them as on one host: the token job after the backend, the edge after the job", () => {
        expect(rec.optionsOf(CONTAINER, "sw1-redis-token-job").dependsOn).toEqual(["sw1-backend-service"]);
        expect(rec.optionsOf(SERVICE, "sw1-edge-service").dependsOn.slice().sort()).toEqual([
            "sw1-backend-service",
            "sw1-redis-http-service",
            "sw1-redis-token-job",
        ]);
        expect(rec.optionsOf(SERVICE, "sw1-frontend-service").dependsOn.slice().sort()).toEqual([
            "sw1-backend-service",
            "sw1-edge-service",
        ]);
    });

    it("makes the frontend follow the backend and the edge by their IDs, so that replacing either replaces it", () => {
        const frontendLabels = Object.fromEntries(
            service("frontend").inputs.taskSpec.containerSpec.labels.map((l: any) => [l.label, l.value]),
        );
        expect(frontendLabels).toMatchObject({
            "frontbase.follows.backend": "sw1-backend-service-id",
            "frontbase.follows.edge": "sw1-edge-service-id",
        });
    });
});

describe("TenantStack (target swarm, publishMode ingress)", () => {
    const node = { id: "nodeid1", hostname: "node-2", constraint: "node.hostname==node-2", ingress: true };
    beforeEach(async () => {
        const cfg = config({ "frontbase:target": "swarm", "frontbase:node": "node-2", "frontbase:publishMode": "ingress" }, "mesh1");
        const t = new (TenantStack())("mesh1", { config: cfg, ports: PORTS, node }, { transformations: [rec.transformation] });
        await Promise.all(Object.values(t.services).map((s) => valueOf(s!.id)));
    });

    it("publishes through the routing mesh with a virtual IP; redis, with no port, stays on DNS round robin", () => {
        const frontend = rec.one(SERVICE, "mesh1-frontend-service").inputs.endpointSpec;
        expect(frontend).toEqual({
            mode: "vip",
            ports: [{ targetPort: 80, publishedPort: PORTS.frontend, publishMode: "ingress", protocol: "tcp" }],
        });
        expect(rec.one(SERVICE, "mesh1-redis-service").inputs.endpointSpec).toEqual({ mode: "dnsrr", ports: [] });
        // Still pinned to the node that holds the volumes.
        expect(rec.one(SERVICE, "mesh1-backend-service").inputs.taskSpec.placement).toEqual({ constraints: ["node.hostname==node-2"] });
    });
});
