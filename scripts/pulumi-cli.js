// Which Pulumi CLI this project runs: `npm run deploy` (scripts/deploy.sh), `tenant verify
// --repair` (tenants/context.ts) and the end-to-end test (test/integration/support/pulumiCli.ts)
// all ask here, so that they agree.
//
// An installed CLI first: the first `pulumi` on PATH that is not inside a node_modules directory,
// else the official installer's place (~/.pulumi/bin, or $PULUMI_HOME/bin). Only then the
// `pulumi` npm package's wrapper (node_modules/pulumi/run.js, linked as node_modules/.bin/pulumi),
// which downloads the CLI from get.pulumi.com on first use. `npm run` puts node_modules/.bin first
// on PATH, so a plain `command -v pulumi` would always pick the wrapper, even with a CLI installed
// or no internet.
//
//   node scripts/pulumi-cli.js     prints "<path>\t<installed|wrapper>", exit 1 when there is none
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

/** An executable, non-empty file (following links). */
function executable(file) {
    try {
        fs.accessSync(file, fs.constants.X_OK);
        const st = fs.statSync(file);
        return st.isFile() && st.size > 0;
    } catch {
        return false;
    }
}

/** Inside some node_modules directory once links are followed: a package's bin, not an installed CLI. */
function fromNodeModules(file) {
    return fs.realpathSync(file).split(path.sep).includes("node_modules");
}

/**
 * The CLI to run: `{ bin, kind: "installed" }`, else `{ bin, kind: "wrapper" }` (the npm package's,
 * from `projectDir`), else undefined. `env` gives PATH, PULUMI_HOME and HOME.
 */
function findPulumi({ env = process.env, projectDir = path.resolve(__dirname, "..") } = {}) {
    const home = env.PULUMI_HOME || path.join(env.HOME || os.homedir(), ".pulumi");
    const onPath = (env.PATH || "")
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, "pulumi"));
    const installed = [...onPath, path.join(home, "bin", "pulumi")].find((f) => executable(f) && !fromNodeModules(f));
    if (installed) return { bin: installed, kind: "installed" };
    const wrapper = path.join(projectDir, "node_modules", ".bin", "pulumi");
    return executable(wrapper) ? { bin: wrapper, kind: "wrapper" } : undefined;
}

/** One line for the operator: which CLI runs. */
function describePulumi(found) {
    return found.kind === "installed"
        ? `the Pulumi CLI at ${found.bin}`
        : `the \`pulumi\` npm package's wrapper (${found.bin}), which downloads the CLI from get.pulumi.com on first use: no CLI is installed on PATH or in ~/.pulumi/bin`;
}

module.exports = { findPulumi, describePulumi };

if (require.main === module) {
    const found = findPulumi();
    if (!found) {
        process.stderr.write("no Pulumi CLI: none on PATH or in ~/.pulumi/bin, and no node_modules/.bin/pulumi (npm ci installs it)\n");
        process.exit(1);
    }
    process.stdout.write(`${found.bin}\t${found.kind}\t${describePulumi(found)}\n`);
}
