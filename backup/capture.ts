// A consistent copy of one running (or stopped) tenant's data in a directory on this machine,
// ready for restic: SQLite through its online backup API, postgres through pg_dump, redis after
// a BGSAVE, the credentials the tenant runs with, and a manifest of it all. No running container
// of the tenant is stopped or restarted; a stopped postgres is started for pg_dump and stopped again.
import { createHash } from "crypto";
import { constants as fsConstants, createWriteStream, promises as fs } from "fs";
import * as path from "path";
import { POSTGRES_DB, POSTGRES_USER } from "../components/services";
import { ServiceName, volumeName } from "../components/naming";
import type { OpenTenant } from "../tenants/open";
import { isSuspended } from "../tenants/status";
import { execIn, execText, runHelper, waitPostgresReady } from "./engineIo";
import { Manifest, MANIFEST_FILE, MANIFEST_FORMAT, ManifestFile, POSTGRES_DUMP, SECRET_FILES } from "./manifest";

export interface CaptureOptions {
    readonly now: () => number;
    readonly sleep: (ms: number) => Promise<void>;
    readonly config: Readonly<Record<string, unknown>>;
    readonly tool: string;
    readonly say?: (line: string) => void;
}

/** The services whose volumes are copied as files (postgres is dumped instead). */
function fileVolumes(t: OpenTenant): ServiceName[] {
    const names = new Set(t.volumes.map((v) => v.Name));
    return (["redis", "backend", "edge"] as const).filter((s) => names.has(volumeName(t.tenant, s)));
}

