// The restic CLI: where the repository is, how it opens, and the few commands backups use.
//
// restic's own conventions, so that an operator's existing setup works unchanged:
// RESTIC_REPOSITORY (or RESTIC_REPOSITORY_FILE) names any backend restic knows (a directory,
// sftp:, s3:, rest:, ...), RESTIC_PASSWORD / RESTIC_PASSWORD_FILE / RESTIC_PASSWORD_COMMAND
// opens it, and the backends' own variables (AWS_ACCESS_KEY_ID, ...) pass through as they are.
// With none of them set, the repository is `<lock dir>/backups` on this machine, opened with a
// password generated once into `<lock dir>/restic-password` (mode 0600).
import { spawn } from "child_process";
import { promises as fs, readFileSync } from "fs";
import { randomBytes } from "crypto";
import * as path from "path";
import { ownerOnlySecret } from "../project/safeFs";

export const TENANT_TAG = "frontbase-tenant";

export interface ResticTarget {
    /** As restic prints it in its messages. */
    readonly repository: string;
    /** The environment restic runs with: the caller's, plus the defaults it filled in. */
    readonly env: NodeJS.ProcessEnv;
    /** A password file this program owns, to create on first use (the default repository only). */
    readonly defaultPasswordFile?: string;
    /** The repository is the default one (`<lock dir>/backups`), not one RESTIC_REPOSITORY(_FILE) names. */
    readonly isDefault?: boolean;
}

export function resticTarget(env: NodeJS.ProcessEnv, lockDir: string): ResticTarget {
    const repository =
        env.RESTIC_REPOSITORY ?? (env.RESTIC_REPOSITORY_FILE ? `(from ${env.RESTIC_REPOSITORY_FILE})` : path.join(lockDir, "backups"));
    const hasPassword =
        env.RESTIC_PASSWORD !== undefined || env.RESTIC_PASSWORD_FILE !== undefined || env.RESTIC_PASSWORD_COMMAND !== undefined;
    const out: Record<string, string | undefined> = { ...env };
    if (!env.RESTIC_REPOSITORY && !env.RESTIC_REPOSITORY_FILE) out.RESTIC_REPOSITORY = repository;
    let defaultPasswordFile: string | undefined;
    if (!hasPassword) {
        defaultPasswordFile = path.join(lockDir, "restic-password");
        out.RESTIC_PASSWORD_FILE = defaultPasswordFile;
    }
    return { repository, env: out, defaultPasswordFile, isDefault: !env.RESTIC_REPOSITORY && !env.RESTIC_REPOSITORY_FILE };
}

/** restic's backends that are not a directory on this machine (`sftp:host:/x`, `s3:...`). */
const REMOTE = /^(sftp|rest|s3|b2|azure|gs|swift|rclone|opendal):/;

/** The directory a local repository is in, or undefined for a remote backend. */
function localPath(t: ResticTarget): string | undefined {
    let repo = t.env.RESTIC_REPOSITORY;
    if (!repo && t.env.RESTIC_REPOSITORY_FILE) repo = readFileSync(t.env.RESTIC_REPOSITORY_FILE, "utf8").trim();
    if (!repo || REMOTE.test(repo)) return undefined;
    return path.resolve(repo.replace(/^local:/, ""));
}

/**
 * What is at a local repository's path: `nothing` (missing or an empty directory: where a
 * repository may be made), `other` (files that are not a repository: never touched), or
 * neither (a repository: restic's `config` file and `keys/`).
 */
async function lookAt(dir: string): Promise<{ nothing?: string; other?: string }> {
    const st = await fs.lstat(dir).catch(() => undefined);
    if (!st) return { nothing: "does not exist" };
    if (!st.isDirectory()) return { other: `${dir} is not a directory` };
    const names = await fs.readdir(dir);
    if (names.length === 0) return { nothing: "is an empty directory" };
    if (names.includes("config") && names.includes("keys")) return {};
    return {
        other: `${dir} holds ${names.length} other entr${names.length === 1 ? "y" : "ies"} (${names.slice(0, 3).join(", ")}) and no repository; a repository is created only where nothing is (an empty or missing directory)`,
    };
}

/** The tag that marks a tenant's snapshots. */
export function tenantTag(tenant: string): string {
    return `${TENANT_TAG}=${tenant}`;
}

