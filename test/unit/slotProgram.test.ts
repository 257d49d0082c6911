// The stack program of a tenant with two slots on a stand-in Engine: it reads the app images'
// IDs and the tier's containers, then declares the tier where the plan says (components/slots.ts):
// slot 1 for a new tenant, the other slot for a new revision, and refuses a missing image.
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { allocatingResolver as resolverT, tenantProgram as programT } from "../../stacks/tenant";
import { installMocks, recorder, settle } from "../support/pulumiMocks";
import { FakeContainer, FakeEngine, fakeMachine, startFakeEngine } from "../support/fakeEngine";
import { CONTAINER, labelsOf } from "../support/tenantStackMocks";

const rec = recorder();
let tenantProgram: typeof programT;
let allocatingResolver: typeof resolverT;
const engines: FakeEngine[] = [];
const IMAGES = { "frontbase-backend:latest": "sha256:b1", "frontbase-edge:latest": "sha256:e1", "frontbase-frontend:latest": "sha256:f1" };
const PORTS = { backend: 8001, edge: 3003, frontend: 8081, redisHttp: 8082, backend2: 8011, edge2: 3013, frontend2: 8091 };
const KEY = "frontbase:encryptionKey";

const savedSecretKeys = process.env.PULUMI_CONFIG_SECRET_KEYS;
beforeAll(async () => {
    // How the language host tells the program which keys are secrets (stacks/tenant.ts readStackConfig).
    process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify([KEY]);
    await installMocks(rec, "acme");
    ({ tenantProgram, allocatingResolver } = await import("../../stacks/tenant"));
});
afterAll(async () => {
    if (savedSecretKeys === undefined) delete process.env.PULUMI_CONFIG_SECRET_KEYS;
    else process.env.PULUMI_CONFIG_SECRET_KEYS = savedSecretKeys;
    await Promise.all(engines.map((e) => e.close()));
});
beforeEach(() => rec.reset());

async function program(containers: FakeContainer[], images: Record<string, string> = IMAGES, ports: Record<string, number> = PORTS) {
    const engine = await startFakeEngine(containers, [], images);
    engines.push(engine);
    pulumi.runtime.setAllConfig(
        {
            "docker:host": engine.host,
            "frontbase:domains": '["acme.example.com"]',
            "frontbase:ports": JSON.stringify(ports),
            [KEY]: "C".repeat(43) + "=",
        },
        [KEY],
    );
    return settle(await tenantProgram(allocatingResolver(undefined, fakeMachine())));
}
const names = () =>
    rec
        .byType(CONTAINER)
        .map((r) => r.inputs.name as string)
        .filter((n) => /-(backend|edge|frontend)-\d$/.test(n))
        .sort();
const tier = (slot: string, revision: string): FakeContainer[] =>
    ["backend", "edge", "frontend"].map((service) => ({
        name: `acme_frontbase-${service}-${slot}`,
        state: "running",
        health: "healthy",
        labels: {
            "frontbase.tenant": "acme",
            "com.docker.compose.service": service,
            "frontbase.slot": slot,
            "frontbase.revision": revision,
        },
    }));

describe("the stack program of a tenant with two slots", () => {
    it("declares a new tenant's tier in slot 1, by image ID, labelled with its revision", async () => {
        const out = await program([]);
        expect(names()).toEqual(["acme_frontbase-backend-1", "acme_frontbase-edge-1", "acme_frontbase-frontend-1"]);
        const backend = rec.one(CONTAINER, "acme-backend-container").inputs;
        expect(backend.image).toBe("sha256:b1");
        expect(labelsOf(backend)["frontbase.revision"]).toMatch(/^[0-9a-f]{16}$/);
        expect(out.ports).toEqual(PORTS);
    });

    it("keeps the tier where it runs at the revision it declares; a new image moves it to the other slot", async () => {
        await program([]);
        const revision = labelsOf(rec.one(CONTAINER, "acme-backend-container").inputs)["frontbase.revision"];
        rec.reset();
        await program(tier("2", revision));
        expect(names()).toEqual(["acme_frontbase-backend-2", "acme_frontbase-edge-2", "acme_frontbase-frontend-2"]);
        rec.reset();
        await program(tier("2", revision), { ...IMAGES, "frontbase-backend:latest": "sha256:b2" });
        expect(names()).toEqual(["acme_frontbase-backend-1", "acme_frontbase-edge-1", "acme_frontbase-frontend-1"]);
        expect(rec.one(CONTAINER, "acme-backend-container").inputs.image).toBe("sha256:b2");
    });

    it("refuses an app image missing on the Docker host, naming it and the build command, before declaring anything", async () => {
        const { ["frontbase-edge:latest"]: _, ...noEdge } = IMAGES;
        await expect(program([], noEdge)).rejects.toThrow(
            /image frontbase-edge:latest \(frontbase:images\.edge\) is not on the Docker host .*build-frontbase-images\.sh/,
        );
        expect(rec.byType(CONTAINER)).toEqual([]);
    });

    it("without the second frontend pinned: one slot, delete-first, and a warning saying how to pin it", async () => {
        const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
        try {
            const { backend2: _b, edge2: _e, frontend2: _f, ...four } = PORTS;
            await program([], IMAGES, four);
            expect(names()).toEqual(["acme_frontbase-backend-1", "acme_frontbase-edge-1", "acme_frontbase-frontend-1"]);
            expect(labelsOf(rec.one(CONTAINER, "acme-backend-container").inputs)["frontbase.slot"]).toBeUndefined();
            expect(warn.mock.calls.map((c) => String(c[0])).join("\n")).toContain(
                "`npm run tenant -- new acme --force` pins the second slot",
            );
        } finally {
            warn.mockRestore();
        }
    });
});
