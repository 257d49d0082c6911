// cli/args.ts, the one argument parser of every operator command: the cases of the two parsers
// it replaced (ops commands and new/ls/check), at the module level. How a command's declaration
// uses it (usage line, --help, exit 2) is test/unit/ops/command.test.ts; the commands' own tests
// (test/unit/ops/commands.test.ts, test/unit/ports/newCommand.test.ts, ...) check that each
// command exits 2 on these before touching anything.
import { describe, expect, it } from "vitest";
import { FlagSpec, flagUsage, integer, invalid, oneOf, parse, serviceArg, tenantArg, UsageError } from "../../cli/args";
import { FLAGS as NEW } from "../../cli/commands/new";

// `new`'s own flags (NEW); these are small stand-ins of the ops commands' shapes.
const LOGS = {
    follow: { kind: "boolean", about: "stream" },
    tail: { kind: "value", arg: "N|all", about: "lines", help: 'a whole number or "all"' },
} as const;
const NGINX = {
    domain: { kind: "value", arg: "<name>", about: "a domain", help: "a domain", multiple: true },
    listen: { kind: "value", arg: "PORT", about: "listen", help: "a port", parse: integer(1, 65535) },
} as const;
const REQUIRED = { domain: { ...NGINX.domain, required: "the domain nginx serves the tenant on" } } as const;

const usageError = (f: () => unknown) => {
    try {
        f();
    } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as Error).message;
    }
    throw new Error("no UsageError");
};

describe("parse", () => {
    it("reads --flag value and --flag=value, checks values, and defaults what was not given", () => {
        expect(parse(["t1", "--database", "postgres", "--max-retries=3", "--json"], NEW, ["<name>"])).toEqual({
            positionals: ["t1"],
            flags: { database: "postgres", "max-retries": 3, "dry-run": false, json: true, force: false, domain: [] },
        });
        expect(parse(["--tail=", "acme"], LOGS, ["<tenant>", "[service]"]).flags).toEqual({ follow: false, tail: "" });
        expect(parse(["acme"], NGINX, ["<tenant>"]).flags).toEqual({ domain: [], listen: undefined });
    });

    it("takes a tenant name as the positional it is, wherever it stands, never as an option", () => {
        expect(parse(["--json", "acme"], NEW, ["<name>"]).positionals).toEqual(["acme"]);
        expect(parse(["acme", "backend", "--follow"], LOGS, ["<tenant>", "[service]"]).positionals).toEqual(["acme", "backend"]);
        expect(parse(["acme"], LOGS, ["<tenant>", "[service]"]).positionals).toEqual(["acme"]);
        expect(parse(["-"], {}, ["<x>"]).positionals).toEqual(["-"]);
        // After `--`, even a dashed word is a positional (the tenant check then refuses it).
        expect(parse(["--", "--json"], NEW, ["<name>"])).toMatchObject({ positionals: ["--json"], flags: { json: false } });
    });

    it("refuses a missing required flag, saying why it is required", () => {
        expect(usageError(() => parse(["acme"], REQUIRED, ["<tenant>"]))).toBe(
            "--domain <name> is required (the domain nginx serves the tenant on)",
        );
        expect(parse(["acme", "--domain", "a.com"], REQUIRED, ["<tenant>"]).flags).toEqual({ domain: ["a.com"] });
    });

    it("writes a flag as the usage line does", () => {
        expect([flagUsage("tail", LOGS.tail), flagUsage("follow", LOGS.follow)]).toEqual(["--tail N|all", "--follow"]);
    });

    it("collects a multiple flag in order", () => {
        expect(parse(["acme", "--domain", "a.com", "--domain=b.com", "--listen", "8080"], NGINX, ["<tenant>"]).flags).toEqual({
            domain: ["a.com", "b.com"],
            listen: 8080,
        });
    });

    it.each([
        // positionals
        [[], "missing argument <name>", ["<name>"], NEW],
        [["--follow"], "missing argument <tenant>", ["<tenant>", "[service]"], LOGS],
        [["t1", "t2"], 'unexpected argument "t2"; expected only <name>', ["<name>"], NEW],
        [["a", "b"], 'unexpected argument "b"; expected only <tenant>', ["<tenant>"], {}],
        [["a", "b", "c"], 'unexpected argument "c"; expected only <tenant> [service]', ["<tenant>", "[service]"], LOGS],
        [["extra"], 'unexpected argument "extra"; this command takes no arguments', [], {}],
        // unknown options name the option and what is allowed; a value given inline is not echoed
        [
            ["t1", "--db-password", "hunter2"],
            'unknown option "--db-password"; allowed: --database <value>, --max-retries <value>, --dry-run, --json, --force',
            ["<name>"],
            NEW,
        ],
        [["t1", "--db-password=hunter2"], 'unknown option "--db-password"; allowed:', ["<name>"], NEW],
        [["--all"], 'unknown option "--all"; allowed: --json', [], { json: { kind: "boolean" } }],
        [["--fix"], 'unknown option "--fix"; allowed: none', [], {}],
        [["acme", "-f"], 'unknown option "-f"; allowed: --follow, --tail <value>', ["<tenant>"], LOGS],
        [["--constructor"], 'unknown option "--constructor"; allowed: none', [], {}],
        // values
        [["t1", "--database"], "option --database needs a value: sqlite or postgres", ["<name>"], NEW],
        [["acme", "--tail"], 'option --tail needs a value: a whole number or "all"', ["<tenant>"], LOGS],
        [["acme", "--tail", "--follow"], 'option --tail needs a value: a whole number or "all"', ["<tenant>"], LOGS],
        [["t1", "--database", "mysql"], '--database "mysql": must be one of sqlite, postgres', ["<name>"], NEW],
        [["t1", "--max-retries", "-1"], '--max-retries "-1": must be a whole number from 0 to 20', ["<name>"], NEW],
        [["t1", "--max-retries=x"], '--max-retries "x": must be a whole number from 0 to 20', ["<name>"], NEW],
        [["t1", "--max-retries", "21"], '--max-retries "21": must be a whole number from 0 to 20', ["<name>"], NEW],
        [["t1", "--dry-run=yes"], 'option --dry-run takes no value (got "yes")', ["<name>"], NEW],
        // a flag given twice is a mistake, not "the last one wins"
        [["t1", "--json", "--json"], "option --json given twice", ["<name>"], NEW],
        [["acme", "--tail", "1", "--tail=2"], "option --tail given twice", ["<tenant>"], LOGS],
    ] as [string[], string, string[], Record<string, FlagSpec>][])("%j: %s", (argv, message, positionals, spec) => {
        expect(usageError(() => parse(argv, spec, positionals))).toContain(message);
    });
});

