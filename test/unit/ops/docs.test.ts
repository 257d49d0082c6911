// The README and docs show real commands: every `npm run tenant -- <command>` they
// mention exists, and every flag they pass to it is one its usage line offers.
import { readdirSync, readFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { COMMANDS } from "../../../cli/registry";

const root = path.resolve(__dirname, "../../..");
/** Answered by cli/main.ts and cli/command.ts for every command alike. */
const BUILT_IN_COMMANDS = ["help"];
const BUILT_IN_FLAGS = ["--help"];

describe.each([
    "README.md",
    "CONTRIBUTING.md",
    ...readdirSync(path.join(root, "docs"))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `docs/${f}`),
])("%s", (doc) => {
    const text = readFileSync(path.join(root, doc), "utf8");
    const uses = [...text.matchAll(/npm run tenant -- ([a-z-]+)([^`|\n]*)/g)].map((m) => ({
        command: m[1],
        flags: [...m[2].matchAll(/(--[a-z-]+)/g)].map((f) => f[1]),
    }));

    it("names only commands that exist, with flags they accept", async () => {
        for (const u of uses.filter((x) => !BUILT_IN_COMMANDS.includes(x.command))) {
            expect({ command: u.command, exists: u.command in COMMANDS }).toEqual({ command: u.command, exists: true });
            const usage = (await COMMANDS[u.command]()).usage;
            for (const flag of u.flags.filter((f) => !BUILT_IN_FLAGS.includes(f)))
                expect({ command: u.command, flag, accepted: usage.includes(flag) }).toEqual({ command: u.command, flag, accepted: true });
        }
    });
});

it("the docs mention commands at all", () => {
    const all = [
        "README.md",
        "CONTRIBUTING.md",
        ...readdirSync(path.join(root, "docs"))
            .filter((f) => f.endsWith(".md"))
            .map((f) => `docs/${f}`),
    ];
    expect(all.filter((doc) => readFileSync(path.join(root, doc), "utf8").includes("npm run tenant -- ")).length).toBeGreaterThan(5);
});

describe("docs/operations.md", () => {
    it("maps every operation of the design document to a command", () => {
        const text = readFileSync(path.join(root, "docs", "operations.md"), "utf8");
        const table = text.split("\n").filter((l) => l.startsWith("| "));
        const operations = [
            "Deploy",
            "--database postgres",
            "--db-password",
            "--max-retries",
            "Check Tenant Status",
            "View Tenant Logs",
            "Restart Tenant",
            "List All Tenants",
            "Check All Running Projects",
            "Cleanup",
            "Remove All Tenant Data",
            "Port Already Allocated",
            "Deployment Fails After Max Retries",
            "Nginx Reverse Proxy",
        ];
        for (const op of operations) expect({ op, row: table.some((l) => l.split("|")[1].includes(op)) }).toEqual({ op, row: true });
        for (const command of ["status", "logs", "restart", "ls", "check", "purge", "why-port", "nginx", "new"])
            expect(table.join("\n")).toContain(`npm run tenant -- ${command}`);
    });
});
