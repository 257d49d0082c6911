// Puts a snapshot's tree (already restored by restic into a directory here, and verified) back
// into a tenant's volumes: stop its containers, refill the volumes, pg_restore, start them in
// order and wait for health. Volumes that no longer exist (a purged tenant, a new host) are
// created with the names and labels the tenant's stack gives them, so `pulumi up` adopts them.
import type Docker from "dockerode";
import * as path from "path";
import { labels, ServiceName, volumeName } from "../components/naming";
import { POSTGRES_DB, POSTGRES_USER } from "../components/services";
import type { OpenTenant } from "../tenants/open";
import { toTenantContainer, TenantContainer } from "../docker/containers";
import { execText, HELPER_LABEL, runHelper, tarOfFile, waitPostgresReady } from "./engineIo";
import { LiveFile, Manifest, newerThanSnapshot, POSTGRES_DUMP } from "./manifest";

export interface RestoreOptions {
    readonly force: boolean;
    /** The image that runs the helper (has python3): the tenant's backend image. */
    readonly helperImage: string;
    readonly now: () => number;
    readonly sleep: (ms: number) => Promise<void>;
    readonly say: (line: string) => void;
    /** How long each container may take to become healthy again. */
    readonly healthTimeoutMs: number;
    /** For a tenant with no postgres container: the server to pg_restore into, run just for that. */
    readonly postgres?: { readonly image: string; readonly password: string };
}

/** The tenant's volume files with their modification times, as `<service>/<path>`. */
export async function liveFiles(t: OpenTenant, services: readonly ServiceName[], image: string): Promise<LiveFile[]> {
    const present = services.filter((s) => t.volumes.some((v) => v.Name === volumeName(t.tenant, s)));
    if (present.length === 0) return [];
    const out = await runHelper(t.engine.docker, t.tenant, {
        image,
        mounts: Object.fromEntries(present.map((s) => [volumeName(t.tenant, s), `/src/${s}`])),
        args: ["times", ...present],
    });
    return Object.entries(JSON.parse(out) as Record<string, number>).map(([p, mtimeMs]) => ({ path: p, mtimeMs }));
}

/** Refuses (without --force) to overwrite data written since the snapshot; says what it would overwrite. */
export async function checkNewerData(t: OpenTenant, m: Manifest, snapshot: string, o: RestoreOptions): Promise<void> {
    const newer = newerThanSnapshot(await liveFiles(t, m.volumes, o.helperImage), m);
    if (newer.length === 0 || o.force) return;
    const shown = newer.slice(0, 5).map((f) => `${f.path} (written ${new Date(f.mtimeMs).toISOString()})`);
    throw new Error(
        `tenant "${t.tenant}" has data written after snapshot ${snapshot} was taken (${m.startedAt}): ${shown.join(", ")}${newer.length > 5 ? ` and ${newer.length - 5} more` : ""}; ` +
            `a restore would overwrite it. Back it up first (npm run tenant -- backup ${t.tenant}), or restore anyway with --force`,
    );
}

export async function restoreInto(t: OpenTenant, tree: string, m: Manifest, o: RestoreOptions): Promise<void> {
    const docker = t.engine.docker;
    const running = t.containers.filter((c) => !c.job && c.state === "running");
    for (const c of [...running].reverse()) {
        o.say(`stopping ${c.service} (${c.name})`);
        await docker.getContainer(c.id).stop().catch(notModified);
    }
    for (const s of m.volumes) await ensureVolume(docker, t, s);
    if (m.volumes.length > 0) {
        o.say(`restoring ${m.volumes.join(", ")} volumes`);
        await runHelper(docker, t.tenant, {
            image: o.helperImage,
            mounts: Object.fromEntries(m.volumes.map((s) => [volumeName(t.tenant, s), `/dst/${s}`])),
            args: ["restore", ...m.volumes],
            stage: { dir: tree, as: "stage" },
        });
    }
    const pg = t.containers.find((c) => c.service === "postgres");
    if (m.files.some((f) => f.path === POSTGRES_DUMP)) {
        if (pg) {
            await startAndWait(docker, pg, o);
            await pgRestore(docker, pg.id, tree, o);
        } else {
            // Made here, labelled as the stack makes it: mounting a missing volume would create it bare.
            await ensureVolume(docker, t, "postgres");
            await withTemporaryPostgres(t, o, (id) => pgRestore(docker, id, tree, o));
        }
    }
    // Start what ran before (all of the tenant's services when nothing ran), in start order. The
    // redis-token job runs again before the edge: the restored settings hold the token the
    // snapshot's tenant had, and the edge reads it at start-up.
    const job = t.containers.find((c) => c.job === "redis-token");
    const toStart = running.length > 0 ? running : t.containers.filter((c) => !c.job);
    for (const c of toStart) {
        if (c.service === "edge" && job) await runJob(docker, job, o);
        if (c.id !== pg?.id) await startAndWait(docker, c, o);
    }
}

