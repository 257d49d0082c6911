// Every relative link in README.md, CONTRIBUTING.md and docs/*.md resolves: the file exists and,
// for a `#anchor`, the target has that heading (as GitHub makes anchors). Every doc is reachable
// from the README, and every docs/<name>.md the code points to exists.
import { execFileSync } from "child_process";
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { anchors, docFiles, links, readDoc, ROOT } from "../../support/docs";

/** Where a link in `file` leads, or why it leads nowhere. */
function problem(file: string, target: string): string {
    if (/^[a-z]+:/.test(target)) return "";
    const [rel, anchor] = target.split("#");
    const dest = rel === "" ? file : path.normalize(path.join(path.dirname(file), rel));
    if (dest.startsWith("..")) return `${target}: outside the repository`;
    if (!existsSync(path.join(ROOT, dest))) return `${target}: no such file`;
    if (anchor !== undefined && dest.endsWith(".md") && !anchors(readFileSync(path.join(ROOT, dest), "utf8")).has(anchor))
        return `${target}: ${dest} has no heading #${anchor}`;
    return "";
}

describe("links in the docs", () => {
    it("resolve, to a file and to a heading", () => {
        const broken = docFiles().flatMap((file) =>
            links(readDoc(file))
                .map((t) => problem(file, t))
                .filter(Boolean)
                .map((p) => `${file}: ${p}`),
        );
        expect(broken).toEqual([]);
    });

    it("are found: the README links to every doc", () => {
        const fromReadme = new Set(links(readDoc("README.md")).map((t) => t.split("#")[0]));
        expect(docFiles().filter((f) => f !== "README.md" && !fromReadme.has(f))).toEqual([]);
        expect(fromReadme.has("LICENSE")).toBe(true);
    });

    it("are checked: a missing file and a missing heading are reported", () => {
        expect(problem("README.md", "docs/nope.md")).toBe("docs/nope.md: no such file");
        expect(problem("docs/ports.md", "#no-such-heading")).toBe("#no-such-heading: docs/ports.md has no heading #no-such-heading");
        expect(problem("docs/ports.md", "#in-pulumi-up")).toBe("");
        expect(problem("docs/ports.md", "../README.md#the-two-commands")).toBe("");
    });
});

describe("anchors", () => {
    it("are made as GitHub makes them", () => {
        const made = anchors("# Ports: how tenants get theirs\n## In `pulumi up`\n## Design document → this project\n## Tests\n## Tests\n");
        expect([...made]).toEqual(["ports-how-tenants-get-theirs", "in-pulumi-up", "design-document--this-project", "tests", "tests-1"]);
    });
});

describe("the code's pointers into the docs", () => {
    it("name docs that exist", () => {
        const sources = execFileSync("git", ["ls-files", "*.ts", "*.sh", "*.js", "*.yml", "*.yaml"], { cwd: ROOT, encoding: "utf8" })
            .split("\n")
            .filter((f) => f && !f.startsWith("test/unit/docs/") && existsSync(path.join(ROOT, f)));
        const missing = sources.flatMap((f) =>
            [...readFileSync(path.join(ROOT, f), "utf8").matchAll(/\bdocs\/([a-z][a-z0-9-]*\.md)\b/g)]
                .map((m) => `docs/${m[1]}`)
                .filter((doc) => !existsSync(path.join(ROOT, doc)))
                .map((doc) => `${f}: ${doc}`),
        );
        expect(missing).toEqual([]);
    });

    it("no longer send readers to a README section that moved", () => {
        const sources = execFileSync("git", ["ls-files", "*.ts", "*.sh", "*.js"], { cwd: ROOT, encoding: "utf8" })
            .split("\n")
            .filter(Boolean);
        const stale = sources.filter(
            (f) => existsSync(path.join(ROOT, f)) && /\(README[,:] ["']/.test(readFileSync(path.join(ROOT, f), "utf8")),
        );
        expect(stale).toEqual([]);
    });
});
