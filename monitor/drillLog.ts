// Every restore drill's result, one JSON line each, appended to `drills.log` in the lock directory
// (project/appendLog.ts): what `backups` shows as each tenant's last drill and `alerts` judges.
import * as path from "path";
import { appendRecord, readRecords } from "../project/appendLog";

export interface DrillRecord {
    /** When the drill ended (ISO). */
    readonly at: string;
    /** The tenant whose snapshot was drilled. */
    readonly tenant: string;
    readonly snapshot?: string;
    /** The temporary tenant it was restored into. */
    readonly drillTenant: string;
    readonly passed: boolean;
    /** Why it failed: the step and what it said. */
    readonly reason?: string;
    /** From the start of the deploy to every service healthy (ms). */
    readonly healthyMs?: number;
    /** How many variables the restored tenant's API read back. */
    readonly variables?: number;
    /** The whole drill, clean-up included (ms). */
    readonly totalMs: number;
}

export function drillLogFile(lockDir: string): string {
    return path.join(lockDir, "drills.log");
}

export function recordDrill(lockDir: string, r: DrillRecord): Promise<void> {
    return appendRecord(drillLogFile(lockDir), r);
}

/** Each tenant's last drill. */
export async function lastDrills(lockDir: string): Promise<Record<string, DrillRecord>> {
    const { records } = await readRecords<DrillRecord>(drillLogFile(lockDir));
    const last: Record<string, DrillRecord> = {};
    for (const r of records)
        if (typeof r.tenant === "string" && typeof r.at === "string" && typeof r.passed === "boolean") last[r.tenant] = r;
    return last;
}
