// `backups [tenant] [--max-age DURATION] [--json]`: a tenant's snapshots (time, size, what they
// hold), or, without a tenant, each tenant's last backup and its age, and its last restore drill
// (`drill`) and how it went: a monitoring check.
import { defineCommand } from "../command";
import { tenantArg } from "../args";
import { age, parseAge } from "../../tenants/checks";
import { table } from "../table";
import { stackFileTenants } from "../../project/project";
import { mib, resticFor } from "../../backup/jobs";
import { Snapshot, tenantOfSnapshot } from "../../backup/restic";
import { DrillRecord, lastDrills } from "../../monitor/drillLog";

export const STALE = 3;

export const command = defineCommand({
    name: "backups",
    summary: "list a tenant's snapshots, or every tenant's last backup and its age",
    readOnly: true,
    args: [{ name: "tenant", about: "this tenant's snapshots (default: each tenant's last)", optional: true, parse: tenantArg }],
    flags: {
        "max-age": {
            kind: "value",
            arg: "AGE",
            help: "like 90m, 26h or 2d",
            about: "exit 3 when a tenant's last backup is older, or missing",
            parse: parseAge,
        },
        json: { kind: "boolean", about: "print JSON" },
    },
    notes: "Exit 0: listed (and, with --max-age, every tenant's last backup is recent enough); 3: a tenant's is too old or missing; 1: the repository does not open.",
    async run({ args, flags }, ctx) {
        const restic = resticFor(ctx);
        await restic.open("existing");
        const all = await restic.snapshots(args.tenant);
        const now = ctx.now();
        if (args.tenant) {
            const rows = [];
            for (const s of all)
                rows.push({ id: s.short_id, time: s.time, host: s.hostname, tags: s.tags ?? [], ...(await restic.stats(s.id)) });
            if (flags.json) ctx.io.out(JSON.stringify(rows));
            else if (rows.length === 0) ctx.io.out(`no snapshots of ${args.tenant} in ${restic.target.repository}`);
            else
                ctx.io.out(
                    table(
                        ["SNAPSHOT", "TIME", "AGE", "SIZE", "FILES", "DATABASE", "HOST"],
                        rows.map((r) => [
                            r.id,
                            r.time.slice(0, 19).replace("T", " "),
                            age(now - Date.parse(r.time)),
                            mib(r.totalSize),
                            String(r.totalFiles),
                            databaseOf(r),
                            r.host,
                        ]),
                    ),
                );
            return stale(all, flags["max-age"], now) ? STALE : 0;
        }
        // The drill log is read as the lock directory's other files are; a refused one is said, not fatal.
        const drills = await lastDrills(ctx.lockDir).catch((e: Error) => {
            ctx.io.err(`the drill log cannot be read: ${e.message}`);
            return {} as Record<string, DrillRecord>;
        });
        const rows = lastBackupRows(await stackFileTenants(ctx.projectDir).catch(() => []), all, now).map((r) => ({
            ...r,
            lastDrill: drills[r.tenant]
                ? {
                      at: drills[r.tenant].at,
                      passed: drills[r.tenant].passed,
                      snapshot: drills[r.tenant].snapshot,
                      reason: drills[r.tenant].reason,
                      healthyMs: drills[r.tenant].healthyMs,
                  }
                : null,
        }));
        const tooOld = flags["max-age"] === undefined ? [] : rows.filter((r) => r.ageMs === null || r.ageMs > flags["max-age"]!);
        if (flags.json) ctx.io.out(JSON.stringify(rows));
        else
            ctx.io.out(
                table(
                    ["TENANT", "LAST BACKUP", "AGE", "SNAPSHOT", "LAST DRILL", "DRILL"],
                    rows.map((r) => [
                        r.tenant,
                        r.lastBackup?.slice(0, 19).replace("T", " ") ?? "never",
                        r.ageMs === null ? "-" : age(r.ageMs),
                        r.snapshot ?? "-",
                        r.lastDrill
                            ? `${r.lastDrill.at.slice(0, 19).replace("T", " ")} (${age(now - Date.parse(r.lastDrill.at))} ago)`
                            : "never",
                        r.lastDrill ? drillOutcome(r.lastDrill) : "-",
                    ]),
                ),
            );
        if (tooOld.length > 0)
            ctx.io.err(`last backup older than ${flags["max-age"]! / 3_600_000}h or missing: ${tooOld.map((r) => r.tenant).join(", ")}`);
        return tooOld.length > 0 ? STALE : 0;
    },
});

function drillOutcome(d: { passed: boolean; snapshot?: string; reason?: string; healthyMs?: number }): string {
    return d.passed
        ? `passed (${d.snapshot}, healthy in ${((d.healthyMs ?? 0) / 1000).toFixed(0)} s)`
        : `FAILED (${d.snapshot}): ${d.reason}`;
}

export interface LastBackupRow {
    readonly tenant: string;
    /** The newest snapshot's time (ISO 8601), or null: never backed up. */
    readonly lastBackup: string | null;
    readonly snapshot: string | null;
    readonly ageMs: number | null;
}

/** Each tenant (of the stack files, or of a snapshot) with its newest snapshot; one never backed up says so with nulls, as the API's lastBackup does. */
export function lastBackupRows(stackTenants: readonly string[], snapshots: readonly Snapshot[], now: number): LastBackupRow[] {
    const latest = new Map<string, Snapshot>();
    for (const s of snapshots) latest.set(tenantOfSnapshot(s)!, s);
    return [...new Set([...stackTenants, ...latest.keys()])].sort().map((tenant) => {
        const s = latest.get(tenant);
        return { tenant, lastBackup: s?.time ?? null, snapshot: s?.short_id ?? null, ageMs: s ? now - Date.parse(s.time) : null };
    });
}

function databaseOf(r: { tags: readonly string[] }): string {
    return r.tags.find((t) => t.startsWith("frontbase-database="))?.split("=")[1] ?? "?";
}

function stale(snapshots: readonly Snapshot[], maxAge: number | undefined, now: number): boolean {
    if (maxAge === undefined) return false;
    const last = snapshots.at(-1);
    return !last || now - Date.parse(last.time) > maxAge;
}
