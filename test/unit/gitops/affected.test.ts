import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { affectedStacks, allStacks, githubOutputLines } from "../../../gitops/affected";
import { importClosure } from "../../../gitops/programFiles";

const STACKS = ["acme", "beta", "dev"];
/** A program's files as gitops/programFiles.ts gives them; cli/imported.ts shows that the import graph wins over folders. */
const PROGRAM = new Set([
    "index.ts",
    "stacks/tenant.ts",
    "components/config.ts",
    "components/a.ts",
    "components/b.ts",
    "components/c.ts",
    "components/d.ts",
    "cli/imported.ts",
    "data/table.json",
]);

describe("affectedStacks", () => {
    it.each([
        // changed paths, expected stacks, expected removed
        [["Pulumi.acme.yaml"], ["acme"], []],
        [["Pulumi.acme.yaml", "Pulumi.dev.yaml"], ["acme", "dev"], []],
        [["Pulumi.gone.yaml"], [], ["gone"]],
        // a rename is its old and its new path (git diff --no-renames)
        [["Pulumi.old.yaml", "Pulumi.beta.yaml"], ["beta"], ["old"]],
        [["components/config.ts"], STACKS, []],
        [["data/table.json"], STACKS, []],
        [["cli/imported.ts"], STACKS, []],
        [["stacks/tenant.ts", "Pulumi.acme.yaml"], STACKS, []],
        [["index.ts"], STACKS, []],
        [["package.json"], STACKS, []],
        [["package-lock.json"], STACKS, []],
        [["Pulumi.yaml"], STACKS, []],
        [["tsconfig.json"], STACKS, []],
        [["tsconfig.build.json"], STACKS, []],
        [["scripts/deploy.sh"], STACKS, []],
        [["scripts/some-tool.ts"], STACKS, []],
        // Not in the program, and not known to be inert: errs towards previewing.
        [["some-new-dir/thing.yaml"], STACKS, []],
        [["images/frontbase/build.sh"], STACKS, []],
        // A source file the program does not import, wherever it is, changes no stack.
        [["some-new-dir/thing.ts"], [], []],
        [["gitops/affected.ts", "cli/commands/ls.ts", "ports/fleetCheck.ts", "vitest.config.mts", "components/unused.js"], [], []],
        [[".github/workflows/preview.yml"], STACKS, []],
        [[".github/actions/docker-host/action.yml"], STACKS, []],
        [["README.md"], [], []],
        [["docs/gitops.md", "components/README.md"], [], []],
        [[".github/dependabot.yml", ".github/workflows/other.yml"], [], []],
        [["cli/commands/status.ts", "test/unit/x.test.ts", "bench/run.ts", ".ci/run", "vitest.integration.config.mts"], [], []],
        [["test/images/backend/Dockerfile", "test/unit/ops/__snapshots__/nginx.test.ts.snap", "cli/README.txt"], [], []],
        [["sub/Pulumi.acme.yaml"], STACKS, []],
        [[], [], []],
    ])("%j -> stacks %j, removed %j", (changed, stacks, removed) => {
        const a = affectedStacks(changed, STACKS, PROGRAM);
        expect(a.stacks).toEqual(stacks);
        expect(a.removed).toEqual(removed);
    });

    it("a deleted stack is never in the preview list even when shared code changed too", () => {
        const a = affectedStacks(["Pulumi.gone.yaml", "components/config.ts"], STACKS, PROGRAM);
        expect(a.stacks).toEqual(STACKS);
        expect(a.removed).toEqual(["gone"]);
        expect(a.sharedChanges).toEqual(["components/config.ts"]);
    });

    it("gives a reason per stack, naming the shared paths", () => {
        const a = affectedStacks(
            ["Pulumi.acme.yaml", "components/a.ts", "components/b.ts", "components/c.ts", "components/d.ts"],
            STACKS,
            PROGRAM,
        );
        expect(a.reasons.acme).toBe("Pulumi.acme.yaml changed");
        expect(a.reasons.dev).toBe("shared code changed: components/a.ts, components/b.ts, components/c.ts (+1 more)");
    });

    it("allStacks sorts and deduplicates", () => {
        expect(allStacks(["dev", "acme", "dev"], "drift").stacks).toEqual(["acme", "dev"]);
    });

    it("writes GitHub outputs as JSON arrays the matrix can read", () => {
        const out = githubOutputLines(affectedStacks(["Pulumi.acme.yaml", "Pulumi.gone.yaml"], STACKS, PROGRAM));
        expect(out).toBe('stacks=["acme"]\nremoved=["gone"]\ncount=1\n');
        expect(JSON.parse(/^stacks=(.*)$/m.exec(out)![1])).toEqual(["acme"]);
    });
});