export interface Snapshot {
    readonly id: string;
    readonly short_id: string;
    readonly time: string;
    readonly hostname: string;
    readonly paths: readonly string[];
    readonly tags?: readonly string[];
}

export function tenantOfSnapshot(s: Pick<Snapshot, "tags">): string | undefined {
    const tag = (s.tags ?? []).find((t) => t.startsWith(`${TENANT_TAG}=`));
    return tag?.slice(TENANT_TAG.length + 1);
}

export interface BackupProgress {
    readonly percent: number;
    readonly filesDone: number;
    readonly totalFiles: number;
    readonly bytesDone: number;
    readonly totalBytes: number;
}

export interface BackupSummary {
    readonly snapshotId: string;
    readonly filesNew: number;
    readonly filesChanged: number;
    readonly filesUnmodified: number;
    readonly dataAdded: number;
    readonly totalBytes: number;
}

/** restic's failure in words an operator can act on; the repository is named, never a password. */
export function resticProblem(repository: string, stderr: string, code: number | null): string {
    const last = stderr
        .trim()
        .split("\n")
        .filter((l) => l.trim() !== "")
        .slice(-3)
        .join("; ");
    if (/wrong password or no key found/i.test(stderr))
        return `the restic repository ${repository} does not open with the password given (RESTIC_PASSWORD, RESTIC_PASSWORD_FILE or RESTIC_PASSWORD_COMMAND): wrong password`;
    if (/Is there a repository at the following location|repository does not exist|unable to open config file/i.test(stderr))
        return `no restic repository at ${repository} (create one with npm run tenant -- backup --init, or \`restic init\`)`;
    if (/no matching ID found|invalid snapshot|snapshot .* not found|Ambiguous ID/i.test(stderr)) return `restic: ${last}`;
    return `restic exited with ${code ?? "a signal"} on ${repository}: ${last || "no message"}`;
}

export class ResticError extends Error {
    constructor(message: string, options?: ErrorOptions) {
        super(message, options);
    }
}

export class Restic {
    constructor(
        readonly target: ResticTarget,
        private readonly binary = "restic",
    ) {}

    /** Runs restic; resolves to stdout. `onLine` sees each stdout line as it comes (for --json progress). */
    run(args: readonly string[], o: { onLine?: (line: string) => void; cwd?: string } = {}): Promise<string> {
        return new Promise((resolve, reject) => {
            const child = spawn(this.binary, args, { cwd: o.cwd, env: this.target.env, stdio: ["ignore", "pipe", "pipe"] });
            let out = "";
            let err = "";
            let partial = "";
            child.stdout.on("data", (d: Buffer) => {
                const text = String(d);
                out += text;
                if (!o.onLine) return;
                const lines = (partial + text).split("\n");
                partial = lines.pop() ?? "";
                for (const l of lines) o.onLine(l);
            });
            child.stderr.on("data", (d: Buffer) => void (err += String(d)));
            child.on("error", (e: NodeJS.ErrnoException) =>
                reject(
                    new ResticError(
                        e.code === "ENOENT"
                            ? `restic is not installed on this machine (apt-get install restic; or see https://restic.net)`
                            : `restic: ${e.message}`,
                    ),
                ),
            );
            child.on("close", (code) => {
                if (partial && o.onLine) o.onLine(partial);
                if (code === 0) resolve(out);
                else reject(new ResticError(resticProblem(this.target.repository, err, code)));
            });
        });
    }

