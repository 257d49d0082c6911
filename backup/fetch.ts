// Getting a snapshot back onto this machine: the one asked for (checked as an ID first), restic's
// tree of it in a private staging directory, and that tree checked against its manifest before
// anything of the tenant is touched. The tree comes from the repository, which a restore must
// not trust further than its manifest: a path that leaves the tree, a symbolic link where a file
// was recorded, a device or a FIFO are refused, and nothing outside the tree is read.
import { constants as fsConstants, promises as fs } from "fs";
import * as path from "path";
import { invalid } from "../tenants/checks";
import { hashOf } from "./capture";
import { Manifest, MANIFEST_FILE, manifestPathProblem, parseManifest, verifyFiles } from "./manifest";
import type { Restic, Snapshot } from "./restic";

/** `--snapshot ID`: hex, as restic prints snapshot IDs (the short 8 characters, or more). An empty one would match every snapshot. */
export function snapshotArg(value: string, what: string): string {
    if (!/^[0-9a-f]{4,64}$/.test(value))
        throw invalid(what, value, "must be a snapshot ID: 4 to 64 hex digits, as npm run tenant -- backups <tenant> lists them");
    return value;
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
    snapshotArg(wanted, "--snapshot");
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
        text = await readRegular(path.join(r, MANIFEST_FILE)).catch(() => undefined);
        if (text !== undefined) {
            root = r;
            break;
        }
    }
    if (text === undefined)
        throw new Error(`snapshot ${s.short_id} has no ${MANIFEST_FILE}: it is not a frontbase-tenants backup, or it is damaged`);
    const manifest = parseManifest(text, s.short_id);
    // Paths first: a `..` or an absolute path must not even be looked at.
    const problems = [...manifest.files.flatMap((f) => manifestPathProblem(f.path) ?? []), ...(await strangeEntries(root))];
    if (problems.length === 0) {
        const found = new Map<string, { size: number; sha256: string }>();
        for (const f of manifest.files) {
            try {
                found.set(f.path, await entryHash(path.join(root, f.path), f.kind === "symlink"));
            } catch (e) {
                if ((e as NodeJS.ErrnoException).code !== "ENOENT") problems.push(`${f.path}: ${(e as Error).message}`);
            }
        }
        if (problems.length === 0) problems.push(...verifyFiles(manifest, found));
    }
    if (problems.length > 0)
        throw new Error(`snapshot ${s.short_id} is corrupted; nothing was changed: ${problems.slice(0, 5).join("; ")}`);
    return { root, manifest };
}

/** A regular file's text, never through a link (O_NOFOLLOW), never a device or a FIFO. */
async function readRegular(file: string): Promise<string> {
    const fd = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    try {
        if (!(await fd.stat()).isFile()) throw new Error("not a regular file");
        return await fd.readFile("utf8");
    } finally {
        await fd.close();
    }
}

/** Size and SHA-256 of what the manifest recorded: a regular file's bytes, or a symbolic link's target (never followed). */
async function entryHash(p: string, link: boolean): Promise<{ size: number; sha256: string }> {
    const st = await fs.lstat(p);
    if (link) {
        if (!st.isSymbolicLink()) throw new Error("the manifest records a symbolic link; the snapshot holds something else");
        return hashOf(Buffer.from(await fs.readlink(p)));
    }
    if (!st.isFile()) throw new Error(`the manifest records a file; the snapshot holds ${kindOf(st)}`);
    return hashOf(p, { noFollow: true });
}

/** Every entry of the tree that no backup makes: devices, FIFOs, sockets anywhere, links outside volumes/. */
async function strangeEntries(root: string, rel = ""): Promise<string[]> {
    const out: string[] = [];
    for (const e of await fs.readdir(path.join(root, rel), { withFileTypes: true })) {
        const p = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) out.push(...(await strangeEntries(root, p)));
        else if (e.isSymbolicLink() && !p.startsWith("volumes/")) out.push(`${p}: a symbolic link outside volumes/`);
        else if (!e.isFile() && !e.isSymbolicLink()) out.push(`${p}: ${kindOf(await fs.lstat(path.join(root, p)))}, which no backup holds`);
    }
    return out;
}

export function kindOf(st: import("fs").Stats): string {
    if (st.isSymbolicLink()) return "a symbolic link";
    if (st.isCharacterDevice()) return "a character device";
    if (st.isBlockDevice()) return "a block device";
    if (st.isFIFO()) return "a FIFO";
    if (st.isSocket()) return "a socket";
    if (st.isDirectory()) return "a directory";
    return "a regular file";
}
