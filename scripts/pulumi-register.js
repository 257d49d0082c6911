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
"use strict";
const { installSourceMaps } = require("./ts-register");
const { SDK } = require("./lazy-modules");

installSourceMaps(SDK);
