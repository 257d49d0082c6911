// No import cycles among the CLI's modules and what they import (cli/main.ts and cli/registry.ts
// once imported each other), and the command modules reach the registry only through it. The
// layers point one way: the commands (cli/) call the operations (tenants/), backup/ and the
// dashboard; those call the domain modules below them; nothing below cli/ imports from it.
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../../..");

/** Relative imports of a module (static, `import type`, `export ... from`, and `import("...")`), as files. */
function importsOf(file: string): string[] {
    const text = readFileSync(file, "utf8");
    const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)["'](\.[^"']*)["']/g)].map((m) => m[1]);
    const files = specs.map((s) =>
        ["", ".ts", "/index.ts"].map((ext) => path.resolve(path.dirname(file), s) + ext).find((f) => existsSync(f) && f.endsWith(".ts"))!,
    );
    return [...new Set(files.filter(Boolean))];
}

function tsFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? tsFiles(path.join(dir, e.name)) : e.name.endsWith(".ts") ? [path.join(dir, e.name)] : [],
    );
}

/** Every cycle found by a depth-first walk from `roots`, each as the files it passes. */
function cycles(roots: readonly string[], edges: (f: string) => string[] = importsOf): string[][] {
    const found: string[][] = [];
    const done = new Set<string>();
    const stack: string[] = [];
    const visit = (f: string) => {
        if (stack.includes(f))
            return void found.push([...stack.slice(stack.indexOf(f)), f].map((x) => (path.isAbsolute(x) ? path.relative(ROOT, x) : x)));
        if (done.has(f)) return;
        stack.push(f);
        for (const g of edges(f)) visit(g);
        stack.pop();
        done.add(f);
    };
    roots.forEach(visit);
    return found;
}

/** The first directory of a file under ROOT (`cli`, `tenants`, ...), or "." for one at the top. */
function layerOf(file: string): string {
    const rel = path.relative(ROOT, file).split(path.sep);
    return rel.length > 1 ? rel[0] : ".";
}

/** Each import from `file` into a directory that `forbidden` names, as "from -> to". */
function wrongWay(files: readonly string[], forbidden: (from: string) => readonly string[]): string[] {
    return files.flatMap((f) =>
        importsOf(f)
            .filter((g) => forbidden(layerOf(f)).includes(layerOf(g)))
            .map((g) => `${path.relative(ROOT, f)} -> ${path.relative(ROOT, g)}`),
    );
}

/** What each directory of the program may not import: the layers above it. */
const ABOVE: Record<string, readonly string[]> = {
    tenants: ["cli", "backup", "monitor", "dashboard", "bench", "test"],
    backup: ["cli", "monitor", "dashboard", "bench", "test"],
    dashboard: ["cli", "bench", "test"],
    // Watching the fleet (stats, alerts, drills): operations beside backup/, read by the commands and the dashboard.
    monitor: ["cli", "dashboard", "bench", "test"],
};
const BELOW = ["components", "ports", "project", "docker", "gitops", "stacks"];
for (const dir of BELOW) ABOVE[dir] = ["cli", "tenants", "backup", "monitor", "dashboard", "bench", "test"];

describe("imports", () => {
    const cli = tsFiles(path.join(ROOT, "cli"));

    it("have no cycle anywhere the CLI reaches", () => {
        expect(cli.length).toBeGreaterThan(20);
        expect(cycles(cli)).toEqual([]);
    });

    it("are read and walked right: a planted cycle is found, main's imports are listed", () => {
        const graph: Record<string, string[]> = { a: ["b"], b: ["c", "d"], c: ["a"], d: [] };
        expect(cycles(["a"], (n) => graph[n])).toEqual([["a", "b", "c", "a"]]);
        expect(cycles(["d"], (n) => graph[n])).toEqual([]);
        expect(
            importsOf(path.join(ROOT, "cli/main.ts"))
                .map((f) => path.relative(ROOT, f))
                .sort(),
        ).toEqual(["cli/command.ts", "cli/registry.ts", "tenants/audit.ts", "tenants/context.ts"]);
    });

    it("run from the commands down: nothing in tenants/, backup/, dashboard/ or the domain modules imports a layer above it", () => {
        const program = Object.keys(ABOVE).flatMap((dir) => tsFiles(path.join(ROOT, dir)));
        expect(program.filter((f) => layerOf(f) === "tenants").length).toBeGreaterThan(5);
        expect(program.filter((f) => layerOf(f) === "backup").length).toBeGreaterThan(3);
        expect(wrongWay(program, (from) => ABOVE[from] ?? [])).toEqual([]);
    });

    it("report an import against the layers: a real import, checked under a rule that forbids it", () => {
        const jobs = path.join(ROOT, "backup", "jobs.ts");
        expect(wrongWay([jobs], () => ["tenants"])).toContain("backup/jobs.ts -> tenants/context.ts");
        expect(wrongWay([jobs], () => [])).toEqual([]);
    });

    it("leave cli/main.ts and cli/registry.ts to the entry: no command or helper imports them", () => {
        const importers = cli.filter((f) => importsOf(f).some((g) => /cli\/(main|registry)\.ts$/.test(g)));
        expect(importers.map((f) => path.relative(ROOT, f))).toEqual(["cli/main.ts"]);
    });
});
