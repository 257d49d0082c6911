// One tenant's restore, from the command line's point of view: pick and fetch the snapshot,
// verify it, check everything a restore needs (the target, its images, the passphrase a clone's
// stack file needs), and only then write: a clone's stack file once, then the volumes. A clone
// into a new tenant that fails after its stack file was written is undone (the file and the
// volumes the restore made), so a failed restore leaves nothing behind.
import { promises as fs, readFileSync } from "fs";
import * as path from "path";
import { DEFAULT_IMAGES } from "../components/config";
import { passphraseFromEnv } from "../project/pulumiSecrets";
import { decryptStackSecrets, setStackSecret } from "../project/stackSecrets";
import type { Context } from "../tenants/context";
import { UsageError } from "../tenants/errors";
import { newTenant } from "../tenants/newTenant";
import { isUnknown, openTenantData, OpenTenant } from "../tenants/open";
import { fetchVerified, pickSnapshot } from "./fetch";
import { steps, withStaging } from "./jobs";
import { Manifest, SECRET_FILES } from "./manifest";
import type { Restic, Snapshot } from "./restic";
import { checkNewerData, restoreInto } from "./restore";

export interface RestoreRequest {
    /** A snapshot ID (checked by backup/fetch.ts snapshotArg), else the tenant's latest. */
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
    if (o.into === source)
        throw new UsageError(
            `--into ${source}: that is the tenant being restored; restore it in place without --into, or clone it into another name`,
        );
    const target = o.into ?? source;
    await restic.open("existing");
    const snapshot = await pickSnapshot(restic, source, o.snapshot);
    const t = await openTenantData(ctx, target);
    refuseRunningServices(t);
    if (o.into && !t.stack && !isUnknown(t))
        throw new Error(
            `tenant "${target}" has containers or volumes on ${t.engine.host} but no stack file in ${ctx.projectDir}; remove them or give another name`,
        );
    return withStaging(async (dir) => {
        const say = steps(ctx);
        say(`${target}: fetching snapshot ${snapshot.short_id} of ${source} (${snapshot.time})`);
        const { root, manifest } = await fetchVerified(restic, snapshot, dir);
        if (manifest.tenant !== source) throw new Error(`snapshot ${snapshot.short_id} holds tenant "${manifest.tenant}", not "${source}"`);
        const snapshotSecret = (rel: string) => fs.readFile(path.join(root, rel), "utf8").catch(() => undefined);
        const key = await snapshotSecret(SECRET_FILES.encryptionKey);
        // Everything a restore needs, checked before anything is written.
        const helperImage = await imageOf(t, manifest, "backend");
        const pgImage = manifest.database === "postgres" ? await imageOf(t, manifest, "postgres") : undefined;
        if (o.into && passphraseFromEnv(ctx.env, (p) => readFileSync(p, "utf8")) === undefined)
            throw new Error(
                `a clone's stack file needs its credentials encrypted with the stack's passphrase: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE); nothing was changed`,
            );
        const database = t.stack?.config["frontbase:database"] ?? "sqlite";
        if (t.stack && database !== manifest.database)
            throw new Error(
                `snapshot ${snapshot.short_id} is of a ${manifest.database} tenant; ${t.stack.file} says frontbase:database ${database}`,
            );
        if (!o.into || t.stack) return restoreOver(ctx, t, { source, snapshot, manifest, root, key, o, helperImage, pgImage });
        // A clone into a new tenant: its stack file as `tenant new` writes it (ports, credentials),
        // with the source's ENCRYPTION_KEY, in one write; undone if the restore then fails.
        const made = await newTenant(ctx, { name: target, database: manifest.database, credentials: key ? { encryptionKey: key } : {} });
        const ports = Object.entries(made.resolution.ports).map(([k, p]) => `${k} ${p}`);
        ctx.io.err(`${target}: wrote ${made.file} as tenant new does (ports ${ports.join(", ")})`);
        if (key)
            ctx.io.err(
                `${target}: ${made.file}: frontbase:encryptionKey set to ${source}'s (encrypted), so that its stored credentials decrypt`,
            );
        try {
            const fresh = await openTenantData(ctx, target);
            return await restoreOver(ctx, fresh, { source, snapshot, manifest, root, key: undefined, o, helperImage, pgImage });
        } catch (e) {
            await undoClone(ctx, made.file, target);
            throw new Error(`${(e as Error).message}; the clone was undone (${made.file} and ${target}'s volumes removed)`, { cause: e });
        }
    });
}

interface Fetched {
    readonly source: string;
    readonly snapshot: Snapshot;
    readonly manifest: Manifest;
    readonly root: string;
    /** The snapshot's ENCRYPTION_KEY, to set in an existing clone target's stack file; undefined: nothing to set. */
    readonly key: string | undefined;
    readonly o: RestoreRequest;
    readonly helperImage: string;
    readonly pgImage?: string;
}

/** The restore proper, into a tenant that has its stack file (or is restored in place). */
async function restoreOver(ctx: Context, t: OpenTenant, f: Fetched): Promise<RestoreDone> {
    const say = steps(ctx);
    const secrets = t.stack ? await decryptStackSecrets(t.stack.file, ctx.env).catch(() => undefined) : undefined;
    // The password the tenant's backend will be given: its stack file's; the snapshot's for the same tenant.
    const dbPassword =
        secrets?.["frontbase:dbPassword"] ??
        (f.o.into ? undefined : await fs.readFile(path.join(f.root, SECRET_FILES.dbPassword), "utf8").catch(() => undefined));
    const opts = {
        force: f.o.force,
        helperImage: f.helperImage,
        postgres: f.pgImage && dbPassword ? { image: f.pgImage, password: dbPassword } : undefined,
        now: ctx.now,
        sleep: ctx.sleep,
        say: (l: string) => say(`${t.tenant}: ${l}`),
        healthTimeoutMs: 240_000,
    };
    await checkNewerData(t, f.manifest, f.snapshot.short_id, opts);
    // A clone opens the source's encrypted values only with the source's key.
    let stackChanged = false;
    if (f.o.into && f.key && secrets?.["frontbase:encryptionKey"] !== f.key) {
        await setStackSecret(t.stack!.file, "encryptionKey", f.key, ctx.env);
        ctx.io.err(
            `${t.tenant}: ${t.stack!.file}: frontbase:encryptionKey set to ${f.source}'s (encrypted), so that its stored credentials decrypt`,
        );
        stackChanged = true;
    }
    await restoreInto(t, f.root, f.manifest, opts);
    return { snapshot: f.snapshot, manifest: f.manifest, target: t, stackChanged: stackChanged && t.containers.length > 0 };
}

/** A failed clone into a new tenant: its stack file (so the ledger entry lapses) and the volumes the restore made go. */
async function undoClone(ctx: Context, file: string, tenant: string): Promise<void> {
    const t = await openTenantData(ctx, tenant).catch(() => undefined);
    await fs.rm(file, { force: true });
    for (const v of t?.volumes ?? [])
        await t!.engine.docker
            .getVolume(v.Name)
            .remove()
            .catch(() => undefined);
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
        const found = await t.engine.docker
            .getImage(image)
            .inspect()
            .then(
                () => true,
                () => false,
            );
        if (found) return image;
    }
    throw new Error(
        `tenant "${t.tenant}": none of the ${service} images ${candidates.join(", ")} is on ${t.engine.host}; build them first (docs/images.md); nothing was changed`,
    );
}