/** A repository's files in memory, as gitops/programFiles.ts reads them from a commit. */
function tree(files: Record<string, string>) {
    return { paths: new Set(Object.keys(files)), read: (p: string) => files[p] };
}

describe("importClosure", () => {
    it("follows every kind of relative import, type-only ones too, and only those", () => {
        const files = {
            "index.ts": [
                '/// <reference path="./types/h.d.ts" />',
                'import { a } from "./lib/a";',
                'export * from "./lib/b";',
                'import type { C } from "./lib/c";',
                'import d = require("./lib/d");',
                'const e = require("./lib/e");',
                'const f = import("./lib/f");',
                'type G = typeof import("./lib/g");',
                'import * as pulumi from "@pulumi/pulumi";',
                '// import "./lib/commented";',
                "const s = \"import x from './lib/in-a-string'\";",
            ].join("\n"),
            "lib/a.ts": 'import "../dir"; import "./j.js"; import table from "./table.json"; import "../../outside";',
            "lib/b.ts": 'import "./a"; export const b = 1;',
            "lib/c.ts": "",
            "lib/d.ts": "",
            "lib/e.ts": "",
            "lib/f.ts": "",
            "lib/g.ts": "",
            "types/h.d.ts": "",
            "dir/index.ts": 'import "./deep/k";',
            "dir/deep/k.tsx": "",
            "lib/j.ts": "",
            "lib/table.json": "{}",
            "lib/commented.ts": "",
            "lib/in-a-string.ts": "",
            "lib/unused.ts": "",
            "cli/main.ts": 'import "../lib/a";',
        };
        expect([...importClosure(tree(files))].sort()).toEqual([
            "dir/deep/k.tsx",
            "dir/index.ts",
            "index.ts",
            "lib/a.ts",
            "lib/b.ts",
            "lib/c.ts",
            "lib/d.ts",
            "lib/e.ts",
            "lib/f.ts",
            "lib/g.ts",
            "lib/j.ts",
            "lib/table.json",
            "types/h.d.ts",
        ]);
    });

    it("counts every file a specifier could resolve to: more than TypeScript picks is safe, fewer is not", () => {
        expect(
            [...importClosure(tree({ "index.ts": 'import "./x";', "x.ts": "", "x.d.ts": "", "x/index.ts": "", "x.json": "" }))].sort(),
        ).toEqual(["index.ts", "x.d.ts", "x.json", "x.ts", "x/index.ts"]);
    });

    it("is empty without the entry point, and survives import cycles", () => {
        expect(importClosure(tree({ "other.ts": "" }))).toEqual(new Set());
        expect(importClosure(tree({ "index.ts": 'import "./a";', "a.ts": 'import "./index";' }))).toEqual(new Set(["index.ts", "a.ts"]));
    });

    it.each(["require(name);", "import(`./lib/${name}`);", "import x = require(name);"])(
        "refuses an import it cannot follow: %s",
        (code) => {
            expect(() => importClosure(tree({ "index.ts": 'import "./a";', "a.ts": `const name = "x";\n${code}` }))).toThrow(
                /^a\.ts:2: an import of a computed path cannot be followed/,
            );
        },
    );
});

// The real program: the closure of this repository's index.ts, read from disk.
describe("the program's files in this repository", () => {
    const root = path.resolve(__dirname, "../../..");
    const program = importClosure({
        paths: { has: (p: string) => existsSync(path.join(root, p)) } as ReadonlySet<string>,
        read: (p) => readFileSync(path.join(root, p), "utf8"),
    });

    it("are the stack program, its ports, Docker host and stack-file modules, and nothing of cli/, gitops/, test/ or bench/", () => {
        for (const f of [
            "index.ts",
            "stacks/tenant.ts",
            "components/TenantStack.ts",
            "components/services.ts",
            "ports/resolve.ts",
            "docker/dockerHost.ts",
            "project/stackFiles.ts",
        ])
            expect(program).toContain(f);
        expect([...program].filter((f) => /^(cli|gitops|test|bench)\//.test(f))).toEqual([]);
    });

    it.each([
        [["ports/resolve.ts"], STACKS],
        [["components/services.ts"], STACKS],
        [["stacks/tenant.ts", "docker/dockerHost.ts"], STACKS],
        [["gitops/affected.ts"], []],
        [["gitops/programFiles.ts", "cli/commands/ls.ts", "cli/main.ts"], []],
        // Used by the CLI's `check`, never by the program.
        [["ports/fleetCheck.ts", "project/stackSecrets.ts"], []],
        [["test/unit/tenantStack.test.ts", "test/support/pulumiMocks.ts", "bench/run.ts"], []],
    ])("editing %j affects %j", (changed, stacks) => {
        expect(affectedStacks(changed, STACKS, program).stacks).toEqual(stacks);
    });
});
