// One tenant's backup and one tenant's restore, from the command line's point of view: open the
// tenant, stage its data privately on this machine, hand it to restic (or back), clean up.
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import packageJson from "../package.json";
import { DEFAULT_IMAGES } from "../components/config";
import type { Context } from "../tenants/context";
import { newTenant } from "../tenants/newTenant";
import { isUnknown, openTenantData, OpenTenant, unknownTenant } from "../tenants/open";
import { captureTenant, hashOf } from "./capture";
import { decryptStackSecrets, setStackSecret } from "../project/stackSecrets";
import { Manifest, MANIFEST_FILE, parseManifest, SECRET_FILES, verifyFiles } from "./manifest";
import { Restic, resticTarget, Snapshot, tenantOfSnapshot, tenantTag } from "./restic";
import { checkNewerData, restoreInto } from "./restore";

const TOOL_VERSION: string = packageJson.version;

export function resticFor(ctx: Context): Restic {
    return new Restic(resticTarget(ctx.env, ctx.lockDir));
}

/** A directory only this user can read (mkdtemp makes it 0700), removed however `fn` ends. */
async function withStaging<T>(fn: (dir: string) => Promise<T>): Promise<T> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "frontbase-backup-"));
    try {
        return await fn(dir);
    } finally {
        await fs.rm(dir, { recursive: true, force: true });
    }
}

/** Step lines on a terminal; a scheduled run prints only each tenant's result. */
function steps(ctx: Context): (line: string) => void {
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
        await restic.open(false);
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
}

/** A tenant with a stack file and nothing on its host yet: no data to back up, and no failure. */
export class NotDeployed extends Error {}

export async function backupTenant(ctx: Context, restic: Restic, tenant: string): Promise<BackupDone> {
    const started = ctx.now();
    const t = await openTenantData(ctx, tenant);
    if (isUnknown(t)) throw await unknownTenant(ctx, tenant, t.engine);
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
        };
    });
}

/** The snapshot to restore: the given one (which must be the tenant's), else the tenant's latest. */
export async function pickSnapshot(restic: Restic, tenant: string, wanted?: string): Promise<Snapshot> {
    const all = await restic.snapshots(tenant);
    if (wanted === undefined) {
        const latest = all.at(-1);
        if (!latest)
            throw new Error(
                `no snapshot of tenant "${tenant}" in ${restic.target.repository} (back it up with npm run tenant -- backup ${tenant})`,
            );
        return latest;
    }
    const found = all.filter((s) => s.id.startsWith(wanted) || s.short_id === wanted);
    if (found.length === 1) return found[0];
    if (found.length > 1)
        throw new Error(`snapshot "${wanted}" is ambiguous: ${found.map((s) => s.short_id).join(", ")}; give more of its ID`);
    const other = (await restic.snapshots()).find((s) => s.id.startsWith(wanted));
    if (other)
        throw new Error(
            `snapshot ${other.short_id} is not tenant "${tenant}"'s (its tags: ${(other.tags ?? []).join(", ")}); list this tenant's with npm run tenant -- backups ${tenant}`,
        );
    throw new Error(
        `no snapshot "${wanted}" of tenant "${tenant}" in ${restic.target.repository}; its snapshots: ${all.map((s) => s.short_id).join(", ") || "none"}`,
    );
}

/** Restic's tree of a snapshot under `dir`, checked against its manifest. */
export async function fetchVerified(restic: Restic, s: Snapshot, dir: string): Promise<{ root: string; manifest: Manifest }> {
    await restic.restore(s.id, dir);
    // restic 0.14 restores a `.` backup's contents at the target; others recreate its absolute path there.
    const roots = [dir, path.join(dir, s.paths[0] ?? "")];
    let root = "";
    let text: string | undefined;
    for (const r of roots) {
        text = await fs.readFile(path.join(r, MANIFEST_FILE), "utf8").catch(() => undefined);
        if (text !== undefined) {
            root = r;
            break;
        }
    }
    if (text === undefined)
        throw new Error(`snapshot ${s.short_id} has no ${MANIFEST_FILE}: it is not a frontbase-tenants backup, or it is damaged`);
    const manifest = parseManifest(text, s.short_id);
    const found = new Map<string, { size: number; sha256: string }>();
    for (const f of manifest.files) {
        const h = await hashOf(path.join(root, f.path)).catch(() => undefined);
        if (h) found.set(f.path, h);
    }
    const problems = verifyFiles(manifest, found);
    if (problems.length > 0)
        throw new Error(`snapshot ${s.short_id} is corrupted; nothing was changed: ${problems.slice(0, 5).join("; ")}`);
    return { root, manifest };
}

export interface RestoreRequest {
    readonly snapshot?: string;
    readonly force: boolean;
    /** Restore the tenant's snapshot into this other tenant (a clone): its own stack file, ports, credentials and network. */
    readonly into?: string;
}

export interface RestoreDone {
    readonly snapshot: Snapshot;
    readonly manifest: Manifest;
    readonly target: OpenTenant;
    /** The target's stack file was changed (a clone's ENCRYPTION_KEY) while its containers run: they need an `up`. */
    readonly stackChanged: boolean;
}

