// The README is what a new operator needs, and says what is true: the two commands (the test
// command being the one .ci/run runs), a length one reads in a sitting, and the license that
// package.json declares. Its tables and command lines are checked with the other docs
// (test/unit/docs/).
import { readFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";

const root = path.join(__dirname, "..", "..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));

describe("README", () => {
    it("shows the test command that .ci/run runs, and the deploy command", () => {
        const ci = readFileSync(path.join(root, ".ci", "run"), "utf8");
        expect(ci).toMatch(/^npm test$/m);
        const twoCommands = readme.slice(readme.indexOf("## The two commands"));
        expect(twoCommands).toMatch(/^npm test\s/m);
        expect(twoCommands).toMatch(/npm run deploy -- \S+/);
        expect(pkg.scripts.deploy).toBeDefined();
    });

    it("stays short: at most 250 lines, the rest in docs/ and CONTRIBUTING.md", () => {
        expect(readme.split("\n").length).toBeLessThanOrEqual(250);
    });

    it("says what needs root and what needs the internet", () => {
        const needs = readme.slice(readme.indexOf("## What you need"), readme.indexOf("## The two commands"));
        expect(needs).toMatch(/\| what \| for \| root\? \| internet\? \|/);
        for (const tool of ["Docker Engine", "Node.js ≥ 20.19", "Pulumi CLI", "Frontbase images", "restic"]) expect(needs).toContain(tool);
        expect(pkg.engines.node).toBe(">=20.19");
    });

    it("links the LICENSE, which is the one package.json names", () => {
        const license = readFileSync(path.join(root, "LICENSE"), "utf8");
        expect(pkg.license).toBe("MIT");
        expect(license.split("\n")[0]).toBe("MIT License");
        expect(license).toContain("Copyright (c) 2026 frontbase-tenants contributors");
        expect(readme).toContain("[MIT](LICENSE)");
    });
});
