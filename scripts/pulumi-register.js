// The program's TypeScript loader under Pulumi's runner, preloaded by node itself: Pulumi.yaml's
// runtime option `nodeargs: -r ./scripts/pulumi-register.js`, with no `main`, so that the
// project root stays the program directory and index.ts (package.json `main`) the entry.
//
// Why the root must be the program directory: the language host runs the program, and scans for
// the provider plugins it needs, from the directory of Pulumi.yaml's `main` (pulumi/pulumi
// pkg/engine/project.go getPwdMain; sdk/nodejs/cmd/pulumi-language-nodejs/main.go
// GetRequiredPackages -> getPackagesFromDir(req.Info.ProgramDirectory)). A `main` under scripts/
// made scripts/ that directory: no node_modules there, so no @pulumi/docker or @pulumi/random
// reported, and the engine left to fetch them on first use, which an operator may have disabled.
//
// Why not the runner's own TypeScript support: with `typescript: true` the runner
// (@pulumi/pulumi 3.248, cmd/run/run.js, function run(), its `if (typeScript)` branch) loads the
// TypeScript compiler to read the tsconfig (tsutils.loadTypeScriptCompilerOptions) and registers
// ts-node, which type-checks every file unless PULUMI_NODEJS_TRANSPILE_ONLY or the tsconfig's
// `noCheck` says otherwise: 4.7-7.2 s before the first resource, and still about 3 s
// transpiling only. With `typescript: false` the runner registers nothing; this file, loaded
// before the runner, makes require() of index.ts work as `npm run tenant` loads the CLI:
// transpiled only, cached by content (scripts/ts-register.js; type checking is `npm test`'s job,
// `tsc --noEmit -p .`), with unused modules deferred (scripts/lazy-modules.js), and stack traces
// mapped to the .ts files for the runner's source-map-support.
//
// One kind of stack trace is left unmapped: the one @pulumi/pulumi 3.248 records on every
// promise it makes (runtime/debuggable.js debuggablePromise: `new Error().stack`, kept as
// `_debugStackTrace`), which it prints only for leaked promises and only when
// PULUMI_DEBUG_PROMISE_LEAKS is set (then they are mapped as before). Mapping each of them,
// frame by frame through source-map-support, was the largest single part of the program's time
// to its first resource.
"use strict";
const path = require("path");
const { installSourceMaps } = require("./ts-register");
const { SDK } = require("./lazy-modules");

installSourceMaps(SDK);
if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS && SDK) skipMappingPromiseTraces(path.join(SDK, "runtime", "debuggable.js"));

/** Error.prepareStackTrace (source-map-support's, installed above) for every trace but debuggablePromise's. */
function skipMappingPromiseTraces(debuggable) {
    const mapped = Error.prepareStackTrace;
    if (typeof mapped !== "function") return;
    Error.prepareStackTrace = function prepareStackTrace(error, frames) {
        const top = frames[0];
        if (top && top.getFunctionName() === "debuggablePromise" && top.getFileName() === debuggable)
            return [String(error), ...frames.map((f) => `    at ${f}`)].join("\n"); // as V8 formats it
        return mapped(error, frames);
    };
}
