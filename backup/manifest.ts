// What a tenant's snapshot holds, and the checks a restore makes before it overwrites anything.
// Pure: the files' hashes and times are read elsewhere and passed in.
//
// A snapshot's tree:
//   manifest.json                 this file's Manifest
//   volumes/<service>/...         each data volume's files; SQLite databases as copies made by
//                                 SQLite's online backup API, redis's dump.rdb after a BGSAVE
//   postgres/frontbase.dump       pg_dump's custom format (postgres tenants); never the data directory
//   secrets/<name>                the ENCRYPTION_KEY and postgres password the tenant ran with
//                                 (restic encrypts the whole snapshot)
import type { ServiceName } from "../components/naming";

export const MANIFEST_FILE = "manifest.json";
export const MANIFEST_FORMAT = 1;
export const POSTGRES_DUMP = "postgres/frontbase.dump";
export const SECRET_FILES = { encryptionKey: "secrets/encryption-key", dbPassword: "secrets/db-password" } as const;

export interface ManifestFile {
    /** Relative to the snapshot's root, `/`-separated. */
    readonly path: string;
    readonly size: number;
    readonly sha256: string;
    /**
     * `sqlite`: an online-backup copy; `redis`: dump.rdb after BGSAVE; `pg_dump`; `file`: copied as
     * it was; `symlink`: a symbolic link in a volume, kept as a link (size and sha256 are its target's text).
     */
    readonly kind: "sqlite" | "redis" | "pg_dump" | "file" | "secret" | "symlink";
}

export interface Manifest {
    readonly format: number;
    readonly tenant: string;
    /** When capture began (ISO 8601): every write acknowledged before it is in the snapshot. */
    readonly startedAt: string;
    readonly database: "sqlite" | "postgres";
    /** The services whose volumes are in the snapshot. */
    readonly volumes: readonly ServiceName[];
    /** Image ids the tenant ran, by service (what the data was last written by). */
    readonly images: Readonly<Partial<Record<ServiceName, string>>>;
    /** The tenant's stack config without its `secure:` values (none of them are in it). */
    readonly config: Readonly<Record<string, unknown>>;
    readonly files: readonly ManifestFile[];
    /**
     * Each volume file's modification time (ms) as seen when capture ended, by `<service>/<path>`:
     * a file that still has it has not been written since (a checkpoint during capture included).
     */
    readonly sourceTimes: Readonly<Record<string, number>>;
    /** This program's package version. */
    readonly tool: string;
    /** Volume entries not copied (devices, FIFOs, sockets), by `<service>/<path>` -> what it is. */
    readonly skipped?: Readonly<Record<string, string>>;
}

const TOP_DIRS = ["volumes", "postgres", "secrets"];

/** Why a manifest's path could lead out of the snapshot's tree (absolute, `..`, elsewhere), or undefined. */
export function manifestPathProblem(p: string): string | undefined {
    const parts = p.split("/");
    if (p.startsWith("/") || parts.some((x) => x === ".." || x === "." || x === "") || !TOP_DIRS.includes(parts[0]) || parts.length < 2)
        return `${JSON.stringify(p)}: not a path inside the snapshot (${TOP_DIRS.map((d) => `${d}/...`).join(", ")})`;
    return undefined;
}

/** The manifest of a restored tree, or the reason it is not one of ours. */
export function parseManifest(text: string, snapshot: string): Manifest {
    let doc: Partial<Manifest>;
    try {
        doc = JSON.parse(text) as Partial<Manifest>;
    } catch {
        throw new Error(`snapshot ${snapshot}: ${MANIFEST_FILE} is not JSON; the snapshot is corrupted or not a frontbase-tenants backup`);
    }
    if (doc.format !== MANIFEST_FORMAT)
        throw new Error(
            `snapshot ${snapshot}: manifest format ${String(doc.format)} is not ${MANIFEST_FORMAT}; restore it with the version that made it`,
        );
    if (typeof doc.tenant !== "string" || !Array.isArray(doc.files) || !Array.isArray(doc.volumes) || typeof doc.startedAt !== "string") {
        throw new Error(`snapshot ${snapshot}: ${MANIFEST_FILE} lacks tenant, startedAt, volumes or files; the snapshot is corrupted`);
    }
    return doc as Manifest;
}

/** Every problem between the manifest and the files found (path -> {size, sha256}); empty when the tree is whole. */
export function verifyFiles(m: Manifest, found: ReadonlyMap<string, { size: number; sha256: string }>): string[] {
    const problems: string[] = [];
    for (const f of m.files) {
        const got = found.get(f.path);
        if (!got) problems.push(`${f.path}: missing`);
        else if (got.size !== f.size || got.sha256 !== f.sha256)
            problems.push(
                `${f.path}: ${got.size} bytes, sha256 ${got.sha256.slice(0, 12)}; the manifest says ${f.size} bytes, ${f.sha256.slice(0, 12)}`,
            );
    }
    return problems;
}

export interface LiveFile {
    /** `<service>/<path in the volume>`. */
    readonly path: string;
    readonly mtimeMs: number;
}

/**
 * The tenant's files written since the snapshot was taken: what a restore would overwrite and
 * the snapshot may not hold. A file is newer when its modification time is later than the one
 * seen at the end of capture, or, for a file the snapshot never saw, later than capture's start.
 * Redis is a cache, rewritten on its own schedule: it never counts. Newest first.
 */
export function newerThanSnapshot(live: readonly LiveFile[], m: Pick<Manifest, "startedAt" | "sourceTimes">): LiveFile[] {
    const started = Date.parse(m.startedAt);
    return live
        .filter((f) => !f.path.startsWith("redis/") && f.mtimeMs > (m.sourceTimes[f.path] ?? started))
        .sort((a, b) => b.mtimeMs - a.mtimeMs);
}