export async function captureTenant(t: OpenTenant, dir: string, o: CaptureOptions): Promise<Manifest> {
    const docker = t.engine.docker;
    const byService = new Map(t.containers.map((c) => [c.service, c]));
    const backend = byService.get("backend");
    if (!backend)
        throw new Error(
            `tenant "${t.tenant}" has no backend container on ${t.engine.host}: deploy it first (npm run deploy -- ${t.stack?.stack ?? t.tenant}); a backup needs its image and credentials`,
        );
    const backendInfo = await docker.getContainer(backend.id).inspect();
    const env = Object.fromEntries((backendInfo.Config.Env ?? []).map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
    const database = env.DATABASE === "postgresql" ? "postgres" : "sqlite";
    const startedAt = new Date(o.now()).toISOString();
    // openTenant inspected every container already.
    const images: Partial<Record<ServiceName, string>> = Object.fromEntries(
        t.containers.filter((c) => !c.job && c.image).map((c) => [c.service, c.image]),
    );

    const redis = byService.get("redis");
    if (redis?.state === "running") await bgsave(t, redis.id, o);

    const volumes = fileVolumes(t);
    await runHelper(docker, t.tenant, {
        image: backendInfo.Image,
        mounts: Object.fromEntries(volumes.map((s) => [volumeName(t.tenant, s), `/src/${s}`])),
        args: ["capture", ...volumes],
        fetch: { from: "/out", dir },
    });
    const listing = JSON.parse(await fs.readFile(path.join(dir, "files.json"), "utf8")) as {
        files: Record<string, { kind: ManifestFile["kind"] }>;
        sourceTimes: Record<string, number>;
        skipped?: Record<string, string>;
    };

    const files: ManifestFile[] = [];
    for (const [rel, f] of Object.entries(listing.files)) {
        const p = path.join(dir, "volumes", rel);
        // A link is kept as a link: its target's text is what is recorded, never what it points at.
        const h = f.kind === "symlink" ? await hashOf(Buffer.from(await fs.readlink(p))) : await hashOf(p, { noFollow: true });
        files.push({ path: `volumes/${rel}`, kind: f.kind, ...h });
    }
    const skipped = listing.skipped ?? {};

    if (database === "postgres") {
        const pg = byService.get("postgres");
        if (!pg)
            throw new Error(
                `tenant "${t.tenant}" has no postgres container on ${t.engine.host}: deploy it first (npm run deploy -- ${t.stack?.stack ?? t.tenant}); pg_dump runs in it`,
            );
        // A stopped postgres (a suspended tenant's, or one stopped by hand): its data is at rest, so
        // it is started for the dump and stopped again with its own grace period, as it was found.
        const stopped = pg.state !== "running";
        if (stopped) {
            o.say?.(
                `${t.tenant}: postgres is ${pg.state}${isSuspended(t.stack?.config) ? " (suspended)" : ""}; starting it for pg_dump, then stopping it again`,
            );
            await docker.getContainer(pg.id).start();
        }
        try {
            if (stopped) await waitPostgresReady(docker, pg.id, `postgres (${pg.name})`, o);
            o.say?.(`${t.tenant}: pg_dump of ${POSTGRES_DB}`);
            await fs.mkdir(path.join(dir, path.dirname(POSTGRES_DUMP)), { recursive: true });
            const file = path.join(dir, POSTGRES_DUMP);
            const out = createWriteStream(file, { mode: 0o600 });
            const r = await execIn(docker, pg.id, ["pg_dump", "--format=custom", "-U", POSTGRES_USER, "-d", POSTGRES_DB], out);
            await new Promise((resolve) => out.end(resolve));
            if (r.code !== 0) throw new Error(`pg_dump in ${pg.name} failed (exit ${r.code}): ${r.stderr.trim()}`);
        } finally {
            // The container's own stop timeout (its declared grace period) applies.
            if (stopped) await docker.getContainer(pg.id).stop();
        }
        const file = path.join(dir, POSTGRES_DUMP);
        files.push({ path: POSTGRES_DUMP, kind: "pg_dump", ...(await hashOf(file)) });
    }

    // What the tenant's data opens with: restic encrypts it with the rest of the snapshot.
    await fs.mkdir(path.join(dir, "secrets"), { recursive: true, mode: 0o700 });
    const secrets: [string, string | undefined][] = [
        [SECRET_FILES.encryptionKey, env.ENCRYPTION_KEY],
        [SECRET_FILES.dbPassword, env.DB_PASSWORD],
    ];
    for (const [rel, value] of secrets) {
        if (!value) continue;
        await fs.writeFile(path.join(dir, rel), value, { mode: 0o600 });
        files.push({ path: rel, kind: "secret", ...(await hashOf(path.join(dir, rel))) });
    }

    const manifest: Manifest = {
        format: MANIFEST_FORMAT,
        tenant: t.tenant,
        startedAt,
        database,
        volumes,
        images,
        config: o.config,
        files: files.sort((a, b) => a.path.localeCompare(b.path)),
        sourceTimes: listing.sourceTimes,
        tool: o.tool,
        ...(Object.keys(skipped).length > 0 ? { skipped } : {}),
    };
    await fs.writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n", { mode: 0o600 });
    return manifest;
}

/**
 * BGSAVE, then wait until redis counts one more finished save (`rdb_saves`, redis 7+) with status
 * ok. A save already running began before capture: wait for it, then ask again.
 */
async function bgsave(t: OpenTenant, id: string, o: CaptureOptions): Promise<void> {
    const docker = t.engine.docker;
    const info = async () => {
        const text = await execText(docker, id, ["redis-cli", "INFO", "persistence"], "redis-cli INFO persistence");
        return (k: string) => new RegExp(`^${k}:(\\S+)`, "m").exec(text)?.[1];
    };
    const deadline = o.now() + 120_000;
    let before: number | undefined;
    while (o.now() < deadline) {
        const field = await info();
        if (before === undefined) {
            if (field("rdb_bgsave_in_progress") !== "0") {
                await o.sleep(200);
                continue;
            }
            const saves = Number(field("rdb_saves"));
            const reply = await execText(docker, id, ["redis-cli", "BGSAVE"], "redis-cli BGSAVE");
            if (!/started/i.test(reply)) {
                await o.sleep(200);
                continue;
            }
            before = saves;
        } else if (field("rdb_bgsave_in_progress") === "0" && Number(field("rdb_saves")) > before) {
            if (field("rdb_last_bgsave_status") !== "ok")
                throw new Error(`tenant "${t.tenant}": redis BGSAVE failed (rdb_last_bgsave_status ${field("rdb_last_bgsave_status")})`);
            return;
        }
        await o.sleep(200);
    }
    throw new Error(`tenant "${t.tenant}": redis BGSAVE did not finish within 120 s`);
}

/**
 * Size and SHA-256 of a file, streamed (a tenant's database may be larger than memory allows), or
 * of bytes given. `noFollow`: the file is opened without following a link, and must be a regular
 * file (not a device or a FIFO, which would never end).
 */
export async function hashOf(source: string | Buffer, o: { noFollow?: boolean } = {}): Promise<{ size: number; sha256: string }> {
    const hash = createHash("sha256");
    if (Buffer.isBuffer(source)) return { size: source.length, sha256: hash.update(source).digest("hex") };
    const flags = fsConstants.O_RDONLY | (o.noFollow ? fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK : 0);
    const fd = await fs.open(source, flags);
    try {
        if (o.noFollow && !(await fd.stat()).isFile()) throw new Error(`${source} is not a regular file`);
        let size = 0;
        for await (const chunk of fd.createReadStream({ autoClose: false })) {
            size += (chunk as Buffer).length;
            hash.update(chunk as Buffer);
        }
        return { size, sha256: hash.digest("hex") };
    } finally {
        await fd.close();
    }
}
