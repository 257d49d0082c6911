// A require hook for this project's TypeScript: `node -r ./scripts/ts-register.js cli/main.ts`.
//
// What `npm run tenant`, `bench` and `harness` start with, instead of `ts-node --transpile-only`,
// which loads the TypeScript compiler (0.3-0.8 s) on every run. Files are transpiled one by one
// and cached by content (scripts/ts-cache.js): an edit is a new key, so stale code never runs,
// and the compiler is loaded only for a file whose source changed. It also defers the modules
// that dependencies load but this project does not use (scripts/lazy-modules.js).
"use strict";
const fs = require("fs");
const cache = require("./ts-cache");

/** Must agree with tsconfig.json (test/unit/startup.test.ts checks it). */
const COMPILER_OPTIONS = { module: "commonjs", target: "es2022", esModuleInterop: true, inlineSourceMap: true };
const OPTIONS_KEY = `register ${JSON.stringify(COMPILER_OPTIONS)}`;
const toCompiler = (ts) => ({ ...COMPILER_OPTIONS, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 });

/** What each loaded .ts file ran as, for stack traces (installSourceMaps). */
const outputs = new Map();

/** The JavaScript for `file` (absolute path) whose text is `source`. */
function compile(file, source) {
    const out = cache.transpile(file, source, OPTIONS_KEY, toCompiler);
    if (out.diagnostics) throw cache.syntaxError(file, out.diagnostics);
    outputs.set(file, out.outputText);
    return out.outputText;
}

function keyOf(file, source) {
    return cache.keyOf(file, source, OPTIONS_KEY);
}

/**
 * Map stack traces into the .ts files for the copy of source-map-support that `fromDir` resolves
 * (Pulumi's runner installs one, which replaces Node's own source maps).
 */
function installSourceMaps(fromDir) {
    try {
        require(require.resolve("source-map-support", { paths: [fromDir] })).install({ retrieveFile: (file) => outputs.get(file) ?? null });
    } catch {
        // not installed there: Node's own source maps (register() enables them) apply
    }
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
require("./lazy-modules").deferUnused();

module.exports = { compile, keyOf, installSourceMaps, COMPILER_OPTIONS };
