import { readFileSync, existsSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { affectedStacks, allStacks, classifyPath, githubOutputLines } from "../../../gitops/affected";

const STACKS = ["acme", "beta", "dev"];

describe("affectedStacks", () => {
    it.each([
        // changed paths, expected stacks, expected removed
        [["Pulumi.acme.yaml"], ["acme"], []],
        [["Pulumi.acme.yaml", "Pulumi.dev.yaml"], ["acme", "dev"], []],
        [["Pulumi.gone.yaml"], [], ["gone"]],
        // a rename is its old and its new path (git diff --no-renames)
        [["Pulumi.old.yaml", "Pulumi.beta.yaml"], ["beta"], ["old"]],
        [["components/config.ts"], STACKS, []],
        [["stacks/tenant.ts", "Pulumi.acme.yaml"], STACKS, []],
        [["index.ts"], STACKS, []],
        [["package.json"], STACKS, []],
        [["package-lock.json"], STACKS, []],
        [["Pulumi.yaml"], STACKS, []],
        [["tsconfig.json"], STACKS, []],
        [["some-new-dir/thing.ts"], STACKS, []],
        [[".github/workflows/preview.yml"], STACKS, []],
        [[".github/actions/docker-host/action.yml"], STACKS, []],
        [["README.md"], [], []],
        [["docs/gitops.md", "components/README.md"], [], []],
        [[".github/dependabot.yml", ".github/workflows/other.yml"], [], []],
        [["cli/commands/status.ts", "test/unit/x.test.ts", "bench/run.ts", ".ci/run", "vitest.integration.config.mts"], [], []],
        [["sub/Pulumi.acme.yaml"], STACKS, []],
        [[], [], []],
    ])("%j -> stacks %j, removed %j", (changed, stacks, removed) => {
        const a = affectedStacks(changed, STACKS);
        expect(a.stacks).toEqual(stacks);
        expect(a.removed).toEqual(removed);
    });

    it("a deleted stack is never in the preview list even when shared code changed too", () => {
        const a = affectedStacks(["Pulumi.gone.yaml", "components/naming.ts"], STACKS);
        expect(a.stacks).toEqual(STACKS);
        expect(a.removed).toEqual(["gone"]);
        expect(a.sharedChanges).toEqual(["components/naming.ts"]);
    });

    it("gives a reason per stack, naming the shared paths", () => {
        const a = affectedStacks(["Pulumi.acme.yaml", "components/a.ts", "components/b.ts", "components/c.ts", "components/d.ts"], STACKS);
        expect(a.reasons.acme).toBe("Pulumi.acme.yaml changed");
        expect(a.reasons.dev).toBe("shared code changed: components/a.ts, components/b.ts, components/c.ts (+1 more)");
    });

    it("allStacks sorts and deduplicates", () => {
        expect(allStacks(["dev", "acme", "dev"], "drift").stacks).toEqual(["acme", "dev"]);
    });

    it("writes GitHub outputs as JSON arrays the matrix can read", () => {
        const out = githubOutputLines(affectedStacks(["Pulumi.acme.yaml", "Pulumi.gone.yaml"], STACKS));
        expect(out).toBe('stacks=["acme"]\nremoved=["gone"]\ncount=1\n');
        expect(JSON.parse(/^stacks=(.*)$/m.exec(out)![1])).toEqual(["acme"]);
    });
});

// The inert list is a claim about the program: prove that nothing the program loads is inert.
describe("classifyPath against the real import graph", () => {
    const root = path.resolve(__dirname, "../../..");
    function reachable(from: string, seen = new Set<string>()): Set<string> {
        if (seen.has(from)) return seen;
        seen.add(from);
        const text = readFileSync(path.join(root, from), "utf8");
        for (const m of text.matchAll(/(?:from\s+|import\(\s*|require\(\s*)["'](\.{1,2}\/[^"']+)["']/g)) {
            const base = path.normalize(path.join(path.dirname(from), m[1]));
            const file = [`${base}.ts`, path.join(base, "index.ts"), base].find((f) => existsSync(path.join(root, f)) && f.endsWith(".ts"));
            if (file) reachable(file, seen);
        }
        return seen;
    }

    it("every file index.ts loads is shared, so changing it previews every stack", () => {
        const files = [...reachable("index.ts")];
        expect(files).toContain("stacks/tenant.ts");
        expect(files).toContain("components/TenantStack.ts");
        for (const f of files) expect({ f, kind: classifyPath(f).kind }).toEqual({ f, kind: "shared" });
    });
});