    /**
     * Opens the repository. `existing`: it must be there. `backup`: the default repository (no
     * RESTIC_REPOSITORY set) is created, with its password, on first use. `init`: the operator's
     * --init creates the one RESTIC_REPOSITORY names. A repository is only ever created where
     * nothing is: a local directory that holds other files is refused before restic runs, and so
     * is a mistyped path without --init.
     */
    async open(mode: "existing" | "backup" | "init"): Promise<"opened" | "created"> {
        const mayCreate = mode === "init" || (mode === "backup" && this.target.isDefault === true);
        const local = localPath(this.target);
        const found = local === undefined ? undefined : await lookAt(local);
        if (found?.other) throw new ResticError(`no restic repository at ${this.target.repository}: ${found.other}`);
        if (found?.nothing && !mayCreate)
            throw new ResticError(
                `no restic repository at ${this.target.repository} (${local} ${found.nothing}): ${this.target.isDefault ? "the first npm run tenant -- backup <tenant> creates it" : "check RESTIC_REPOSITORY, or create one there with npm run tenant -- backup --init"}`,
            );
        if (this.target.defaultPasswordFile) await this.ensureDefaultPassword(mayCreate);
        if (found?.nothing) {
            await this.run(["init"]);
            return "created";
        }
        try {
            await this.run(["cat", "config"]);
            return "opened";
        } catch (e) {
            // A remote backend: restic itself refuses to init where a repository is.
            if (!mayCreate || local !== undefined || !/no restic repository/.test((e as Error).message)) throw e;
            await this.run(["init"]);
            return "created";
        }
    }

    private async ensureDefaultPassword(create: boolean): Promise<void> {
        const file = this.target.defaultPasswordFile!;
        await ownerOnlySecret(file, {
            make: create ? () => randomBytes(32).toString("base64url") : undefined,
            missing: `no restic password: set RESTIC_PASSWORD_FILE (or RESTIC_PASSWORD, RESTIC_PASSWORD_COMMAND) to the repository's password; ${file} does not exist`,
            instead: "set RESTIC_PASSWORD_FILE",
        });
    }

    async snapshots(tenant?: string): Promise<Snapshot[]> {
        const args = ["snapshots", "--json"];
        if (tenant) args.push("--tag", tenantTag(tenant));
        const list = JSON.parse((await this.run(args)) || "[]") as Snapshot[] | null;
        return (list ?? []).filter((s) => tenantOfSnapshot(s) !== undefined).sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
    }

    async backup(dir: string, tags: readonly string[], onProgress?: (p: BackupProgress) => void): Promise<BackupSummary> {
        let summary: BackupSummary | undefined;
        const args = ["backup", "--json", ...tags.flatMap((t) => ["--tag", t]), "."];
        const onLine = (line: string) => {
            let m: Record<string, number & string>;
            try {
                m = JSON.parse(line);
            } catch {
                return;
            }
            if (m.message_type === "status" && onProgress) {
                onProgress({
                    percent: m.percent_done ?? 0,
                    filesDone: m.files_done ?? 0,
                    totalFiles: m.total_files ?? 0,
                    bytesDone: m.bytes_done ?? 0,
                    totalBytes: m.total_bytes ?? 0,
                });
            } else if (m.message_type === "summary") {
                summary = {
                    snapshotId: m.snapshot_id,
                    filesNew: m.files_new,
                    filesChanged: m.files_changed,
                    filesUnmodified: m.files_unmodified,
                    dataAdded: m.data_added,
                    totalBytes: m.total_bytes_processed,
                };
            }
        };
        // restic records the absolute path it is given: `.` from the staging directory.
        await this.run(args, { onLine, cwd: dir });
        if (!summary) throw new ResticError(`restic backup of ${dir} printed no summary`);
        return summary;
    }

    /** Restores snapshot `id` under `target` (restic recreates the snapshot's absolute paths there). */
    async restore(id: string, target: string): Promise<void> {
        await this.run(["restore", id, "--target", target]);
    }

    /** Bytes and files a restore of the snapshot would write. */
    async stats(id: string): Promise<{ totalSize: number; totalFiles: number }> {
        const s = JSON.parse(await this.run(["stats", "--json", id])) as { total_size: number; total_file_count: number };
        return { totalSize: s.total_size, totalFiles: s.total_file_count };
    }

    /** Applies the retention to one tenant's snapshots and prunes what none of them uses. */
    async forget(tenant: string, keep: readonly string[]): Promise<{ kept: number; removed: number }> {
        const out = await this.run(["forget", "--json", "--tag", tenantTag(tenant), "--group-by", "host,tags", ...keep, "--prune"]);
        const groups = JSON.parse(out.split("\n").find((l) => l.startsWith("[")) ?? "[]") as {
            keep?: unknown[];
            remove?: unknown[] | null;
        }[];
        return {
            kept: groups.reduce((n, g) => n + (g.keep?.length ?? 0), 0),
            removed: groups.reduce((n, g) => n + (g.remove?.length ?? 0), 0),
        };
    }
}
