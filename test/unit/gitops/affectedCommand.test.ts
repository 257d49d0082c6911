// The real `affected` command against a real git repository in a temporary directory.
import { execFileSync } from "child_process";
import { mkdirSync, readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { tempLockDir, tenant } from "../../support/cliRun";
import { tempDir } from "../../support/temp";

function repo() {
    const dir = tempDir("affected");
    const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { cwd: dir, encoding: "utf8" }).trim();
    const write = (file: string, text: string) => {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), text);
    };
    git("init", "-q", "-b", "main");
    for (const f of ["Pulumi.yaml", "Pulumi.acme.yaml", "Pulumi.beta.yaml", "Pulumi.gone.yaml", "README.md"]) write(f, `${f}\n`);
    // The program: index.ts and what it imports. cli/ is not imported.
    write("index.ts", 'import { x } from "./components/x";\nexport = x;\n');
    write("components/x.ts", 'import { y } from "./y";\nexport const x = y;\n');
    write("components/y.ts", "export const y = 1;\n");
    write("cli/main.ts", 'import { x } from "../components/x";\nconsole.log(x);\n');
    git("add", ".");
    git("commit", "-q", "-m", "base");
    return { dir, git, write, base: git("rev-parse", "HEAD") };
}

/** `tenant affected <argv>` in-process, as cli/main runs it, in the given project directory (no GITHUB_OUTPUT unless `env` has one). */
async function run(argv: string[], given: { projectDir: string }, env: Record<string, string> = {}) {
    return tenant(["affected", ...argv], { FRONTBASE_LOCK_DIR: tempLockDir(), ...env }, given);
}

