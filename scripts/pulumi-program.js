// The program's entry point under Pulumi's runner (Pulumi.yaml: `main`, with `typescript: false`):
// the program's TypeScript, transpiled only and cached, without loading what it never uses.
// scripts/program-load.js says how and why.
"use strict";
require("./program-load").prepareProgramLoad();

module.exports = require("../index.ts");
