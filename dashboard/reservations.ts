// Port reservations (the design document's "Port Reservation API"): a tenant's ports held before
// its stack file exists, through the same lock, ledger and host scan as `tenant new`, so two
// reservations (or a reservation and a `tenant new`) never get one port. A reservation is a
// ledger entry without a stack file; it lapses after its time unless `tenant new` (or the page's
// form) makes it a stack file, which then keeps the same ports (the ledger's are the tenant's own).
//
// The ledger is shared with every allocator of the host (`tenant new` in any checkout, `pulumi
// up`), so a reservation touches only reservations: it creates, extends or releases them, and a
// request that would replace or remove anything else (an allocation in progress, another
// checkout's pins) is refused with 409, naming the holder, leaving the ledger as it was.
import type { Context } from "../tenants/context";
import { connect, requireProject } from "../tenants/context";
import { DEFAULT_MAX_RETRIES, DEFAULT_PORT_RANGES } from "../components/config";
import { PORT_KEYS, PortKey } from "../components/naming";
import { oneOf, tenantArg } from "../tenants/checks";
import { list, readBody, text, whole } from "./fields";
import { findStackFile } from "../project/project";
import { PortExhaustedError } from "../ports/allocate";
import { expiresAt, LedgerEntry, MAX_TTL_MS, MIN_TTL_MS, readLedger, releaseEntries } from "../ports/ledger";
import { acquireLock, hostFiles } from "../ports/lock";
import { resolvePorts } from "../ports/resolve";
import { ApiError } from "./errors";

export const RESERVED_BY = "dashboard reservation";
export const DEFAULT_RESERVATION_TTL_MS = 60 * 60_000;

/** A ledger entry this API made: a reservation, not an allocation of `tenant new` or `pulumi up`. */
export function isReservation(e: LedgerEntry): boolean {
    return e.by === RESERVED_BY && e.file === undefined;
}

/** Who holds `e`'s ports, for a 409: `tenant new (/other/checkout/Pulumi.t.yaml, since ...)`. */
function holderOf(e: LedgerEntry): string {
    return `${e.by} (${e.file ?? "no stack file yet"}, since ${new Date(e.at).toISOString()})`;
}

/** The tenant's ledger entries that are not reservations: a reservation must leave them alone. */
async function othersHolding(ledger: string, tenant: string): Promise<LedgerEntry[]> {
    return (await readLedger(ledger)).filter((e) => e.tenant === tenant && !isReservation(e));
}

export interface Reservation {
    readonly tenant: string;
    readonly ports: Partial<Record<PortKey, number>>;
    readonly at: string;
    readonly expires: string;
}

const RESERVATION = {
    tenant: text(tenantArg, "the new tenant's name", { required: true, code: "bad_tenant_name" }),
    services: list(oneOf(PORT_KEYS), `services whose ports to answer with: ${PORT_KEYS.join(", ")}`, { nonEmpty: true }),
    ttlSeconds: whole(MIN_TTL_MS / 1000, MAX_TTL_MS / 1000, "how long the ports are held, default 3600"),
};

/** `{tenant, services?, ttlSeconds?}`, checked field by field; a 400 names the field and what it takes. */
export function reservationRequest(body: unknown, defaultTtlMs: number): { tenant: string; services: PortKey[]; ttlMs: number } {
    const r = readBody(body, RESERVATION);
    return {
        tenant: r.tenant,
        services: r.services ?? [...PORT_KEYS],
        ttlMs: r.ttlSeconds === undefined ? defaultTtlMs : r.ttlSeconds * 1000,
    };
}

export async function reserve(ctx: Context, req: { tenant: string; services: readonly PortKey[]; ttlMs: number }): Promise<Reservation> {
    const projectDir = requireProject(ctx);
    const existing = await findStackFile(projectDir, req.tenant);
    if (existing) throw new ApiError(409, "tenant_exists", `tenant ${req.tenant} already has ${existing.file}: its ports are pinned there`);
    const engine = await connect(ctx);
    try {
        // A whole tenant's ports are held (its stack needs all four); `services` narrows the answer.
        const r = await resolvePorts({
            tenant: req.tenant,
            dockerHost: engine.host,
            docker: engine.docker,
            projectDir,
            ranges: DEFAULT_PORT_RANGES,
            maxRetries: DEFAULT_MAX_RETRIES,
            bindAddress: "0.0.0.0",
            by: RESERVED_BY,
            procRoot: ctx.procRoot,
            bindCheck: ctx.bindCheck,
            lockDir: ctx.lockDir,
            ttlMs: req.ttlMs,
            // Under the lock, before the ledger is written: only a reservation may be replaced.
            commit: async (_ports, state) => {
                const held = await othersHolding(hostFiles(engine.host, ctx.lockDir).ledger, req.tenant);
                if (held.length > 0)
                    throw new ApiError(
                        409,
                        "held",
                        `tenant ${req.tenant}'s ports are held by ${held.map(holderOf).join(" and ")}; a reservation may only create, extend or release reservations`,
                    );
                const running = state.containers.filter((c) => c.tenant === req.tenant);
                if (running.length > 0)
                    throw new ApiError(
                        409,
                        "tenant_exists",
                        `tenant ${req.tenant} already has containers on ${engine.host} (${running.map((c) => c.name).join(", ")}): its ports are its containers'`,
                    );
                return undefined;
            },
        });
        const at = Date.now();
        return {
            tenant: req.tenant,
            ports: Object.fromEntries(req.services.map((k) => [k, r.ports[k]])),
            at: new Date(at).toISOString(),
            expires: new Date(at + req.ttlMs).toISOString(),
        };
    } catch (e) {
        if (e instanceof PortExhaustedError) throw new ApiError(409, "range_full", e.message);
        throw e;
    }
}

/** The reservations in force on the project's Docker host (ledger entries no stack file backs). */
export async function reservations(ctx: Context): Promise<Reservation[]> {
    const engine = await connect(ctx);
    const entries = await readLedger(hostFiles(engine.host, ctx.lockDir).ledger);
    return entries
        .filter((e) => e.file === undefined && e.by === RESERVED_BY)
        .map((e) => ({
            tenant: e.tenant,
            ports: e.ports,
            at: new Date(e.at).toISOString(),
            expires: new Date(expiresAt(e)!).toISOString(),
        }))
        .sort((a, b) => a.tenant.localeCompare(b.tenant));
}

export async function release(ctx: Context, tenant: string): Promise<Reservation[]> {
    const engine = await connect(ctx);
    const files = hostFiles(engine.host, ctx.lockDir);
    const unlock = await acquireLock(files.lock, { what: `releasing the reservation of ${tenant}` });
    try {
        const removed = await releaseEntries(files.ledger, tenant, isReservation);
        if (removed.length === 0) {
            const held = await othersHolding(files.ledger, tenant);
            if (held.length > 0)
                throw new ApiError(
                    409,
                    "not_a_reservation",
                    `tenant ${tenant} has no reservation; its ports are held by ${held.map(holderOf).join(" and ")}, which a reservation may not release`,
                );
            throw new ApiError(404, "no_reservation", `no reservation for tenant ${tenant}`);
        }
        return removed.map((e) => ({
            tenant: e.tenant,
            ports: e.ports,
            at: new Date(e.at).toISOString(),
            expires: new Date(expiresAt(e)!).toISOString(),
        }));
    } finally {
        await unlock();
    }
}
