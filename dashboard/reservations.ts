// Port reservations (the design document's "Port Reservation API"): a tenant's ports held before
// its stack file exists, through the same lock, ledger and host scan as `tenant new`, so two
// reservations (or a reservation and a `tenant new`) never get one port. A reservation is a
// ledger entry without a stack file; it lapses after its time unless `tenant new` (or the page's
// form) makes it a stack file, which then keeps the same ports (the ledger's are the tenant's own).
import type { Context } from "../tenants/context";
import { connect, requireProject } from "../tenants/context";
import { DEFAULT_MAX_RETRIES, DEFAULT_PORT_RANGES } from "../components/config";
import { PORT_KEYS, PortKey, tenantNameProblem } from "../components/naming";
import { findStackFile } from "../project/project";
import { PortExhaustedError } from "../ports/allocate";
import { expiresAt, MAX_TTL_MS, MIN_TTL_MS, readLedger, releaseEntries } from "../ports/ledger";
import { acquireLock, hostFiles } from "../ports/lock";
import { resolvePorts } from "../ports/resolve";
import { ApiError } from "./errors";

export const RESERVED_BY = "dashboard reservation";
export const DEFAULT_RESERVATION_TTL_MS = 60 * 60_000;

export interface Reservation {
    readonly tenant: string;
    readonly ports: Partial<Record<PortKey, number>>;
    readonly at: string;
    readonly expires: string;
}

/** `{tenant, services?, ttlSeconds?}`, checked field by field; a 400 names the field and what it takes. */
export function reservationRequest(body: unknown, defaultTtlMs: number): { tenant: string; services: PortKey[]; ttlMs: number } {
    if (typeof body !== "object" || body === null || Array.isArray(body))
        throw new ApiError(400, "bad_request", 'the body must be a JSON object: {"tenant": "name", "services"?: [...], "ttlSeconds"?: N}');
    const b = body as Record<string, unknown>;
    if (typeof b.tenant !== "string") throw new ApiError(400, "bad_request", "tenant: must be a string, the new tenant's name");
    const problem = tenantNameProblem(b.tenant);
    if (problem) throw new ApiError(400, "bad_tenant_name", `tenant "${b.tenant}": ${problem}`);
    let services: PortKey[] = [...PORT_KEYS];
    if (b.services !== undefined) {
        if (!Array.isArray(b.services) || b.services.length === 0 || b.services.some((s) => !(PORT_KEYS as readonly unknown[]).includes(s)))
            throw new ApiError(400, "bad_request", `services: must be a non-empty list of ${PORT_KEYS.join(", ")}`);
        services = b.services as PortKey[];
    }
    let ttlMs = defaultTtlMs;
    if (b.ttlSeconds !== undefined) {
        if (!Number.isInteger(b.ttlSeconds) || (b.ttlSeconds as number) * 1000 < MIN_TTL_MS || (b.ttlSeconds as number) * 1000 > MAX_TTL_MS)
            throw new ApiError(400, "bad_request", `ttlSeconds: must be a whole number from ${MIN_TTL_MS / 1000} to ${MAX_TTL_MS / 1000}`);
        ttlMs = (b.ttlSeconds as number) * 1000;
    }
    return { tenant: b.tenant, services, ttlMs };
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
        const removed = (await releaseEntries(files.ledger, tenant)).filter((e) => e.by === RESERVED_BY);
        if (removed.length === 0) throw new ApiError(404, "no_reservation", `no reservation for tenant ${tenant}`);
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
