// "Nothing written", checked one way wherever a test's title says so:
//
//   const untouched = nothingWritten({ project: dir, lockDir, engine });
//   ...run the command...
//   untouched(); // fails naming what changed
//
// - the project directory and the lock directory (which need not exist: then it must still not),
//   recursively: every entry's kind, mode, owner, inode, size, content and mtime. A lock taken and
//   released leaves no file behind, but creating and removing it changes its directory's mtime.
//   The kernel stamps times from a coarse clock (one tick is several milliseconds), so a lock taken
//   within the tick of the first look could leave the same mtime: watching therefore sets every
//   directory's mtime to a fixed past time first, and any entry made or removed afterwards moves
//   it to now. Files keep their own times (a lock file's mtime says whether it is stale);
//   rewriting one is seen in its inode (the ledger is replaced by a rename), content or mtime;
//   files over 1 MiB are compared by size, inode and mtime, not read.
// - the audit trail (<lock dir>/audit.log) is the one file a failed command may change: it may
//   gain lines that record a failure (issue 23: every attempt at a change is recorded with its
//   outcome), appended to a trail that was there before; nothing else, not even an "ok" line.
// - the fake Engine (fakeEngine.ts): no request but GET and HEAD; with `noRequests`, none at all.
// - `outside`: any other file or directory the command must leave alone (its HOME, a GITHUB_OUTPUT
//   file, the target of a planted link), the same way.
import { createHash } from "crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, utimesSync } from "fs";
import * as path from "path";
import { expect } from "vitest";
import type { FakeEngine } from "./fakeEngine";

export interface Watched {
    readonly project?: string;
    readonly lockDir?: string;
    readonly engine?: FakeEngine;
    /** The command must not even read the Engine (a usage error, `--help`). */
    readonly noRequests?: boolean;
    readonly outside?: readonly string[];
}

const PAST = new Date("2001-01-01T00:00:00Z");
const READ_LIMIT = 1024 * 1024;

/** Records the state of everything in `w` now; the returned function fails if any of it changed since. */
export function nothingWritten(w: Watched): () => void {
    const before = look(w, true);
    const trail = w.lockDir === undefined ? undefined : path.join(w.lockDir, "audit.log");
    const trailBefore = trail && existsSync(trail) ? readFileSync(trail) : undefined;
    const seen = { changes: w.engine?.changes.length ?? 0, requests: w.engine?.requests.length ?? 0 };
    return () => {
        const after = look(w, false);
        if (trailBefore && onlyFailuresAppended(trailBefore, readFileSync(trail!)))
            (after.lockDir as Record<string, string>)["audit.log"] = (before.lockDir as Record<string, string>)["audit.log"];
        if (w.engine) {
            after.engine = w.noRequests ? w.engine.requests.slice(seen.requests) : w.engine.changes.slice(seen.changes);
        }
        expect(after).toEqual(before);
    };
}

function look(w: Watched, pin: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (w.project !== undefined) out.project = tree(w.project, pin);
    if (w.lockDir !== undefined) out.lockDir = tree(w.lockDir, pin);
    for (const p of w.outside ?? []) out[`outside ${p}`] = tree(p, pin);
    if (w.engine) out.engine = [];
    return out;
}

/** Every entry under `root` (itself included, as "."), or "absent". */
function tree(root: string, pin: boolean): Record<string, string> | "absent" {
    const entries: Record<string, string> = {};
    const walk = (rel: string): void => {
        const p = path.join(root, rel);
        let st = lstatSync(p, { bigint: true, throwIfNoEntry: false });
        if (!st) return;
        if (st.isDirectory() && pin) {
            utimesSync(p, PAST, PAST);
            st = lstatSync(p, { bigint: true });
        }
        const who = `${(Number(st.mode) & 0o7777).toString(8)} ${st.uid}:${st.gid} ino ${st.ino}`;
        if (st.isSymbolicLink()) entries[rel || "."] = `link -> ${readlinkSync(p)} ${who}`;
        else if (st.isDirectory()) {
            entries[rel || "."] = `dir ${who} mtime ${st.mtimeNs}`;
            for (const name of readdirSync(p).sort()) walk(path.join(rel, name));
        } else if (st.isFile()) entries[rel || "."] = `file ${who} ${st.size} bytes ${content(p, st.size)} mtime ${st.mtimeNs}`;
        else entries[rel || "."] = `other ${who}`; // a FIFO or socket: never opened (a FIFO would block)
    };
    walk("");
    return Object.keys(entries).length === 0 ? "absent" : entries;
}

function content(file: string, size: bigint): string {
    if (size > READ_LIMIT) return "(not read)";
    const data = readFileSync(file);
    return `sha256 ${createHash("sha256").update(data).digest("hex").slice(0, 16)} ${JSON.stringify(data.toString("utf8", 0, 80))}`;
}

/** The trail as it was, then only lines recording a failure (their outcome "failed"). */
function onlyFailuresAppended(before: Buffer, after: Buffer): boolean {
    if (after.length <= before.length || !after.subarray(0, before.length).equals(before)) return false;
    const added = after.subarray(before.length).toString("utf8").trim().split("\n");
    return added.every((l) => (JSON.parse(l) as { outcome?: unknown }).outcome === "failed");
}