export async function restoreTenant(ctx: Context, restic: Restic, source: string, o: RestoreRequest): Promise<RestoreDone> {
    const target = o.into ?? source;
    const snapshot = await pickSnapshot(restic, source, o.snapshot);
    let t = await openTenantData(ctx, target);
    refuseRunningServices(t);
    return withStaging(async (dir) => {
        const say = steps(ctx);
        say(`${target}: fetching snapshot ${snapshot.short_id} of ${source} (${snapshot.time})`);
        const { root, manifest } = await fetchVerified(restic, snapshot, dir);
        if (manifest.tenant !== source) throw new Error(`snapshot ${snapshot.short_id} holds tenant "${manifest.tenant}", not "${source}"`);
        if (o.into && !t.stack) {
            // A clone into a new tenant: its stack file as `tenant new` writes it (ports, credentials).
            if (!isUnknown(t))
                throw new Error(
                    `tenant "${target}" has containers or volumes on ${t.engine.host} but no stack file in ${ctx.projectDir}; remove them or give another name`,
                );
            const made = await newTenant(ctx, { name: target, database: manifest.database });
            const ports = Object.entries(made.resolution.ports).map(([k, p]) => `${k} ${p}`);
            ctx.io.err(`${target}: wrote ${made.file} as tenant new does (ports ${ports.join(", ")})`);
            t = await openTenantData(ctx, target);
        }
        const database = t.stack?.config["frontbase:database"] ?? "sqlite";
        if (t.stack && database !== manifest.database)
            throw new Error(
                `snapshot ${snapshot.short_id} is of a ${manifest.database} tenant; ${t.stack.file} says frontbase:database ${database}`,
            );
        const helperImage = await imageOf(t, manifest, "backend");
        const secrets = t.stack ? await decryptStackSecrets(t.stack.file, ctx.env).catch(() => undefined) : undefined;
        const snapshotSecret = (rel: string) => fs.readFile(path.join(root, rel), "utf8").catch(() => undefined);
        // The password the tenant's backend will be given: its stack file's; the snapshot's for the same tenant.
        const dbPassword = secrets?.["frontbase:dbPassword"] ?? (o.into ? undefined : await snapshotSecret(SECRET_FILES.dbPassword));
        const postgres =
            manifest.database === "postgres" && dbPassword
                ? { image: await imageOf(t, manifest, "postgres"), password: dbPassword }
                : undefined;
        const opts = {
            force: o.force,
            helperImage,
            postgres,
            now: ctx.now,
            sleep: ctx.sleep,
            say: (l: string) => say(`${target}: ${l}`),
            healthTimeoutMs: 240_000,
        };
        await checkNewerData(t, manifest, snapshot.short_id, opts);
        // A clone opens the source's encrypted values only with the source's key.
        let stackChanged = false;
        const key = await snapshotSecret(SECRET_FILES.encryptionKey);
        if (o.into && key && secrets?.["frontbase:encryptionKey"] !== key) {
            await setStackSecret(t.stack!.file, "encryptionKey", key, ctx.env);
            ctx.io.err(
                `${target}: ${t.stack!.file}: frontbase:encryptionKey set to ${source}'s (encrypted), so that its stored credentials decrypt`,
            );
            stackChanged = true;
        }
        await restoreInto(t, root, manifest, opts);
        return { snapshot, manifest, target: t, stackChanged: stackChanged && t.containers.length > 0 };
    });
}

/**
 * A swarm replaces a task whose container stops, so a restore cannot stop a running swarm
 * tenant as it stops a host's containers: its services go first (their volumes stay on the node).
 */
function refuseRunningServices(t: OpenTenant): void {
    if (!t.services?.length) return;
    const stack = t.stack?.stack ?? t.tenant;
    throw new Error(
        `tenant "${t.tenant}" runs on the swarm (${t.services.map((c) => `${c.name} ${c.state}`).join(", ")}), and a swarm restarts what a restore stops. ` +
            `Remove its services first, keeping the volumes: pulumi destroy --stack ${stack}; then restore, then npm run deploy -- ${stack}. Nothing was changed`,
    );
}

/**
 * The tenant's image for `service`, one that is on the host: its container's, else its stack's,
 * else the snapshot's, else the default. The backend's runs the helper (it has python3).
 */
async function imageOf(t: OpenTenant, m: Manifest, service: "postgres" | "backend"): Promise<string> {
    let configured: string | undefined;
    try {
        configured = (JSON.parse(t.stack?.config["frontbase:images"] ?? "{}") as Record<string, string>)[service];
    } catch {
        configured = undefined;
    }
    const candidates = [
        t.containers.find((c) => c.service === service)?.image,
        configured,
        m.images[service],
        DEFAULT_IMAGES[service],
    ].filter((x): x is string => !!x);
    for (const image of candidates) {
        if (
            await t.engine.docker
                .getImage(image)
                .inspect()
                .then(
                    () => true,
                    () => false,
                )
        )
            return image;
    }
    throw new Error(
        `tenant "${t.tenant}": none of the ${service} images ${candidates.join(", ")} is on ${t.engine.host}; build them first (docs/images.md)`,
    );
}
