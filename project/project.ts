// The Pulumi project: where it is, its name, and which of its stack files belongs to a tenant.
import { existsSync, promises as fs } from "fs";
import * as path from "path";
import { parseYaml } from "./plainYaml";
import { readStackFile, StackFile, stackNameOf, tenantOf, tenantStackFiles } from "./stackFiles";

/**
 * The Pulumi project directory: FRONTBASE_PROJECT_DIR, else the nearest directory from
 * `start` upwards holding a Pulumi.yaml (where Pulumi itself looks for stack files).
 */
export function findProjectDir(start = process.cwd(), env: NodeJS.ProcessEnv = process.env): string {
    if (env.FRONTBASE_PROJECT_DIR) return path.resolve(env.FRONTBASE_PROJECT_DIR);
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
        if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        if (path.dirname(dir) === dir)
            throw new Error(
                `no Pulumi.yaml in ${path.resolve(start)} or above; run from the project directory or set FRONTBASE_PROJECT_DIR`,
            );
    }
}

/** The project's name in Pulumi.yaml (part of every URN). */
export async function projectName(projectDir: string): Promise<string> {
    const doc = parseYaml(await fs.readFile(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name?: unknown };
    if (typeof doc?.name !== "string") throw new Error(`${projectDir}/Pulumi.yaml has no project name`);
    return doc.name;
}

/**
 * The stack file whose tenant (`frontbase:tenant`, else the stack name) is `tenant`. Two files
 * claiming it is an error: which one's ports (for nginx, say) would be a guess.
 */
export async function findStackFile(projectDir: string, tenant: string): Promise<StackFile | undefined> {
    const found: StackFile[] = [];
    for (const file of await tenantStackFiles(projectDir)) {
        let read: StackFile;
        try {
            read = await readStackFile(file);
        } catch (e) {
            // Another tenant's broken file must not block this one; this tenant's own must.
            if (stackNameOf(file) === tenant) throw e;
            continue;
        }
        if (tenantOf(read) === tenant) found.push(read);
    }
    if (found.length > 1) {
        throw new Error(
            `tenant ${tenant} is claimed by ${found.length} stack files: ${found.map((f) => f.file).join(", ")}; give all but one another frontbase:tenant (npm run tenant -- check)`,
        );
    }
    return found[0];
}

/** Tenants the project's readable stack files deploy (a broken file is the fleet check's business). */
export async function stackFileTenants(projectDir: string): Promise<string[]> {
    const names = new Set<string>();
    for (const file of await tenantStackFiles(projectDir)) {
        const f = await readStackFile(file).catch(() => undefined);
        if (f) names.add(tenantOf(f));
    }
    return [...names].sort();
}
