// Two slots for a tenant served through the host's proxy: its backend, edge and frontend run
// in slot 1 or slot 2, each slot with its own container names, loopback ports and network. An
// update of any of them starts the whole tier in the other slot beside the one that serves
// (create-before-delete), and the old slot is deleted once the program is done; the proxy lists
// both frontends and uses the one that answers. Data services (postgres, redis, redis-http) are
// never duplicated. Pure: what the host runs comes in as `LiveAppContainer`s (docs/proxy.md, "Updates without downtime").
import { createHmac } from "crypto";
import type { TenantConfig } from "./config";
import { ALL_PORT_KEYS, AnyPortKey, PORT_KEYS, Slot } from "./naming";

/** The services a slot holds, and the one-shot job that runs with them. */
export const SLOT_SERVICES = ["backend", "edge", "frontend"] as const;
export type SlotService = (typeof SLOT_SERVICES)[number];
export const SLOT_JOB = "redis-token (job)";
/** What `planSlot` decides for: the three services and the job (the job's service name as docker/containers.ts reads it). */
export type SlotMember = SlotService | typeof SLOT_JOB;
export const SLOT_MEMBERS: readonly SlotMember[] = [...SLOT_SERVICES, SLOT_JOB];

/** Whether the tenant should have a second slot: served by the proxy, on one Docker host. */
export function slotsWanted(cfg: Pick<TenantConfig, "target" | "domains">): boolean {
    return cfg.target === "docker" && cfg.domains.length > 0;
}

type SlotKeys = Pick<TenantConfig, "target" | "domains" | "ports" | "encryptionKey">;

/**
 * Whether the tenant runs in slots: it wants them, its stack file pins the second frontend's
 * port, which the proxy reads to route to it (components/proxy/routes.ts), and its encryption key
 * (the revision's key, see `tierRevision`). `tenant new --force` writes both; without them its
 * updates stay delete-first, and `tenant check` says so.
 */
export function hasSlots(cfg: SlotKeys): boolean {
    return slotsWanted(cfg) && cfg.ports.frontend2 !== undefined && cfg.encryptionKey !== undefined;
}

/** The port keys a tenant gives host ports to: the second slot's once its stack file pins `frontend2`. */
export function tenantPortKeys(cfg: Pick<TenantConfig, "target" | "domains" | "ports">): readonly AnyPortKey[] {
    return slotsWanted(cfg) && cfg.ports.frontend2 !== undefined ? ALL_PORT_KEYS : PORT_KEYS;
}

/** One of the tenant's app containers (or its job) as the Docker host has it. */
export interface LiveAppContainer {
    readonly member: SlotMember;
    /** From its label; undefined for a container made before slots (named `-1`: it is slot 1). */
    readonly slot?: Slot;
    readonly revision?: string;
    readonly running: boolean;
    /** No health check counts as healthy. */
    readonly healthy: boolean;
    /** Creation time (ms): of two of one member, the newer is what the stack's state holds. */
    readonly created: number;
}

export interface SlotPlan {
    /** Where the tier is declared: the slot that serves now, or the other one for an update. */
    readonly slot: Slot;
    readonly revision: string;
    /**
     * Per member: replace it delete-first, because a container of it already occupies the slot
     * (the stack's own, from a failed update, or one made before slots). Otherwise a replacement
     * is create-before-delete: the old one serves until the program is done.
     */
    readonly deleteFirst: Readonly<Record<SlotMember, boolean>>;
    /** Why, in a sentence for `pulumi up`'s log. */
    readonly reason: string;
}

const other = (s: Slot): Slot => (s === 1 ? 2 : 1);

/**
 * Where to declare the tier for `revision`, from what runs:
 *   - a slot whose three services all run, healthy, at `revision`: there (nothing changes); for a
 *     suspended tenant (its containers are never started), a slot whose three are at `revision`;
 *   - containers made before slots: slot 1, where they are (their names), replaced delete-first once;
 *   - a member with a container in both slots (an update that failed or was interrupted left the
 *     old ones, pending deletion): the slot of the newer ones, so that the old ones keep serving
 *     until the deletes after the program;
 *   - otherwise the other slot than the frontend's (slot 1 for a new tenant).
 * In the chosen slot a member that already has a container there is replaced delete-first, should
 * it be replaced at all: creating first would collide with its name and ports.
 */
export function planSlot(live: readonly LiveAppContainer[], revision: string, opts: { suspended?: boolean } = {}): SlotPlan {
    const slotOf = (c: LiveAppContainer): Slot => c.slot ?? 1;
    const inSlot = (s: Slot, m: SlotMember) => live.filter((c) => c.member === m && slotOf(c) === s);
    const legacy = live.some((c) => c.slot === undefined);
    const decide = (slot: Slot, reason: string): SlotPlan => ({
        slot,
        revision,
        reason,
        deleteFirst: Object.fromEntries(SLOT_MEMBERS.map((m) => [m, legacy || inSlot(slot, m).length > 0])) as Record<SlotMember, boolean>,
    });
    const current = ([1, 2] as Slot[]).find((s) =>
        SLOT_SERVICES.every((m) => inSlot(s, m).some((c) => c.revision === revision && (opts.suspended || (c.running && c.healthy)))),
    );
    if (legacy) return decide(1, "containers made before slots: replaced delete-first, once, in slot 1");
    if (current !== undefined) return decide(current, `slot ${current} runs revision ${revision}`);
    const doubled = SLOT_MEMBERS.filter((m) => inSlot(1, m).length > 0 && inSlot(2, m).length > 0);
    if (doubled.length > 0) {
        const slot: Slot = newest(inSlot(1, doubled[0])) > newest(inSlot(2, doubled[0])) ? 1 : 2;
        return decide(
            slot,
            `slot ${other(slot)} still holds what an unfinished update left (${doubled.join(", ")}); finishing in slot ${slot}`,
        );
    }
    const from = live.find((c) => c.member === "frontend" && c.running) ?? live.find((c) => c.member === "frontend") ?? live[0];
    if (!from) return decide(1, "a new tier in slot 1");
    const slot = other(slotOf(from));
    return decide(slot, `revision ${revision} starts in slot ${slot} beside slot ${other(slot)}`);
}

function newest(cs: readonly LiveAppContainer[]): number {
    return Math.max(...cs.map((c) => c.created));
}

/**
 * The tier's revision: an HMAC of everything the program declares for its containers and job
 * that a replacement follows (all but their slot's names, ports and network, and what updates in
 * place), keyed with the tenant's encryption key so that the label says nothing about the
 * credentials in it. Equal revisions: nothing to replace; any other: a new tier.
 */
export function tierRevision(declared: unknown, key: string): string {
    return createHmac("sha256", key).update(canonicalJson(declared)).digest("hex").slice(0, 16);
}

/** JSON with object keys sorted, so that the revision does not depend on key order. */
export function canonicalJson(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
    if (v !== null && typeof v === "object")
        return `{${Object.keys(v)
            .sort()
            .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
            .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
            .join(",")}}`;
    return JSON.stringify(v);
}
