// Each tenant's last backup for the tenants table: one `restic snapshots` at most a minute (the
// page polls every few seconds; restic reads the repository's index each time).
import type { Context } from "../tenants/context";
import { resticFor } from "../backup/jobs";
import { tenantOfSnapshot } from "../backup/restic";

export interface LastBackups {
    /** Tenant -> ISO time of its newest snapshot. */
    readonly last: Readonly<Record<string, string>>;
    /** Why there is no answer (no repository, no password, no restic), else undefined. */
    readonly problem?: string;
}

const TTL_MS = 60_000;

export function lastBackupsReader(ctx: Context): () => Promise<LastBackups> {
    let cached: { at: number; value: LastBackups } | undefined;
    return async () => {
        if (cached && ctx.now() - cached.at < TTL_MS) return cached.value;
        let value: LastBackups;
        try {
            const restic = resticFor(ctx);
            await restic.open(false);
            const last: Record<string, string> = {};
            for (const s of await restic.snapshots()) last[tenantOfSnapshot(s)!] = s.time;
            value = { last };
        } catch (e) {
            value = { last: {}, problem: (e as Error).message };
        }
        cached = { at: ctx.now(), value };
        return value;
    };
}
