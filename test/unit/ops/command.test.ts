// cli/command.ts: one declaration per command; usage line, --help and usage errors generated
// from it and handled once, for every command alike.
import { describe, expect, it } from "vitest";
import { integer, oneOf, tenantArg, UsageError } from "../../../cli/args";
import { asksForHelp, defineCommand, helpText, invoke } from "../../../cli/command";
import { run } from "../../../cli/main";
import { COMMANDS } from "../../../cli/registry";
import { testContext } from "../../support/cliRun";

// A dead socket and directories that cannot exist: a command that reached for the Engine, the
// project or the lock would fail, so these tests prove none did.
const DEAD = {
    DOCKER_HOST: "unix:///nonexistent/docker.sock",
    FRONTBASE_PROJECT_DIR: "/nonexistent/project",
    FRONTBASE_LOCK_DIR: "/nonexistent/locks",
};

const calls: unknown[] = [];
const demo = defineCommand({
    name: "demo",
    summary: "a stand-in command",
    args: [
        { name: "tenant", about: "a tenant", parse: tenantArg },
        { name: "service", about: "a service", optional: true, parse: oneOf(["web", "db"] as const) },
    ],
    flags: {
        json: { kind: "boolean", about: "JSON out" },
        wait: { kind: "value", arg: "S", help: "seconds, 0 to 9", about: "wait", parse: integer(0, 9) },
        base: { kind: "value", arg: "<rev>", help: "a revision", about: "from" },
        all: { kind: "boolean", about: "everything" },
    },
    exactlyOne: ["base", "all"],
    notes: "Exit 3: demo.",
    async run({ args, flags }, ctx) {
        calls.push({ args, flags });
        if (args.tenant === "boom") throw new Error("engine down");
        if (args.tenant === "late") throw new UsageError("found wrong only after reading");
        ctx.io.out("ran");
        return 3;
    },
});

describe("a declared command", () => {
    it("has a usage line generated from its declaration", () => {
        expect(demo.usage).toBe("demo <tenant> [service] [--json] [--wait S] (--base <rev> | --all)");
    });

    it("runs with checked, converted arguments and passes the exit code through", async () => {
        const ctx = testContext(DEAD);
        calls.length = 0;
        expect(await invoke(demo, ["acme", "web", "--wait=4", "--all"], ctx)).toBe(3);
        expect(calls).toEqual([{ args: { tenant: "acme", service: "web" }, flags: { json: false, wait: 4, base: undefined, all: true } }]);
        expect(ctx.output().out).toBe("ran\n");
    });

    it.each([
        [["Acme", "--all"], '<tenant> "Acme": must start with a lowercase letter'],
        [["acme", "api", "--all"], '[service] "api": must be one of web, db'],
        [["acme"], "give exactly one of --base <rev> or --all"],
        [["acme", "--all", "--base", "x"], "give exactly one of --base <rev> or --all"],
        [["late", "--all"], "found wrong only after reading"],
    ])("%j: a usage error prints the message and the usage line, exit 2", async (argv, message) => {
        const ctx = testContext(DEAD);
        expect(await invoke(demo, argv, ctx)).toBe(2);
        const { out, err } = ctx.output();
        expect(out).toBe("");
        expect(err.startsWith(message)).toBe(true);
        expect(err.endsWith(`\nusage: npm run tenant -- ${demo.usage}\n`)).toBe(true);
        expect(err.split("\n")).toHaveLength(3);
    });

    it("lets other errors propagate (cli/main prints them, exit 1)", async () => {
        await expect(invoke(demo, ["boom", "--all"], testContext(DEAD))).rejects.toThrow("engine down");
    });

    it("answers --help and -h, anywhere before --, with exit 0 and without running", async () => {
        for (const argv of [["--help"], ["-h"], ["acme", "--wait", "99", "-h"], ["--bogus", "--help"]]) {
            const ctx = testContext(DEAD);
            calls.length = 0;
            expect(await invoke(demo, argv, ctx)).toBe(0);
            expect(ctx.output().out).toBe(`${helpText(demo)}\n`);
            expect(calls).toEqual([]);
        }
        expect(asksForHelp(["acme", "--", "--help"])).toBe(false);
    });

    it("prints usage, summary, every argument and option with what it takes, and the notes", () => {
        expect(helpText(demo)).toBe(
            [
                "usage: npm run tenant -- demo <tenant> [service] [--json] [--wait S] (--base <rev> | --all)",
                "",
                "a stand-in command",
                "",
                "arguments:",
                "  <tenant>      a tenant",
                "  [service]     a service",
                "",
                "options:",
                "  --json        JSON out",
                "  --wait S      wait (seconds, 0 to 9)",
                "  --base <rev>  from (a revision)",
                "  --all         everything",
                "  -h, --help    print this help",
                "",
                "Exit 3: demo.",
            ].join("\n"),
        );
    });
});

describe("npm run tenant -- help", () => {
    it("lists every command with its summary, exit 0; no command at all is exit 2", async () => {
        const ctx = testContext(DEAD);
        expect(await run(["help"], ctx)).toBe(0);
        const { out } = ctx.output();
        for (const name of Object.keys(COMMANDS)) {
            const command = await COMMANDS[name]();
            expect(out).toMatch(new RegExp(`^ {2}${name} +${command.summary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"));
        }
        expect(await run([], testContext(DEAD))).toBe(2);
    });

    it("help <command> is that command's --help", async () => {
        const ctx = testContext(DEAD);
        expect(await run(["help", "logs"], ctx)).toBe(0);
        expect(ctx.output().out).toBe(`${helpText(await COMMANDS.logs())}\n`);
    });

    it("an unknown command is exit 2 with the list; a name from Object.prototype is unknown too", async () => {
        for (const name of ["deploy", "constructor", "__proto__"]) {
            const ctx = testContext(DEAD);
            expect(await run([name], ctx)).toBe(2);
            expect(ctx.output().err).toMatch(new RegExp(`^unknown command "${name}"\n\nusage: npm run tenant -- <command>`));
        }
    });
});

describe("the registry", () => {
    it("names each command after its file", async () => {
        for (const [name, load] of Object.entries(COMMANDS)) expect((await load()).name).toBe(name);
    });
});
