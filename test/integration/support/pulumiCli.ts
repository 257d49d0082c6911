// Finding a real Pulumi CLI for the end-to-end test. The `pulumi` npm package's wrapper
// (node_modules/.bin/pulumi) is not one: it would download the CLI from get.pulumi.com on
// first use, which is unreachable where this project is built, so it is never run here.
import { accessSync, constants, existsSync, realpathSync, statSync } from "fs";
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";

export interface PulumiCli {
    /** The `pulumi` binary. */
    readonly bin: string;
    /** Its installation root (the directory holding `bin/`), as PulumiCommand.get wants it. */
    readonly root: string;
    readonly version: string;
}

function executable(file: string): boolean {
    try {
        accessSync(file, constants.X_OK);
        return statSync(file).isFile() && statSync(file).size > 0;
    } catch {
        return false;
    }
}

function candidates(): string[] {
    const home = process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");
    const fromPath = (process.env.PATH ?? "")
        .split(path.delimiter)
        .filter(Boolean)
        .map((d) => path.join(d, "pulumi"));
    return [...fromPath, path.join(home, "bin", "pulumi")];
}

/** The CLI and its Node language host, or why the end-to-end test cannot run. */
export function findPulumiCli(): PulumiCli | { reason: string } {
    const bins = candidates().filter((f) => executable(f) && !realpathSync(f).includes(`${path.sep}node_modules${path.sep}`));
    if (bins.length === 0) {
        return {
            reason: "no Pulumi CLI binary on PATH or in ~/.pulumi/bin (the npm `pulumi` wrapper would download it from get.pulumi.com, which is not reachable here)",
        };
    }
    const bin = realpathSync(bins[0]);
    const v = spawnSync(bin, ["version"], { encoding: "utf8", timeout: 30_000, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } });
    if (v.status !== 0) return { reason: `${bin} version failed: ${(v.stderr || v.error?.message || "").trim()}` };
    const host = path.join(path.dirname(bin), "pulumi-language-nodejs");
    const onPath = candidates()
        .map((f) => path.join(path.dirname(f), "pulumi-language-nodejs"))
        .some(executable);
    if (!existsSync(host) && !onPath) return { reason: `${bin} has no pulumi-language-nodejs beside it or on PATH` };
    return { bin, root: path.dirname(path.dirname(bin)), version: v.stdout.trim() };
}
