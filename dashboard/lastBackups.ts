// Each tenant's last backup for the tenants table: one `restic snapshots` at most a minute (the
// page polls every few seconds; restic reads the repository's index each time).
import type { Context } from "../tenants/context";
import { LastBackups, readLastBackups } from "../backup/jobs";

export type { LastBackups } from "../backup/jobs";

const TTL_MS = 60_000;

export function lastBackupsReader(ctx: Context): () => Promise<LastBackups> {
    let cached: { at: number; value: LastBackups } | undefined;
    return async () => {
        if (cached && ctx.now() - cached.at < TTL_MS) return cached.value;
        const value: LastBackups = await readLastBackups(ctx);
        cached = { at: ctx.now(), value };
        return value;
    };
}
