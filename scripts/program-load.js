// How scripts/pulumi-program.js, the program's entry point under Pulumi's runner (Pulumi.yaml:
// `main`, with `typescript: false`), loads the program.
//
// Why not the runner's own TypeScript support: with `typescript: true` the runner
// (@pulumi/pulumi 3.248, cmd/run/run.js, function run(), the `if (typeScript)` branch) loads the
// TypeScript compiler to read the tsconfig (tsutils.loadTypeScriptCompilerOptions) and registers
// ts-node, which type-checks every file unless PULUMI_NODEJS_TRANSPILE_ONLY or the tsconfig's
// `noCheck` says otherwise: 4.7-7.2 s before the first resource, and still 2.5-3 s transpiling
// only. With `typescript: false` (the language host then leaves PULUMI_NODEJS_TYPESCRIPT unset)
// the runner registers nothing and require()s scripts/pulumi-program.js, which, through this file,
//   1. transpiles the program's .ts files only, through the cache `npm run tenant` uses
//      (scripts/ts-register.js, registered by requiring this file); type checking is `npm
//      test`'s job (`tsc --noEmit -p .`);
//   2. defers two modules @pulumi/pulumi loads with its runtime but uses only to serialize
//      functions (dynamic providers, callbacks), which this program never does: the TypeScript
//      compiler (runtime/closure/parseFunction.js, through typescript-shim.js) and
//      @npmcli/arborist (runtime/closure/codePaths.js). Each is loaded on first use, whole,
//      so a use behaves as before (deferUntilUsed, below);
//   3. maps stack traces back to the .ts files for the runner's source-map-support.
"use strict";
const Module = require("module");
const path = require("path");
const { compiledOutput } = require("./ts-register");

// Deferring: a stand-in is put in require's cache under the module's resolved file, a Proxy whose
// every operation (property read, `in`, key listing, call, `new`) first loads the real module,
// whole, and then answers from it; from then on require() returns the real module.
const DEFERRED = Symbol.for("frontbase.deferred");

/**
 * Defer `request` as resolved from `fromDir`. `importedWithImportStar`: the one importer wraps it
 * in TypeScript's __importStar, which would list its keys (and load it) unless it says
 * `__esModule`; the stand-in then answers `default` with the module itself, as __importStar would.
 */
function deferUntilUsed(request, fromDir, o = {}) {
    let file;
    try {
        file = require.resolve(request, { paths: [fromDir] });
    } catch {
        return false; // not installed: nothing to defer
    }
    if (require.cache[file]) return false; // already loaded
    let real;
    const load = () => {
        if (real === undefined) {
            delete require.cache[file];
            real = require(file);
        }
        return real;
    };
    const stand = new Module(file, null);
    stand.filename = file;
    stand.loaded = true;
    stand.paths = Module._nodeModulePaths(path.dirname(file));
    // A bound function: callable and constructible like a class export, yet with no own
    // non-configurable keys (a plain function's `prototype`) that the Proxy invariants would
    // force into every answer.
    stand.exports = new Proxy(function deferred() {}.bind(null), {
        get(_, key) {
            if (key === DEFERRED) return real === undefined;
            if (o.importedWithImportStar && key === "__esModule") return true;
            if (o.importedWithImportStar && key === "default") return load();
            return Reflect.get(load(), key);
        },
        has: (_, key) => key in load(),
        ownKeys: () => Reflect.ownKeys(load()),
        getOwnPropertyDescriptor(_, key) {
            const d = Reflect.getOwnPropertyDescriptor(load(), key);
            return d && { ...d, configurable: true };
        },
        set: (_, key, value) => Reflect.set(load(), key, value),
        apply: (_, self, args) => Reflect.apply(load(), self, args),
        construct: (_, args) => Reflect.construct(load(), args),
    });
    require.cache[file] = stand;
    return true;
}

/** Whether `request` (resolved from `fromDir`) is still deferred: not loaded by anyone yet. */
function isDeferred(request, fromDir) {
    const entry = require.cache[require.resolve(request, { paths: [fromDir] })];
    return Boolean(entry && entry.exports && entry.exports[DEFERRED]);
}

const SDK = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [path.join(__dirname, "..")] }));

/** Steps 2 and 3 above. */
function prepareProgramLoad() {
    deferUntilUsed("typescript", SDK);
    deferUntilUsed("@npmcli/arborist", SDK, { importedWithImportStar: true });
    try {
        // The runner installed it (cmd/run/index.js); it reads a .ts file's source map from our output.
        require(require.resolve("source-map-support", { paths: [SDK] })).install({ retrieveFile: (file) => compiledOutput(file) ?? null });
    } catch {
        // no source-map-support: Node's own source maps (ts-register enables them) still apply
    }
}

module.exports = { prepareProgramLoad, deferUntilUsed, isDeferred, SDK };