async function pgRestore(docker: Docker, id: string, tree: string, o: RestoreOptions): Promise<void> {
    o.say(`pg_restore into ${POSTGRES_DB}`);
    await docker.getContainer(id).putArchive(tarOfFile(tree, POSTGRES_DUMP), { path: "/tmp" });
    const dump = `/tmp/${path.basename(POSTGRES_DUMP)}`;
    try {
        await execText(
            docker,
            id,
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "-U",
                POSTGRES_USER,
                "-d",
                POSTGRES_DB,
                dump,
            ],
            "pg_restore",
        );
    } finally {
        await execText(docker, id, ["rm", "-f", dump], "removing the dump").catch(() => undefined);
    }
}

/**
 * A postgres server on the tenant's volume, on no network, for as long as `fn` runs; then a
 * clean stop (the image's SIGINT: a fast shutdown with a checkpoint). On an empty volume it
 * initialises the cluster with the tenant's password, as the tenant's own container would.
 */
async function withTemporaryPostgres(t: OpenTenant, o: RestoreOptions, fn: (id: string) => Promise<void>): Promise<void> {
    if (!o.postgres) throw new Error(`tenant "${t.tenant}" has no postgres container and no postgres password to start one with`);
    const docker = t.engine.docker;
    o.say(`starting a temporary postgres (${o.postgres.image}) on ${volumeName(t.tenant, "postgres")}`);
    const c = await docker.createContainer({
        Image: o.postgres.image,
        Env: [`POSTGRES_USER=${POSTGRES_USER}`, `POSTGRES_PASSWORD=${o.postgres.password}`, `POSTGRES_DB=${POSTGRES_DB}`],
        Labels: { [HELPER_LABEL]: t.tenant },
        HostConfig: { Binds: [`${volumeName(t.tenant, "postgres")}:/var/lib/postgresql/data`], NetworkMode: "none" },
    });
    try {
        await c.start();
        await waitPostgresReady(docker, c.id, "the temporary postgres", o);
        await fn(c.id);
        await c.stop({ t: 60 });
    } finally {
        await c.remove({ force: true, v: false }).catch(() => undefined);
    }
}

/** Starts a one-shot job's container again and waits for it to exit 0. */
async function runJob(docker: Docker, job: TenantContainer, o: RestoreOptions): Promise<void> {
    o.say(`running the ${job.job} job again (${job.name})`);
    await docker.getContainer(job.id).start().catch(notModified);
    const { StatusCode } = (await docker.getContainer(job.id).wait()) as { StatusCode: number };
    if (StatusCode !== 0)
        throw new Error(`the ${job.job} job (${job.name}) exited with ${StatusCode} after the restore; see docker logs ${job.name}`);
}

async function ensureVolume(docker: Docker, t: OpenTenant, s: ServiceName): Promise<void> {
    const name = volumeName(t.tenant, s);
    if (t.volumes.some((v) => v.Name === name)) return;
    // The labels TenantStack gives it (createVolumes), so that `pulumi up` finds nothing to change.
    await docker.createVolume({ Name: name, Labels: { ...labels(t.tenant, s), "com.docker.compose.volume": `${s}_data` } });
}

async function startAndWait(docker: Docker, c: TenantContainer, o: RestoreOptions): Promise<void> {
    o.say(`starting ${c.service} (${c.name})`);
    await docker.getContainer(c.id).start().catch(notModified);
    const deadline = o.now() + o.healthTimeoutMs;
    for (;;) {
        const now = toTenantContainer(await docker.getContainer(c.id).inspect());
        if (now.state === "running" && (now.health === "healthy" || now.health === "none")) return;
        if (now.state === "exited" || now.state === "dead")
            throw new Error(
                `${c.service} (${c.name}) exited after the restore (exit ${now.exitCode ?? "?"}); see npm run tenant -- logs ${c.tenant} ${c.service}`,
            );
        if (o.now() > deadline)
            throw new Error(
                `${c.service} (${c.name}) is not healthy ${Math.round(o.healthTimeoutMs / 1000)} s after the restore (${now.state}, ${now.health}); see npm run tenant -- logs ${c.tenant} ${c.service}`,
            );
        await o.sleep(500);
    }
}

/** 304: already stopped, or already started. */
function notModified(e: { statusCode?: number }): void {
    if (e.statusCode !== 304) throw e;
}
