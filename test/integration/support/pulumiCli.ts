// Finding a real Pulumi CLI for the end-to-end test, as npm run deploy finds it
// (scripts/pulumi-cli.js), but never the `pulumi` npm package's wrapper: it would download the
// CLI from get.pulumi.com on first use, which is unreachable where this project is built.
import { existsSync, realpathSync } from "fs";
import { spawnSync } from "child_process";
import * as path from "path";
import { findPulumi } from "../../../scripts/pulumi-cli";

export interface PulumiCli {
    /** The `pulumi` binary. */
    readonly bin: string;
    /** Its installation root (the directory holding `bin/`), as PulumiCommand.get wants it. */
    readonly root: string;
    readonly version: string;
}

/** The CLI and its Node language host, or why the end-to-end test cannot run. */
export function findPulumiCli(): PulumiCli | { reason: string } {
    const found = findPulumi();
    if (found?.kind !== "installed") {
        return {
            reason: "no Pulumi CLI binary on PATH or in ~/.pulumi/bin (the npm `pulumi` wrapper would download it from get.pulumi.com, which is not reachable here)",
        };
    }
    const bin = realpathSync(found.bin);
    const v = spawnSync(bin, ["version"], { encoding: "utf8", timeout: 30_000, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
    if (v.status !== 0) return { reason: `${bin} version failed: ${(v.stderr || v.error?.message || "").trim()}` };
    const host = path.join(path.dirname(bin), "pulumi-language-nodejs");
    const onPath = (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter(Boolean)
        .some((d) => existsSync(path.join(d, "pulumi-language-nodejs")));
    if (!existsSync(host) && !onPath) return { reason: `${bin} has no pulumi-language-nodejs beside it or on PATH` };
    return { bin, root: path.dirname(path.dirname(bin)), version: v.stdout.trim() };
}
