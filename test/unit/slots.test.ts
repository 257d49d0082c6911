// Where a tenant with two slots declares its app tier (components/slots.ts), table by table:
// nothing changed, an update, an update that failed or was interrupted, containers made before
// slots; and the revision that decides "changed".
import { describe, expect, it } from "vitest";
import { parseTenantConfig } from "../../components/config";
import { ALL_PORT_KEYS, PORT_KEYS } from "../../components/naming";
import { tenantServices } from "../../components/services";
import { declaredTier } from "../../components/slotContainers";
import { hasSlots, LiveAppContainer, planSlot, SLOT_JOB, SlotMember, tenantPortKeys, tierRevision } from "../../components/slots";

const R = "rev-new";
const tier = (slot: 1 | 2 | undefined, revision: string, at: number, over: Partial<LiveAppContainer> = {}): LiveAppContainer[] =>
    (["backend", "edge", "frontend", SLOT_JOB] as SlotMember[]).map((member) => ({
        member,
        slot,
        revision,
        running: member !== SLOT_JOB,
        healthy: true,
        created: at,
        ...over,
    }));
const all = (deleteFirst: boolean) => ({
    backend: deleteFirst,
    edge: deleteFirst,
    frontend: deleteFirst,
    [SLOT_JOB]: deleteFirst,
});

describe("planSlot", () => {
    it("puts a new tenant's tier in slot 1", () => {
        expect(planSlot([], R)).toMatchObject({ slot: 1, revision: R, deleteFirst: all(false) });
    });
    it("keeps a tier that runs, healthy, at the revision where it is: nothing to replace (delete-first, should the engine replace anyway)", () => {
        for (const slot of [1, 2] as const) expect(planSlot(tier(slot, R, 1), R)).toMatchObject({ slot, deleteFirst: all(true) });
    });
    it("starts a new revision in the other slot, create-first: the serving slot is untouched", () => {
        expect(planSlot(tier(1, "old", 1), R)).toMatchObject({ slot: 2, deleteFirst: all(false) });
        expect(planSlot(tier(2, "old", 1), R)).toMatchObject({ slot: 1, deleteFirst: all(false) });
    });
    it("moves a tier that does not run, or is unhealthy, to the other slot even at the same revision", () => {
        expect(planSlot(tier(1, R, 1, { running: false }), R).slot).toBe(2);
        expect(planSlot(tier(2, R, 1, { healthy: false }), R).slot).toBe(1);
    });
    it("after a failed update (slot 2 has the newer, broken backend; slot 1 still serves): finishes in slot 2, where only the backend goes first", () => {
        const failed: LiveAppContainer = { member: "backend", slot: 2, revision: "bad", running: true, healthy: false, created: 9 };
        const plan = planSlot([...tier(1, "old", 1), failed], R);
        expect(plan).toMatchObject({ slot: 2, deleteFirst: { backend: true, edge: false, frontend: false, [SLOT_JOB]: false } });
        expect(plan.reason).toMatch(/unfinished update left \(backend\)/);
    });
    it("after an interrupted update (both tiers complete, slot 1 newer): a new revision replaces slot 1's delete-first; slot 2's old tier serves meanwhile", () => {
        const plan = planSlot([...tier(2, "old", 1), ...tier(1, "mid", 5)], R);
        expect(plan).toMatchObject({ slot: 1, deleteFirst: all(true) });
    });
    it("after an interrupted update at the revision asked for: nothing to replace, the leftovers go with the deletes after the program", () => {
        expect(planSlot([...tier(2, "old", 1), ...tier(1, R, 5)], R).slot).toBe(1);
    });
    it("replaces containers made before slots delete-first, once, in slot 1 (their names)", () => {
        expect(planSlot(tier(undefined, "", 1), R)).toMatchObject({ slot: 1, deleteFirst: all(true) });
    });
});

describe("which tenants have two slots", () => {
    const cfg = (raw: Record<string, string>) =>
        parseTenantConfig(raw, { stack: "acme", secretKeys: new Set(["frontbase:encryptionKey"]) });
    const key = { "frontbase:encryptionKey": "A".repeat(43) + "=" };
    const domains = { "frontbase:domains": '["acme.example.com"]' };
    const pinned = { "frontbase:ports": '{"frontend":8081,"frontend2":8091}' };
    it("a tenant with domains, its second frontend pinned and its key in the stack file", () => {
        expect(hasSlots(cfg({ ...domains, ...pinned, ...key }))).toBe(true);
        expect(tenantPortKeys(cfg({ ...domains, ...pinned }))).toEqual(ALL_PORT_KEYS);
    });
    it("not without domains, without the pin, or without the key (its updates stay delete-first)", () => {
        expect(hasSlots(cfg({ ...pinned, ...key }))).toBe(false);
        expect(hasSlots(cfg({ ...domains, ...key }))).toBe(false);
        expect(hasSlots(cfg({ ...domains, ...pinned }))).toBe(false);
        expect(tenantPortKeys(cfg({ ...domains }))).toEqual(PORT_KEYS);
    });
});

describe("the tier's revision", () => {
    const raw = {
        "frontbase:domains": '["acme.example.com"]',
        "frontbase:ports": '{"backend":8001,"edge":3003,"frontend":8081,"redisHttp":8082,"backend2":8011,"edge2":3013,"frontend2":8091}',
        "frontbase:adminPassword": "correct horse battery",
        "frontbase:encryptionKey": "B".repeat(43) + "=",
    };
    const secretKeys = new Set(["frontbase:adminPassword", "frontbase:encryptionKey"]);
    const images = { backend: "sha256:b1", edge: "sha256:e1", frontend: "sha256:f1" };
    const revisionOf = (over: Record<string, string> = {}, ids = images) => {
        const cfg = parseTenantConfig({ ...raw, ...over }, { stack: "acme", secretKeys });
        return tierRevision(declaredTier(cfg, cfg.ports as never, tenantServices(cfg, cfg.ports as never), ids), cfg.encryptionKey!);
    };
    it("is stable for the same declaration, and 16 hex digits", () => {
        expect(revisionOf()).toBe(revisionOf());
        expect(revisionOf()).toMatch(/^[0-9a-f]{16}$/);
    });
    it("changes with what replaces a container: an image, a credential, a health check interval, a second slot's port", () => {
        const base = revisionOf();
        expect(revisionOf({}, { ...images, backend: "sha256:b2" })).not.toBe(base);
        expect(revisionOf({ "frontbase:adminPassword": "another long password" })).not.toBe(base);
        expect(revisionOf({ "frontbase:healthInterval": "2" })).not.toBe(base);
        expect(revisionOf({ "frontbase:ports": raw["frontbase:ports"].replace("8011", "8012") })).not.toBe(base);
    });
    it("does not change with what updates in place (memory)", () => {
        expect(revisionOf({ "frontbase:memory": '{"backend":600}' })).toBe(revisionOf());
    });
    it("is keyed with the tenant's encryption key: the declaration holds credentials, the label only an HMAC of it", () => {
        const cfg = parseTenantConfig(raw, { stack: "acme", secretKeys });
        const declared = declaredTier(cfg, cfg.ports as never, tenantServices(cfg, cfg.ports as never), images);
        expect(tierRevision(declared, "another key")).not.toBe(tierRevision(declared, cfg.encryptionKey!));
        expect(JSON.stringify(declared)).toContain("correct horse battery");
    });
});
