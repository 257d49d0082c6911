// Transpiled TypeScript, cached on disk by content, for scripts/ts-register.js: how `npm run
// tenant`, `bench`, `harness` and, under Pulumi's runner, the program (scripts/program-load.js)
// load this project's .ts files.
//
// Each .ts file is transpiled on its own (ts.transpileModule: no type check - that is `npm
// test`'s job, `tsc --noEmit -p .`). The output is kept in node_modules/.cache/frontbase-ts under
// the SHA-256 of everything that determines it: this cache's version, the compiler's version,
// the compiler options, the file's path and its source. A file whose source changed has another
// key, so an edit can never run stale code; the compiler is loaded only when a key is missing.
//
// The cache is code that will run, so it is used only in a directory owned by you (or root)
// that no other user can write (as project/safeFs.ts judges the lock directory); an entry is
// read only if it is a regular file (opened with O_NOFOLLOW) of yours or root's that no one
// else can write, and written to a fresh O_EXCL temporary file renamed into place. Anything
// else: transpile in memory, as if there were no cache.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const CACHE_VERSION = "1";
const ROOT = path.resolve(__dirname, "..");
const CACHE_DIR = process.env.FRONTBASE_TS_CACHE || path.join(ROOT, "node_modules", ".cache", "frontbase-ts");
/** Entries unused (not rewritten) for this long are removed when something new is written. */
const PRUNE_AFTER_MS = 14 * 24 * 3600_000;

const stats = { hits: 0, misses: 0, usable: undefined };
let ts; // loaded on the first miss only
let pruned = false;

const uid = typeof process.getuid === "function" ? process.getuid() : -1;
const trustedOwner = (owner) => uid < 0 || owner === uid || owner === 0;

function typescript() {
    ts ??= require("typescript");
    return ts;
}

let tsVersion;

function keyOf(file, source, optionsKey) {
    tsVersion ??= require("typescript/package.json").version;
    return crypto.createHash("sha256").update(`${CACHE_VERSION}\0${tsVersion}\0${optionsKey}\0${file}\0`).update(source).digest("hex");
}

/** A directory only you (or root) can write, not a link; created 0700 if missing. */
function usable() {
    if (stats.usable === undefined) {
        try {
            fs.mkdirSync(CACHE_DIR, { recursive: true, mode: 0o700 });
            const st = fs.lstatSync(CACHE_DIR);
            stats.usable = st.isDirectory() && trustedOwner(st.uid) && (uid < 0 || (st.mode & 0o022) === 0);
        } catch {
            stats.usable = false; // read-only node_modules, another user's checkout: no cache
        }
    }
    return stats.usable;
}

function read(file) {
    let fd;
    try {
        fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
        const st = fs.fstatSync(fd);
        if (!st.isFile() || !trustedOwner(st.uid) || (uid >= 0 && (st.mode & 0o022) !== 0)) return undefined;
        const entry = JSON.parse(fs.readFileSync(fd, "utf8"));
        return typeof entry.outputText === "string" ? entry : undefined;
    } catch {
        return undefined; // missing, or torn by a crash before the rename existed: transpile again
    } finally {
        if (fd !== undefined) fs.closeSync(fd);
    }
}

function write(file, entry) {
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString("hex")}.tmp`;
    const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;
    try {
        fs.writeFileSync(tmp, JSON.stringify(entry), { mode: 0o644, flag: O_WRONLY | O_CREAT | O_EXCL | (O_NOFOLLOW ?? 0) });
        fs.renameSync(tmp, file);
    } catch {
        fs.rmSync(tmp, { force: true });
    }
    if (!pruned) prune();
}

/** Remove entries not written for PRUNE_AFTER_MS (a hit does not touch them: at worst, one more miss). */
function prune() {
    pruned = true;
    const old = Date.now() - PRUNE_AFTER_MS;
    try {
        for (const name of fs.readdirSync(CACHE_DIR)) {
            const p = path.join(CACHE_DIR, name);
            const st = fs.lstatSync(p);
            if (st.isFile() && st.mtimeMs < old) fs.rmSync(p, { force: true });
        }
    } catch {
        // best effort
    }
}

/**
 * `{ outputText, sourceMapText?, diagnostics? }` for `file` (absolute path) whose text is
 * `source`. `optionsKey` names the compiler options (part of the key); `options(ts)` gives them
 * in the compiler's own form, on a miss only. Output with errors is returned, never cached.
 */
function transpile(file, source, optionsKey, options) {
    const key = keyOf(file, source, optionsKey);
    const entryFile = usable() ? path.join(CACHE_DIR, `${key}.json`) : undefined;
    const hit = entryFile && read(entryFile);
    if (hit) {
        stats.hits++;
        return hit;
    }
    stats.misses++;
    const t = typescript();
    const out = t.transpileModule(source, { fileName: file, compilerOptions: options(t), reportDiagnostics: true });
    const errors = (out.diagnostics || []).filter((d) => d.category === t.DiagnosticCategory.Error);
    if (errors.length > 0) return { outputText: out.outputText, sourceMapText: out.sourceMapText, diagnostics: out.diagnostics };
    const entry = { outputText: out.outputText, sourceMapText: out.sourceMapText };
    if (entryFile) write(entryFile, entry);
    return entry;
}

/** "file:line:col: message" for each error, as a SyntaxError. */
function syntaxError(file, diagnostics) {
    const t = typescript();
    const lines = diagnostics
        .filter((d) => d.category === t.DiagnosticCategory.Error)
        .map((d) => {
            const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
            return `${file}${where ? `:${where.line + 1}:${where.character + 1}` : ""}: ${t.flattenDiagnosticMessageText(d.messageText, "\n")}`;
        });
    return new SyntaxError(lines.join("\n"));
}

if (process.env.FRONTBASE_TS_DEBUG) {
    process.on("exit", () =>
        process.stderr.write(
            `ts-cache: ${stats.hits} cached, ${stats.misses} transpiled; cache ${stats.usable ? CACHE_DIR : "not used"}\n`,
        ),
    );
}

module.exports = { transpile, keyOf, syntaxError, stats, CACHE_DIR };
