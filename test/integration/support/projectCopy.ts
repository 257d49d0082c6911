// Throwaway copies of the project, to load deliberately broken variants through the runner
// without touching the real tree. The copy shares the real node_modules (symlinked), so it
// loads exactly the dependencies the project does.
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..", "..");

/** What `pulumi up` needs of the project: its descriptor, manifests and program sources. */
// Pulumi.yaml's preload (scripts/pulumi-register.js, with the loader it uses) and every folder of the
// program's import closure (gitops/programFiles.ts computes it: index.ts, stacks, components, ports,
// docker, project).
const PROGRAM_FILES = [
    "Pulumi.yaml",
    "package.json",
    "tsconfig.json",
    "index.ts",
    "scripts",
    "components",
    "stacks",
    "ports",
    "docker",
    "project",
];

export interface CopyOptions {
    /** Files to write over the copy (path relative to the project root -> content). */
    readonly files?: Readonly<Record<string, string>>;
    /** Edit the copy's package.json. */
    readonly packageJson?: (pkg: Record<string, unknown>) => Record<string, unknown>;
    /** Files to delete from the copy (relative to the project root). */
    readonly remove?: readonly string[];
    /** Extra packages in the copy's node_modules (name -> files of the package). */
    readonly modules?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface ProjectCopy {
    readonly dir: string;
    remove(): Promise<void>;
}

export async function copyProject(o: CopyOptions = {}): Promise<ProjectCopy> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "frontbase-project-"));
    for (const f of PROGRAM_FILES) await fs.cp(path.join(PROJECT_DIR, f), path.join(dir, f), { recursive: true });
    await linkNodeModules(dir, o.modules ?? {});
    if (o.packageJson) {
        const file = path.join(dir, "package.json");
        await fs.writeFile(file, JSON.stringify(o.packageJson(JSON.parse(await fs.readFile(file, "utf8"))), null, 2));
    }
    for (const rel of o.remove ?? []) await fs.rm(path.join(dir, rel), { recursive: true });
    for (const [rel, content] of Object.entries(o.files ?? {})) {
        await fs.mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
        await fs.writeFile(path.join(dir, rel), content);
    }
    return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** The real node_modules, entry by entry when extra packages must sit beside them. */
async function linkNodeModules(dir: string, extra: Readonly<Record<string, Readonly<Record<string, string>>>>): Promise<void> {
    const real = path.join(PROJECT_DIR, "node_modules");
    const target = path.join(dir, "node_modules");
    if (Object.keys(extra).length === 0) return fs.symlink(real, target, "dir");
    await fs.mkdir(target);
    for (const entry of await fs.readdir(real)) await fs.symlink(path.join(real, entry), path.join(target, entry));
    for (const [name, files] of Object.entries(extra)) {
        const pkgDir = path.join(target, name);
        await fs.rm(pkgDir, { recursive: true, force: true });
        await fs.mkdir(pkgDir, { recursive: true });
        for (const [rel, content] of Object.entries(files)) await fs.writeFile(path.join(pkgDir, rel), content);
    }
}
