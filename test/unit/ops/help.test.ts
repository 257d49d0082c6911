// `npm run tenant -- <command> --help`, for every command: exit 0, the usage line and every
// flag on stdout, nothing read or changed (the Docker host is a dead socket, the project
// directory does not exist).
import { describe, expect, it } from "vitest";
import { run } from "../../../cli/main";
import { COMMANDS } from "../../../cli/registry";
import { testContext } from "../../support/cliRun";

const DEAD = {
    DOCKER_HOST: "unix:///nonexistent/docker.sock",
    FRONTBASE_PROJECT_DIR: "/nonexistent/project",
    FRONTBASE_LOCK_DIR: "/nonexistent/locks",
};

describe.each(Object.keys(COMMANDS))("%s", (name) => {
    it.each([["--help"], ["-h"], ["acme", "--help"]])("%s: usage and every flag, exit 0", async (...argv) => {
        const command = await COMMANDS[name]();
        const ctx = testContext(DEAD);
        expect(await run([name, ...argv], ctx)).toBe(0);
        const { out, err } = ctx.output();
        expect(err).toBe("");
        expect(out.split("\n")[0]).toBe(`usage: npm run tenant -- ${command.usage}`);
        expect(out).toContain(command.summary);
        for (const flag of Object.keys(command.flags)) expect(out).toMatch(new RegExp(`^ {2}--${flag}\\b`, "m"));
        for (const arg of command.args)
            expect(out).toContain(arg.variadic ? `[${arg.name}...]` : arg.optional ? `[${arg.name}]` : `<${arg.name}>`);
        expect(out).toMatch(/^ {2}-h, --help +print this help$/m);
    });
});

// That the docs show each command's own usage line: test/unit/docs/commandLines.test.ts.
describe("usage lines", () => {
    const all = async () => Promise.all(Object.entries(COMMANDS).map(async ([name, load]) => [name, await load()] as const));

    it("are generated from each command's declaration: its name, its arguments first and in order, each flag once, nothing else", async () => {
        for (const [name, command] of await all()) {
            const [start, ...rest] = command.usage.split(" ");
            const firstFlag = rest.findIndex((t) => /^[[(]?--/.test(t));
            const args = rest
                .slice(0, firstFlag === -1 ? rest.length : firstFlag)
                .map((t) => t.replace(/^[<[](.*)[>\]]$/, "$1").replace(/\.\.\.$/, ""));
            const flags = [...command.usage.matchAll(/--([a-z-]+)/g)].map((m) => m[1]);
            expect({ name, start, args, flags: [...flags].sort(), once: new Set(flags).size === flags.length }).toEqual({
                name,
                start: name,
                args: command.args.map((a) => a.name),
                flags: Object.keys(command.flags).sort(),
                once: true,
            });
        }
    });
});
