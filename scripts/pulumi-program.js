// The program's entry point under Pulumi's runner (Pulumi.yaml: `main`, with `typescript: false`).
//
// Why not the runner's own TypeScript support: with `typescript: true` the runner
// (@pulumi/pulumi 3.248, cmd/run/run.js, function run(), its `if (typeScript)` branch) loads the
// TypeScript compiler to read the tsconfig (tsutils.loadTypeScriptCompilerOptions) and registers
// ts-node, which type-checks every file unless PULUMI_NODEJS_TRANSPILE_ONLY or the tsconfig's
// `noCheck` says otherwise: 4.7-7.2 s before the first resource, and still about 3 s
// transpiling only (ts-node, and the compiler @pulumi/pulumi would not need). With
// `typescript: false` the language host leaves PULUMI_NODEJS_TYPESCRIPT unset, so the runner
// registers nothing and require()s this file, which loads the program as `npm run tenant` loads
// the CLI: transpiled only, cached by content (scripts/ts-register.js; type checking is `npm
// test`'s job, `tsc --noEmit -p .`), with unused modules deferred (scripts/lazy-modules.js), and
// stack traces mapped to the .ts files for the runner's source-map-support.
"use strict";
const { installSourceMaps } = require("./ts-register");
const { SDK } = require("./lazy-modules");

installSourceMaps(SDK);

module.exports = require("../index.ts");