describe("tenant affected", () => {
    it("lists the stack whose file changed, and the deleted one apart", async () => {
        const r = repo();
        r.write("Pulumi.acme.yaml", "changed\n");
        r.write("README.md", "docs only\n");
        r.git("rm", "-q", "Pulumi.gone.yaml");
        r.git("commit", "-qam", "change");
        const res = await run(["--base", r.base, "--json"], { projectDir: r.dir });
        expect(res.code).toBe(0);
        expect(JSON.parse(res.out)).toMatchObject({ stacks: ["acme"], removed: ["gone"] });
    });

    it("lists every stack when shared code changed on a branch (three-dot diff ignores base's own later commits)", async () => {
        const r = repo();
        r.git("checkout", "-qb", "feature");
        r.write("components/x.ts", "changed\n");
        r.git("commit", "-qam", "shared");
        r.git("checkout", "-q", "main");
        r.write("Pulumi.beta.yaml", "main moved on\n");
        r.git("commit", "-qam", "main");
        const res = await run(["--base", "main", "--head", "feature", "--json"], { projectDir: r.dir });
        // Stack files are listed from the working tree (main here, where gone still exists).
        expect(JSON.parse(res.out).stacks).toEqual(["acme", "beta", "gone"]);
        expect(JSON.parse(res.out).sharedChanges).toEqual(["components/x.ts"]);
    });

    it("counts only the files the program imports as shared, as they are at the head commit, not in the working tree", async () => {
        const r = repo();
        r.git("checkout", "-qb", "feature");
        r.write("components/new.ts", "export const n = 1;\n");
        r.write("components/x.ts", 'import { y } from "./y";\nimport { n } from "./new";\nexport const x = y + n;\n');
        r.git("add", ".");
        r.git("commit", "-qm", "new module");
        const base = r.git("rev-parse", "HEAD");
        r.write("components/new.ts", "export const n = 2;\n");
        r.write("cli/main.ts", "console.log(1);\n");
        r.write("components/unused.ts", "export const u = 1;\n");
        r.git("add", ".");
        r.git("commit", "-qm", "edit");
        r.git("checkout", "-q", "main");
        const res = await run(["--base", base, "--head", "feature", "--json"], { projectDir: r.dir });
        expect(JSON.parse(res.out)).toMatchObject({ stacks: ["acme", "beta", "gone"], sharedChanges: ["components/new.ts"] });
    });

    it("a release bump in Pulumi.yaml affects the stacks on that release, not a canary that names its own, nor the proxy", async () => {
        const r = repo();
        const images = (t: string) => `{backend: "b:${t}", edge: "e:${t}", frontend: "f:${t}"}`;
        const project = (release: string, catalog: string) =>
            `name: frontbase\nruntime: nodejs\nconfig:\n  frontbase:release: ${release}\n  frontbase:releases:\n    value: {${catalog}}\n`;
        r.write("Pulumi.yaml", project("r1", `r1: ${images("1")}, r2: ${images("2")}`));
        r.write("Pulumi.acme.yaml", "config:\n  frontbase:tenant: acme\n");
        r.write("Pulumi.beta.yaml", "config:\n  frontbase:release: r2\n");
        r.write("Pulumi.gone.yaml", "config:\n  frontbase:images: {backend: mine:1}\n");
        r.write("Pulumi.proxy.yaml", "config:\n  frontbase:tls: internal\n");
        r.git("add", ".");
        r.git("commit", "-qm", "releases");
        const base = r.git("rev-parse", "HEAD");
        r.write("Pulumi.yaml", project("r3", `r1: ${images("1")}, r2: ${images("2")}, r3: ${images("3")}`));
        r.git("commit", "-qam", "release r3");
        const res = await run(["--base", base, "--json"], { projectDir: r.dir });
        expect(JSON.parse(res.out)).toEqual({
            // gone keeps its own backend, but edge and frontend come from the release: it moves too.
            stacks: ["acme", "gone"],
            removed: [],
            sharedChanges: [],
            reasons: {
                acme: "Pulumi.yaml's config changed what it deploys: frontbase:release (r1 -> r3)",
                gone: "Pulumi.yaml's config changed what it deploys: frontbase:release (r1 -> r3)",
            },
        });
        // Changing a canary's release moves only the canary; anything else in Pulumi.yaml is shared code.
        r.write("Pulumi.yaml", project("r3", `r1: ${images("1")}, r2: ${images("2b")}, r3: ${images("3")}`));
        r.git("commit", "-qam", "fix r2");
        const head = r.git("rev-parse", "HEAD");
        expect(JSON.parse((await run(["--base", `${head}~1`, "--json"], { projectDir: r.dir })).out).stacks).toEqual(["beta"]);
        r.write(
            "Pulumi.yaml",
            project("r3", `r1: ${images("1")}, r2: ${images("2b")}, r3: ${images("3")}`).replace(
                "runtime: nodejs",
                "runtime: {name: nodejs}",
            ),
        );
        r.git("commit", "-qam", "runtime");
        const shared = JSON.parse((await run(["--base", "HEAD~1", "--json"], { projectDir: r.dir })).out);
        expect([shared.stacks, shared.sharedChanges]).toEqual([["acme", "beta", "gone", "proxy"], ["Pulumi.yaml"]]);
    });

    it("a CLI-only change affects no stack", async () => {
        const r = repo();
        r.write("cli/main.ts", "console.log(2);\n");
        r.git("commit", "-qam", "cli");
        const res = await run(["--base", r.base, "--json"], { projectDir: r.dir });
        expect(JSON.parse(res.out)).toMatchObject({ stacks: [], sharedChanges: [] });
    });

    it("a file the program imported at the base commit stays shared when the change deletes it or renames it away", async () => {
        const r = repo();
        // x.ts stops importing y.ts; y.ts is deleted, and a copy the program does not import appears.
        r.write("components/x.ts", "export const x = 1;\n");
        r.git("mv", "components/y.ts", "components/old-y.ts");
        r.git("commit", "-qam", "drop y");
        const res = await run(["--base", r.base, "--json"], { projectDir: r.dir });
        expect(JSON.parse(res.out).sharedChanges).toEqual(["components/x.ts", "components/y.ts"]);
    });

    it("writes the matrix to GITHUB_OUTPUT, and --all lists every stack", async () => {
        const r = repo();
        const outFile = path.join(r.dir, "gh-output");
        writeFileSync(outFile, "");
        const res = await run(["--all", "--github-output"], { projectDir: r.dir }, { GITHUB_OUTPUT: outFile });
        expect(res.code).toBe(0);
        expect(readFileSync(outFile, "utf8")).toBe('stacks=["acme","beta","gone"]\nremoved=[]\ncount=3\n');
    });

    it("treats GitHub's all-zero 'before' as a first push: every stack", async () => {
        const r = repo();
        const res = await run(["--base", "0".repeat(40), "--json"], { projectDir: r.dir });
        expect(JSON.parse(res.out).stacks).toEqual(["acme", "beta", "gone"]);
    });

    it.each([
        [[], /exactly one of --base <rev> or --all/],
        [["--all", "--base", "x"], /exactly one of --base <rev> or --all/],
        [["--base=--upload-pack=evil"], /--base "--upload-pack=evil": must be a git revision/],
        [["--base", "--all"], /option --base needs a value: a git revision/],
        [["--all", "--github-output"], /GITHUB_OUTPUT is not set/],
        [["--all", "--bogus"], /unknown option "--bogus".*allowed: --base <value>/],
        [["--all", "extra"], /unexpected argument "extra"/],
    ])("usage error %j exits 2 and names the problem", async (argv, message) => {
        const r = repo();
        const res = await run(argv, { projectDir: r.dir });
        expect(res.code).toBe(2);
        expect(res.err).toMatch(message);
        expect(res.out).toBe("");
    });

    it("fails (never an empty list) when the base commit is unknown", async () => {
        const r = repo();
        const res = await run(["--base", "deadbeef"], { projectDir: r.dir });
        expect(res).toMatchObject({ code: 1, out: "" });
        expect(res.err).toMatch(/^tenant affected: git diff deadbeef\.\.\.HEAD failed: .*fetch-depth: 0/s);
    });
});
