// ts-node's transpiler under Pulumi's runner (tsconfig.pulumi.json: "ts-node": { "transpiler" }):
// the same per-file transpileModule ts-node would run in transpile-only mode, with ts-node's own
// compiler options, but cached by content (scripts/ts-cache.js), so `pulumi up` transpiles only
// the files that changed since the last run. ts-node's custom transpiler interface:
// ts-node/dist/transpilers/types.d.ts (create -> { transpile(code, { fileName }) }).
"use strict";
const cache = require("./ts-cache");

exports.create = function create({ service }) {
    const options = service.config.options;
    const optionsKey = `ts-node ${JSON.stringify(options)}`;
    return {
        transpile(code, { fileName }) {
            return cache.transpile(fileName, code, optionsKey, () => options);
        },
    };
};
