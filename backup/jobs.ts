// One tenant's backup and one tenant's restore, from the command line's point of view: open the
// tenant, stage its data privately on this machine, hand it to restic (or back), clean up.
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import packageJson from "../package.json";
import type { Context } from "../tenants/context";
import { isUnknown, openTenantData, OpenTenant, unknownTenant } from "../tenants/open";
import { captureTenant } from "./capture";
import { Restic, resticTarget, tenantOfSnapshot, tenantTag } from "./restic";

const TOOL_VERSION: string = packageJson.version;

export function resticFor(ctx: Context): Restic {
    return new Restic(resticTarget(ctx.env, ctx.lockDir));
}

/** A directory only this user can read (mkdtemp makes it 0700), removed however `fn` ends. */
export async function withStaging<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "frontbase-backup-"));
    try {
        return await fn(dir);
    } finally {
        await fs.rm(dir, { recursive: true, force: true });
    }
}

/** Step lines on a terminal; a scheduled run prints only each tenant's result. */
export function steps(ctx: Context): (line: string) => void {
    return ctx.terminal.interactive ? (line) => ctx.io.err(line) : () => undefined;
}

export interface LastBackups {
    /** Tenant -> ISO time of its newest snapshot. */
    readonly last: Readonly<Record<string, string>>;
    /** Why there is no answer (no repository, no password, no restic), else undefined. */
    readonly problem?: string;
}

/** Each tenant's newest snapshot, from one `restic snapshots`; never throws (the dashboard and alerts show the problem). */
export async function readLastBackups(ctx: Context): Promise<LastBackups> {
    try {
        const restic = resticFor(ctx);
        await restic.open("existing");
        const last: Record<string, string> = {};
        for (const s of await restic.snapshots()) last[tenantOfSnapshot(s)!] = s.time;
        return { last };
    } catch (e) {
        return { last: {}, problem: (e as Error).message };
    }
}

export function mib(bytes: number): string {
    return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

export interface BackupDone {
    readonly snapshot: string;
    readonly files: number;
    readonly bytes: number;
    readonly added: number;
    readonly ms: number;
    /** Volume entries not copied (devices, FIFOs, sockets): `<service>/<path> (what it is)`. */
    readonly skipped: readonly string[];
}

/** A tenant with a stack file and nothing on its host yet: no data to back up, and no failure. */
export class NotDeployed extends Error {}

/** The tenant whose data a backup reads; an unknown one is refused before any repository is touched. */
export async function openForBackup(ctx: Context, tenant: string): Promise<OpenTenant> {
    const t = await openTenantData(ctx, tenant);
    if (isUnknown(t)) throw await unknownTenant(ctx, tenant, t.engine);
    return t;
}

export async function backupTenant(ctx: Context, restic: Restic, t: OpenTenant): Promise<BackupDone> {
    const started = ctx.now();
    const tenant = t.tenant;
    if (t.containers.length === 0 && t.volumes.length === 0)
        throw new NotDeployed(`not deployed on ${t.engine.host} (no container, no volume): nothing to back up`);
    return withStaging(async (dir) => {
        const m = await captureTenant(t, dir, {
            now: ctx.now,
            sleep: ctx.sleep,
            config: t.stack?.config ?? {},
            tool: TOOL_VERSION,
            say: steps(ctx),
        });
        let last = 0;
        const progress = ctx.terminal.interactive
            ? (p: { percent: number; filesDone: number; totalFiles: number; bytesDone: number; totalBytes: number }) => {
                  if (ctx.now() - last < 1000) return;
                  last = ctx.now();
                  ctx.io.err(
                      `${tenant}: ${Math.round(p.percent * 100)}% (${p.filesDone}/${p.totalFiles} files, ${mib(p.bytesDone)} of ${mib(p.totalBytes)})`,
                  );
              }
            : undefined;
        const s = await restic.backup(dir, [tenantTag(tenant), `frontbase-database=${m.database}`], progress);
        return {
            snapshot: s.snapshotId.slice(0, 8),
            files: m.files.length,
            bytes: s.totalBytes,
            added: s.dataAdded,
            ms: ctx.now() - started,
            skipped: Object.entries(m.skipped ?? {}).map(([rel, what]) => `${rel} (${what})`),
        };
    });
}
