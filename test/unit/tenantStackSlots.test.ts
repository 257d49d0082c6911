// What TenantStack declares for a tenant with two slots (components/slots.ts), under Pulumi
// mocks: the tier in the plan's slot (names, second-slot ports, its own network, labels), the
// replacement order the plan asks for, the data services as before, the images by ID.
import { describe, expect, it } from "vitest";
import { parseTenantConfig, TenantConfig } from "../../components/config";
import { SLOT_JOB, SlotPlan } from "../../components/slots";
import { valueOf } from "../support/pulumiMocks";
import { CONTAINER, labelsOf, mockedTenantStack, NETWORK, PORTS } from "../support/tenantStackMocks";

const { rec, TenantStack: loaded } = mockedTenantStack();
const SLOT_PORTS = { ...PORTS, backend2: 8011, edge2: 3013, frontend2: 8091 };
const IDS = { backend: "sha256:b", edge: "sha256:e", frontend: "sha256:f" };

function config(): TenantConfig {
    return parseTenantConfig(
        {
            "frontbase:domains": '["acme.example.com"]',
            "frontbase:ports": JSON.stringify(SLOT_PORTS),
            "frontbase:encryptionKey": "A".repeat(43) + "=",
        },
        { stack: "acme", secretKeys: new Set(["frontbase:encryptionKey"]) },
    );
}

async function deploy(plan: SlotPlan) {
    const cfg = config();
    const t = new (loaded())(
        cfg.tenant,
        { config: cfg, ports: SLOT_PORTS, slots: { plan, imageIds: IDS } },
        { transformations: [rec.transformation] },
    );
    await Promise.all(Object.values(t.containers).map((c) => valueOf(c!.id)));
    return t;
}
const plan = (slot: 1 | 2, deleteFirst: boolean): SlotPlan => ({
    slot,
    revision: "0123456789abcdef",
    reason: "test",
    deleteFirst: { backend: deleteFirst, edge: deleteFirst, frontend: deleteFirst, [SLOT_JOB]: deleteFirst },
});
const inputs = (what: string) => rec.one(CONTAINER, `acme-${what}`).inputs;
const networks = (what: string) =>
    (inputs(what).networksAdvanced as { name: string; aliases?: string[] }[]).map((n) => [n.name, n.aliases]);

describe("TenantStack with two slots", () => {
    it("declares the tier in slot 2 with the second slot's names, ports and network; the data services stay as they are", async () => {
        const t = await deploy(plan(2, false));
        expect(
            rec
                .byType(CONTAINER)
                .map((r) => r.inputs.name)
                .sort(),
        ).toEqual([
            "acme_frontbase-backend-2",
            "acme_frontbase-edge-2",
            "acme_frontbase-frontend-2",
            "acme_frontbase-redis-1",
            "acme_frontbase-redis-http-1",
            "acme_frontbase-redis-token-job-2",
        ]);
        expect(rec.byType(NETWORK).map((r) => r.inputs.name)).toEqual([
            "acme_frontbase_frontbase",
            "acme_frontbase_slot1",
            "acme_frontbase_slot2",
        ]);
        expect(inputs("backend-container").ports).toEqual([{ internal: 8000, external: 8011, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(inputs("frontend-container").ports).toEqual([{ internal: 80, external: 8091, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(inputs("redis-http-container").ports).toEqual([{ internal: 80, external: 8082, ip: "127.0.0.1", protocol: "tcp" }]);
        // nginx resolves backend and edge on its slot's network only; backend and edge reach postgres and redis-http on the tenant's.
        expect(networks("frontend-container")).toEqual([["acme_frontbase_slot2", ["frontend"]]]);
        expect(networks("backend-container")).toEqual([
            ["acme_frontbase_frontbase", undefined],
            ["acme_frontbase_slot2", ["backend"]],
        ]);
        expect(networks("redis-token-job")).toEqual([["acme_frontbase_slot2", undefined]]);
        expect(networks("redis-http-container")).toEqual([["acme_frontbase_frontbase", ["redis-http"]]]);
        expect(labelsOf(inputs("edge-container"))).toMatchObject({ "frontbase.slot": "2", "frontbase.revision": "0123456789abcdef" });
        expect(inputs("edge-container").image).toBe("sha256:e");
        expect(inputs("redis-token-job").image).toBe("sha256:b");
        expect(t.urls.backend).toBe("http://localhost:8011");
    });

    it("replaces the tier create-first when the plan says so, the data services always delete-first", async () => {
        await deploy(plan(2, false));
        const first = (what: string) => rec.optionsOf(CONTAINER, `acme-${what}`).deleteBeforeReplace;
        expect(["backend-container", "edge-container", "frontend-container", "redis-token-job"].map(first)).toEqual([
            false,
            false,
            false,
            false,
        ]);
        expect(["redis-container", "redis-http-container"].map(first)).toEqual([true, true]);
        expect(rec.optionsOf(CONTAINER, "acme-frontend-container").dependsOn).toContain("acme-slot2-network");
    });

    it("declares slot 1 under the names containers had before slots, delete-first when the plan says so", async () => {
        await deploy(plan(1, true));
        expect(inputs("backend-container").name).toBe("acme_frontbase-backend-1");
        expect(inputs("frontend-container").ports).toEqual([{ internal: 80, external: 8081, ip: "127.0.0.1", protocol: "tcp" }]);
        expect(rec.optionsOf(CONTAINER, "acme-backend-container").deleteBeforeReplace).toBe(true);
    });
});
