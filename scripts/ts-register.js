// A require hook for this project's TypeScript: `node -r ./scripts/ts-register.js cli/main.ts`.
//
// What `npm run tenant`, `bench` and `harness` start with, instead of `ts-node --transpile-only`,
// which loads the TypeScript compiler (0.3-0.8 s) on every run. Each .ts file is transpiled on
// its own (ts.transpileModule: no type check - that is `npm test`'s job, `tsc --noEmit -p .`) and
// the JavaScript is kept in node_modules/.cache/frontbase-ts under the SHA-256 of everything that
// determines it: this loader's version, the compiler's version, the options, the file's path and
// its source. A file whose source changed has another key, so an edit can never run stale code;
// the compiler is loaded only when a key is missing.
//
// The cache is code that will run, so it is used only in a directory owned by you (or root)
// that no other user can write (as project/safeFs.ts judges the lock directory), entries are
// written to a fresh temporary file and renamed into place, and nothing is followed through a
// symbolic link. Anything else: transpile in memory, as if there were no cache.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const LOADER_VERSION = "1";
const ROOT = path.resolve(__dirname, "..");
/** Must agree with tsconfig.json (test/unit/tsRegister.test.ts checks it). */
const COMPILER_OPTIONS = { module: "commonjs", target: "es2022", esModuleInterop: true, inlineSourceMap: true };
const CACHE_DIR = process.env.FRONTBASE_TS_CACHE || path.join(ROOT, "node_modules", ".cache", "frontbase-ts");

let ts; // loaded on the first miss only
let cacheUsable; // undefined: not checked yet
const stats = { hits: 0, misses: 0 };

function typescriptVersion() {
    return require("typescript/package.json").version;
}

const KEY_PREFIX = `${LOADER_VERSION}\0${typescriptVersion()}\0${JSON.stringify(COMPILER_OPTIONS)}\0`;

function keyOf(file, source) {
    return crypto.createHash("sha256").update(KEY_PREFIX).update(file).update("\0").update(source).digest("hex");
}

/** A directory only you (or root) can write, not a link; created 0700 if missing. */
function trustedDir(dir) {
    const uid = typeof process.getuid === "function" ? process.getuid() : -1;
    try {
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        const st = fs.lstatSync(dir);
        if (uid < 0) return st.isDirectory();
        return st.isDirectory() && !st.isSymbolicLink() && (st.uid === uid || st.uid === 0) && (st.mode & 0o022) === 0;
    } catch {
        return false; // read-only node_modules, another user's checkout: no cache
    }
}

function cacheFile(key) {
    if (cacheUsable === undefined) cacheUsable = trustedDir(CACHE_DIR);
    return cacheUsable ? path.join(CACHE_DIR, `${key}.js`) : undefined;
}

function readCached(file) {
    let fd;
    try {
        fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
        const st = fs.fstatSync(fd);
        const uid = typeof process.getuid === "function" ? process.getuid() : -1;
        if (!st.isFile() || (uid >= 0 && st.uid !== uid && st.uid !== 0) || (st.mode & 0o022) !== 0) return undefined;
        return fs.readFileSync(fd, "utf8");
    } catch {
        return undefined;
    } finally {
        if (fd !== undefined) fs.closeSync(fd);
    }
}

function writeCached(file, js) {
    const tmp = `${file}.${process.pid}.${crypto.randomBytes(6).toString("hex")}.tmp`;
    try {
        fs.writeFileSync(tmp, js, { mode: 0o644, flag: fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW });
        fs.renameSync(tmp, file);
    } catch {
        try {
            fs.unlinkSync(tmp);
        } catch {
            // never written
        }
    }
}

/** The JavaScript for `file` (absolute path) whose text is `source`. */
function compile(file, source) {
    const key = keyOf(file, source);
    const cached = cacheFile(key);
    if (cached) {
        const js = readCached(cached);
        if (js !== undefined) {
            stats.hits++;
            return js;
        }
    }
    stats.misses++;
    ts ??= require("typescript");
    const options = { ...COMPILER_OPTIONS, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 };
    const out = ts.transpileModule(source, { fileName: file, compilerOptions: options, reportDiagnostics: true });
    const errors = (out.diagnostics || []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length > 0) {
        const text = errors.map((d) => {
            const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
            return `${file}${where ? `:${where.line + 1}:${where.character + 1}` : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
        });
        throw new SyntaxError(text.join("\n"));
    }
    if (cached) writeCached(cached, out.outputText);
    return out.outputText;
}

function register() {
    if (require.extensions[".ts"]) return; // ts-node or another loader got there first
    // Stack traces point into the .ts files (the inline source maps).
    if (typeof process.setSourceMapsEnabled === "function") process.setSourceMapsEnabled(true);
    require.extensions[".ts"] = function loadTs(module, filename) {
        module._compile(compile(filename, fs.readFileSync(filename, "utf8")), filename);
    };
}

register();
if (process.env.FRONTBASE_TS_DEBUG) process.on("exit", () => process.stderr.write(`ts-register: ${stats.hits} cached, ${stats.misses} transpiled; cache ${cacheUsable ? CACHE_DIR : "not used"}\n`));

module.exports = { compile, keyOf, stats, COMPILER_OPTIONS, CACHE_DIR };
