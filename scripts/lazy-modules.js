// Modules this project's processes load through their dependencies but almost never use, loaded
// on first use instead of at start-up (scripts/ts-register.js calls deferUnused(), so every
// `npm run tenant`, bench and, through scripts/pulumi-register.js, the program under `pulumi up`):
//
//   - the TypeScript compiler and @npmcli/arborist, which @pulumi/pulumi 3.248 loads with its
//     runtime (runtime/closure/parseFunction.js through typescript-shim.js, and
//     runtime/closure/codePaths.js) but uses only to serialize functions (dynamic providers,
//     callbacks), which this program never does;
//   - @grpc/grpc-js and @grpc/proto-loader, which dockerode 5 loads (lib/session.js) for BuildKit
//     sessions only;
//   - docker-modem's SSH transport (lib/ssh.js, which loads ssh2), needed only for an ssh:// Docker
//     host: it loads on the first such connection;
//   - under Pulumi's runner (@pulumi/pulumi 3.248 cmd/run/tracing.js), the OpenTelemetry SDK,
//     exporter and gRPC instrumentation, used only by its start(), when the engine asks for a
//     trace (--tracing), and the Automation API (@pulumi/pulumi's index.js), which drives the
//     Pulumi CLI from outside and which no program uses (about 150 ms of the program's load);
//   - zod 4's translations of its error messages (v4/locales/index.cjs, 62 files, about 25 ms),
//     which zod's classic and core entries load as `z.locales` for z.config(z.locales.xx()); the
//     English messages zod uses by default (locales/en.cjs) load as before.
//
// Deferring: a stand-in is put in require's cache under the module's resolved file, a Proxy whose
// every operation (property read, `in`, key listing, call, `new`) first loads the real module,
// whole, and then answers from it; from then on require() returns the real module. A module
// that is already loaded, or not installed where expected, is left alone: at worst, nothing is
// saved. Never wrong, only sometimes slower.
"use strict";
const Module = require("module");
const path = require("path");

const ROOT = path.resolve(__dirname, "..");

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

function packageDir(name, fromDir) {
    try {
        return path.dirname(require.resolve(`${name}/package.json`, { paths: [fromDir] }));
    } catch {
        return undefined;
    }
}

const SDK = packageDir("@pulumi/pulumi", ROOT);
const TRACING = [
    "@opentelemetry/resources",
    "@opentelemetry/sdk-trace-base",
    "@opentelemetry/exporter-zipkin",
    "@opentelemetry/instrumentation-grpc",
    "@opentelemetry/sdk-trace-node",
    "@opentelemetry/instrumentation",
];

/** Defer the modules listed above; returns the requests that are now deferred. */
function deferUnused() {
    const deferred = [];
    const defer = (request, fromDir, o) => fromDir && deferUntilUsed(request, fromDir, o) && deferred.push(request);
    defer("typescript", SDK);
    defer("@npmcli/arborist", SDK, { importedWithImportStar: true });
    const dockerode = packageDir("dockerode", ROOT);
    const lib = dockerode && path.join(dockerode, "lib");
    defer("@grpc/grpc-js", lib);
    defer("@grpc/proto-loader", lib);
    const modem = dockerode && packageDir("docker-modem", dockerode);
    defer("./ssh", modem && path.join(modem, "lib"));
    // Pulumi's runner: the tracing SDK (cmd/run/tracing.js uses it in start() only, when the engine
    // asks for a trace), and the Automation API (index.js exports it; a program never drives Pulumi).
    const run = SDK && path.join(SDK, "cmd", "run");
    for (const m of TRACING) defer(m, run);
    defer("./automation", SDK, { importedWithImportStar: true });
    const zod = packageDir("zod", ROOT);
    defer("./index.cjs", zod && path.join(zod, "v4", "locales"), { importedWithImportStar: true });
    return deferred;
}

module.exports = { deferUnused, deferUntilUsed, isDeferred, SDK };
