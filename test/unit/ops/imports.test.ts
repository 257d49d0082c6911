// No import cycles among the CLI's modules and what they import (cli/main.ts and cli/registry.ts
// once imported each other), and the command modules reach the registry only through it.
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
        ).toEqual(["cli/command.ts", "cli/context.ts", "cli/registry.ts"]);
    });

    it("leave cli/main.ts and cli/registry.ts to the entry: no command or helper imports them", () => {
        const importers = cli.filter((f) => importsOf(f).some((g) => /cli\/(main|registry)\.ts$/.test(g)));
        expect(importers.map((f) => path.relative(ROOT, f))).toEqual(["cli/main.ts"]);
    });
});
