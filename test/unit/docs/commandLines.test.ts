// Every command line in README.md, CONTRIBUTING.md and docs/*.md that runs `npm run tenant`,
// `deploy`, `dashboard` or `rollout` is parsed against that command's declaration: an unknown
// command, an unknown flag or a bad value fails, naming the file and the line. A usage line must
// be the command's own. Every other `npm run <script>` must be a script of package.json.
import { readFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { CHECKED_SCRIPTS, commandsIn, declarationOf, docCommands } from "../../support/docCommands";
import { docFiles, prose, readDoc, ROOT } from "../../support/docs";
import { COMMANDS } from "../../../cli/registry";

const all = docCommands();
const scripts = Object.keys(JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts);

/** The problem with one doc command line, or "" when it parses. */
async function problem(c: (typeof all)[number]): Promise<string> {
    try {
        const declared = await declarationOf(c.script, c.argv);
        if (c.usageLine) {
            const expected = `npm run ${c.script} -- ${declared.usage}`;
            return c.text === expected ? "" : `usage line differs from the command's own: ${expected}`;
        }
        if (!c.bare) declared.check(c.argv);
        return "";
    } catch (e) {
        return (e as Error).message.split("\n")[0];
    }
}

describe("command lines in the docs", () => {
    it("finds the docs' command lines of every checked script it can", () => {
        expect(all.filter((c) => c.script === "tenant").length).toBeGreaterThan(50);
        expect(all.filter((c) => c.script === "deploy" && !c.bare).length).toBeGreaterThan(5);
    });

    it("parses each one against its command's declaration", async () => {
        const checked = all.filter((c) => CHECKED_SCRIPTS.includes(c.script));
        const failures: string[] = [];
        for (const c of checked) {
            const p = await problem(c);
            if (p) failures.push(`${c.file}: ${c.text}\n    ${p}`);
        }
        expect(failures).toEqual([]);
    });

    it("names only npm scripts that package.json has", () => {
        const unknown = all.filter((c) => !scripts.includes(c.script)).map((c) => `${c.file}: npm run ${c.script}`);
        expect(unknown).toEqual([]);
    });

    it("writes every npm run command as code, where this test finds it", () => {
        const outside = docFiles().flatMap((file) =>
            prose(readDoc(file))
                .replace(/`[^`]*`/g, "")
                .split("\n")
                .filter((l) => /npm run /.test(l) && !/^<!--/.test(l.trim()))
                .map((l) => `${file}: ${l.trim()}`),
        );
        expect(outside).toEqual([]);
    });

    it("shows every command's full usage line somewhere", async () => {
        const usages = new Set(all.filter((c) => c.script === "tenant").map((c) => c.text));
        const missing: string[] = [];
        for (const [name, load] of Object.entries(COMMANDS)) {
            const line = `npm run tenant -- ${(await load()).usage}`;
            if (!usages.has(line)) missing.push(`${name}: ${line}`);
        }
        expect(missing).toEqual([]);
    });
});

describe("the check itself", () => {
    const parseLine = (text: string) => problem(commandsIn("test", text)[0]);

    it.each([
        ["npm run tenant -- new acme --databse postgres", 'unknown option "--databse"'],
        ["npm run tenant -- new acme --database mysql", '--database "mysql": must be one of sqlite, postgres'],
        ["npm run tenant -- deploy acme", 'no command "deploy" in cli/registry.ts'],
        ["npm run tenant -- status", "missing argument <tenant>"],
        ["npm run tenant -- affected", "give exactly one of --base <rev> or --all"],
        ["npm run tenant -- why-port <port> [--json]", "usage line differs from the command's own"],
        ["npm run deploy -- acme --repiar", 'unknown option "--repiar"'],
        ["npm run deploy -- acme --stack other", 'unknown option "--stack"'],
        ["npm run no-such-script -- acme", 'package.json has no script "no-such-script"'],
    ])("refuses %s", async (text, message) => {
        expect(await parseLine(text)).toContain(message);
    });

    it.each([
        "npm run tenant -- new <tenant> --database postgres",
        "npm run tenant -- why-port <the port named in the error>",
        "npm run tenant -- <command> --help",
        "npm run deploy -- acme --repair --yes --replace 'urn:pulumi:a::b::c'",
        "npm run deploy -- <stack> [--repair] [pulumi up options]",
    ])("accepts %s", async (text) => {
        expect(await parseLine(text)).toBe("");
    });
});
