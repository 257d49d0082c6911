// The retention policy of `backup --prune`: which snapshots restic keeps. Pure.
//
// Written as restic's own `forget --keep-*` options are named, so an operator who knows restic
// reads it at once: `daily=7,weekly=4,monthly=6`. Set per host with FRONTBASE_BACKUP_KEEP.

export const RETENTION_UNITS = ["last", "hourly", "daily", "weekly", "monthly", "yearly"] as const;
export type RetentionUnit = (typeof RETENTION_UNITS)[number];
export type Retention = Partial<Record<RetentionUnit, number>>;

export const DEFAULT_RETENTION = "daily=7,weekly=4,monthly=6";
export const RETENTION_ENV = "FRONTBASE_BACKUP_KEEP";

/** `daily=7,weekly=4` -> { daily: 7, weekly: 4 }; an error names the part and what is allowed. */
export function parseRetention(text: string, what = RETENTION_ENV): Retention {
    const out: Retention = {};
    const parts = text
        .split(",")
        .map((p) => p.trim())
        .filter((p) => p !== "");
    if (parts.length === 0)
        throw new Error(`${what}: is empty; expected for example ${DEFAULT_RETENTION} (units: ${RETENTION_UNITS.join(", ")})`);
    for (const part of parts) {
        const m = /^([a-z]+)=(\d{1,4})$/.exec(part);
        if (!m) throw new Error(`${what}: "${part}" is not UNIT=COUNT; expected for example ${DEFAULT_RETENTION}`);
        const unit = m[1] as RetentionUnit;
        if (!RETENTION_UNITS.includes(unit)) throw new Error(`${what}: unknown unit "${m[1]}"; allowed: ${RETENTION_UNITS.join(", ")}`);
        if (out[unit] !== undefined) throw new Error(`${what}: "${unit}" is given twice`);
        const count = Number(m[2]);
        if (count < 1) throw new Error(`${what}: ${unit} must keep at least 1 snapshot (got ${count})`);
        out[unit] = count;
    }
    return out;
}

/** restic's `forget` options for it: `--keep-daily 7 --keep-weekly 4 ...`, in restic's unit order. */
export function forgetArgs(r: Retention): string[] {
    return RETENTION_UNITS.flatMap((u) => (r[u] === undefined ? [] : [`--keep-${u}`, String(r[u])]));
}

export function describeRetention(r: Retention): string {
    return RETENTION_UNITS.filter((u) => r[u] !== undefined)
        .map((u) => `${r[u]} ${u}`)
        .join(", ");
}
