// Which provider plugins the Node language host reports for a program, so that the engine can
// have them before the program runs: pulumi/pulumi v3.259 sdk/nodejs/cmd/pulumi-language-nodejs/
// main.go GetRequiredPackages -> getPackagesFromDir(ProgramDirectory). Every directory under the
// program directory is walked (links followed, each real directory once; a policy pack, which
// holds PulumiPolicy.yaml, skipped); a package.json anywhere below a node_modules directory whose
// `pulumi.resource` is true names a plugin: `pulumi.name`, else the package name without its
// @pulumi/ scope (getPluginName), at `pulumi.version`, else the package version, with a leading v
// (getPluginVersion). Errors along the way are logged by the host, not raised: so here, skipped.
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from "fs";
import * as path from "path";

export interface RequiredPackage {
    readonly name: string;
    readonly version: string;
}

export function requiredPackages(programDir: string): RequiredPackage[] {
    const found: RequiredPackage[] = [];
    const visited = new Set<string>();
    const walk = (dir: string, inNodeModules: boolean) => {
        if (visited.has(dir)) return;
        visited.add(dir);
        let entries;
        try {
            entries = readdirSync(dir, { withFileTypes: true });
        } catch {
            return;
        }
        for (const e of entries) {
            let curr = path.join(dir, e.name);
            let isDir = e.isDirectory();
            if (e.isSymbolicLink()) {
                try {
                    curr = realpathSync(curr);
                    isDir = statSync(curr).isDirectory();
                } catch {
                    continue;
                }
            }
            if (isDir) {
                if (!existsSync(path.join(curr, "PulumiPolicy.yaml"))) walk(curr, inNodeModules || path.basename(dir) === "node_modules");
            } else if (inNodeModules && e.name === "package.json") {
                const p = pluginOf(curr);
                if (p) found.push(p);
            }
        }
    };
    walk(path.resolve(programDir), false);
    return found;
}

function pluginOf(file: string): RequiredPackage | undefined {
    let info: { name?: string; version?: string; pulumi?: { resource?: boolean; name?: string; version?: string } };
    try {
        info = JSON.parse(readFileSync(file, "utf8"));
    } catch {
        return undefined;
    }
    if (info?.pulumi?.resource !== true) return undefined;
    const name = info.pulumi.name || (info.name?.startsWith("@pulumi/") ? info.name.slice("@pulumi/".length) : undefined);
    const version = info.pulumi.version || info.version;
    if (!name || !version) return undefined;
    return { name, version: version.startsWith("v") ? version : `v${version}` };
}