describe("checks", () => {
    it("integer: whole numbers in range only, named by where they came from", () => {
        expect(integer(1, 65535)("8080", "<port>")).toBe(8080);
        expect(integer(0, 3600)("0", "--timeout")).toBe(0);
        for (const [v, what, range] of [
            ["http", "<port>", "1 to 65535"],
            ["65536", "<port>", "1 to 65535"],
            ["-1", "--timeout", "0 to 3600"],
            ["99999", "--timeout", "0 to 3600"],
            ["1.5", "--timeout", "0 to 3600"],
            ["", "--timeout", "0 to 3600"],
        ]) {
            const [min, max] = range.split(" to ").map(Number);
            expect(usageError(() => integer(min, max)(v, what))).toBe(`${what} "${v}": must be a whole number from ${range}`);
        }
    });

    it("oneOf: the allowed values only, listed when refused", () => {
        expect(oneOf(["sqlite", "postgres"] as const)("postgres", "--database")).toBe("postgres");
        expect(usageError(() => oneOf(["sqlite", "postgres"])("Postgres", "--database"))).toBe(
            '--database "Postgres": must be one of sqlite, postgres',
        );
    });

    it("tenantArg names the argument and the rule", () => {
        expect(tenantArg("acme-2")).toBe("acme-2");
        expect(usageError(() => tenantArg("a_b"))).toMatch(/^<tenant> "a_b": must start with a lowercase letter and contain only/);
        expect(usageError(() => tenantArg("Tenant_1", "<name>"))).toMatch(/^<name> "Tenant_1": must start with a lowercase letter/);
        expect(usageError(() => tenantArg("--json"))).toMatch(/^<tenant> "--json": must start/);
    });

    it("serviceArg lists the services", () => {
        expect(serviceArg("redis-http", "[service]")).toBe("redis-http");
        expect(usageError(() => serviceArg("web", "[service]"))).toBe(
            '[service] "web": must be one of postgres, redis, redis-http, backend, edge, frontend',
        );
    });

    it("invalid: the one shape of a rejected value", () => {
        expect(invalid("--domain", "bad domain;", "must be a domain name").message).toBe('--domain "bad domain;": must be a domain name');
    });
});
