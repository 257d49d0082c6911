// The adversarial table (issue 13): careless and hostile command lines and stack files, run
// through the real CLI against a stand-in Engine. Each row asserts the exit code, a message
// naming the field and what is allowed, and that nothing was written (support/unchanged.ts): the
// project's files, the lock directory (no lock taken, no ledger entry), and the Engine (no request
// but reads). The symlink, forged-file and other-user rows live beside it (lockDir, forgedFiles,
// stackFiles, cliInputs, deployCheck). Every bug found later adds a row here.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempLockDir, tempProject, tenant } from "../../support/cliRun";
import { FakeEngine, startFakeEngine } from "../../support/fakeEngine";
import { nothingWritten } from "../../support/unchanged";

let engine: FakeEngine;
beforeAll(async () => void (engine = await startFakeEngine([])));
afterAll(() => engine.close());

const T1 = "config:\n  frontbase:ports:\n    backend: 9901\n    edge: 9902\n    frontend: 9903\n    redisHttp: 9904\n";
/** A stack file for t1 with one extra config line. */
const withLine = (line: string) => ({ "Pulumi.t1.yaml": `${T1}  ${line}\n` });

/** [row, stack files, argv, exit code, what the output must say] */
const ROWS: [string, Record<string, string>, string[], number, string][] = [
    // Command lines: exit 2 with the usage line, before anything is read.
    ["new without a name", {}, ["new"], 2, "missing argument <name>"],
    ["new with an upper-case name", {}, ["new", "Acme"], 2, '<name> "Acme": must start with a lowercase letter'],
    ["new with a path as name", {}, ["new", "../etc"], 2, '<name> "../etc": must start with a lowercase letter'],
    ["new with an underscore", {}, ["new", "a_b"], 2, '<name> "a_b"'],
    ["new with a 41-character name", {}, ["new", "a".repeat(41)], 2, "must be at most 40 characters"],
    ["new --database mysql", {}, ["new", "t1", "--database", "mysql"], 2, '--database "mysql": must be one of sqlite, postgres'],
    ["new --max-retries 21", {}, ["new", "t1", "--max-retries", "21"], 2, '--max-retries "21": must be a whole number from 0 to 20'],
    ["new --max-retries -1", {}, ["new", "t1", "--max-retries", "-1"], 2, '--max-retries "-1": must be a whole number from 0 to 20'],
    ["new --max-retries 1.5", {}, ["new", "t1", "--max-retries", "1.5"], 2, '--max-retries "1.5": must be a whole number from 0 to 20'],
    [
        "new --max-retries without a value",
        {},
        ["new", "t1", "--max-retries"],
        2,
        "option --max-retries needs a value: a whole number from 0 to 20",
    ],
    ["new --force twice", {}, ["new", "t1", "--force", "--force"], 2, "option --force given twice"],
    ["new --json=yes", {}, ["new", "t1", "--json=yes"], 2, 'option --json takes no value (got "yes")'],
    ["new with an unknown option", {}, ["new", "t1", "--db-password=hunter2hunter2"], 2, 'unknown option "--db-password"'],
    ["new --constructor", {}, ["new", "t1", "--constructor"], 2, 'unknown option "--constructor"'],
    ["new with two names", {}, ["new", "t1", "t2"], 2, 'unexpected argument "t2"'],
    ["new -f (short options do not exist)", {}, ["new", "t1", "-f"], 2, 'unknown option "-f"'],
    ["an unknown command", {}, ["deploy", "t1"], 2, 'unknown command "deploy"'],
    ["why-port without a port", {}, ["why-port"], 2, "missing argument <port>"],
    ["why-port 0", {}, ["why-port", "0"], 2, '<port> "0": must be a whole number from 1 to 65535'],
    ["why-port 1e3", {}, ["why-port", "1e3"], 2, '<port> "1e3": must be a whole number from 1 to 65535'],
    ["why-port 0x50", {}, ["why-port", "0x50"], 2, '<port> "0x50": must be a whole number from 1 to 65535'],
    ["why-port with two ports", {}, ["why-port", "80", "81"], 2, 'unexpected argument "81"'],
    [
        "logs of an unknown service",
        {},
        ["logs", "t1", "nginx"],
        2,
        '[service] "nginx": must be one of postgres, redis, redis-http, backend, edge, frontend',
    ],
    ["logs --tail -5", {}, ["logs", "t1", "--tail", "-5"], 2, "--tail"],
    ["restart --timeout -1", {}, ["restart", "t1", "--timeout", "-1"], 2, "--timeout"],
    ["status of a tenant named like an option value", {}, ["status", "--json", "--json"], 2, "option --json given twice"],
    ["purge without a tenant", {}, ["purge"], 2, "missing argument <tenant>"],
    ["nginx without --domain", {}, ["nginx", "t1"], 2, "--domain <name> is required"],
    [
        "nginx with a domain that injects directives",
        {},
        ["nginx", "t1", "--domain", "a.com; include /etc/passwd"],
        2,
        "must be a domain name",
    ],
    [
        "nginx --listen 0",
        {},
        ["nginx", "t1", "--domain", "a.com", "--listen", "0"],
        2,
        '--listen "0": must be a whole number from 1 to 65535',
    ],
    ["check with an argument", {}, ["check", "t1"], 2, 'unexpected argument "t1"; this command takes no arguments'],
    ["ls -1", {}, ["ls", "-1"], 2, 'unexpected argument "-1"; this command takes no arguments'],
    // Stack files: preflight (what `npm run deploy` runs first) exits 1 naming the key.
    [
        "a misspelt key",
        withLine("frontbase:databse: postgres"),
        ["preflight", "t1"],
        1,
        "frontbase: unknown key(s) frontbase:databse; allowed: tenant, database",
    ],
    ["database mysql", withLine("frontbase:database: mysql"), ["preflight", "t1"], 1, 'frontbase:database: must be "sqlite" or "postgres"'],
    [
        "a tenant name with capitals",
        withLine("frontbase:tenant: Acme"),
        ["preflight", "t1"],
        1,
        "frontbase:tenant: must start with a lowercase letter",
    ],
    [
        "port 0",
        { "Pulumi.t1.yaml": "config:\n  frontbase:ports:\n    backend: 0\n" },
        ["preflight", "t1"],
        1,
        "frontbase:ports.backend: must be an integer port number from 1 to 65535",
    ],
    [
        "port 65536",
        { "Pulumi.t1.yaml": "config:\n  frontbase:ports:\n    backend: 65536\n" },
        ["preflight", "t1"],
        1,
        "frontbase:ports.backend: must be an integer port number from 1 to 65535",
    ],
    [
        "port as text",
        { "Pulumi.t1.yaml": "config:\n  frontbase:ports:\n    backend: eighty\n" },
        ["preflight", "t1"],
        1,
        "frontbase:ports.backend: must be an integer port number from 1 to 65535",
    ],
    [
        "a fractional port",
        { "Pulumi.t1.yaml": "config:\n  frontbase:ports:\n    backend: 8000.5\n" },
        ["preflight", "t1"],
        1,
        "frontbase:ports.backend: must be an integer port number from 1 to 65535",
    ],
    [
        "an unknown service in ports",
        { "Pulumi.t1.yaml": "config:\n  frontbase:ports:\n    ssh: 22\n" },
        ["preflight", "t1"],
        1,
        "frontbase:ports: unknown key(s) ssh; allowed: backend, edge, frontend, redisHttp",
    ],
    [
        "two services on one port",
        { "Pulumi.t1.yaml": "config:\n  frontbase:ports:\n    backend: 9901\n    edge: 9901\n" },
        ["preflight", "t1"],
        1,
        "frontbase:ports.edge: 9901 is already used by ports.backend",
    ],
    [
        "a reversed range",
        withLine('frontbase:portRanges: {backend: "9000-8000"}'),
        ["preflight", "t1"],
        1,
        'frontbase:portRanges.backend: must be a range "FROM-TO" with 1 <= FROM <= TO <= 65535',
    ],
    [
        "a range past 65535",
        withLine('frontbase:portRanges: {backend: "60000-70000"}'),
        ["preflight", "t1"],
        1,
        "frontbase:portRanges.backend: must be a range",
    ],
    [
        "reservedPorts not a list",
        withLine("frontbase:reservedPorts: 8000"),
        ["preflight", "t1"],
        1,
        "frontbase:reservedPorts: must be a list of port numbers",
    ],
    [
        "a reserved port out of range",
        withLine("frontbase:reservedPorts: [70000]"),
        ["preflight", "t1"],
        1,
        "frontbase:reservedPorts.0: must be an integer port number from 1 to 65535",
    ],
    [
        "maxRetries 99",
        withLine("frontbase:maxRetries: 99"),
        ["preflight", "t1"],
        1,
        "frontbase:maxRetries: must be an integer from 0 to 20",
    ],
    [
        "an image reference with a shell metacharacter",
        withLine('frontbase:images: {redis: "redis;rm -rf /"}'),
        ["preflight", "t1"],
        1,
        "frontbase:images.redis: must be an image reference such as redis:7.4.2-alpine",
    ],
    [
        "an unknown image key",
        withLine("frontbase:images: {nginx: nginx}"),
        ["preflight", "t1"],
        1,
        "frontbase:images: unknown key(s) nginx",
    ],
    [
        "4 MiB of memory",
        withLine("frontbase:memory: {backend: 4}"),
        ["preflight", "t1"],
        1,
        "frontbase:memory.backend: must be an integer number of MiB, at least 16",
    ],
    [
        "a plain-text dbPassword",
        withLine("frontbase:dbPassword: correcthorsebattery"),
        ["preflight", "t1"],
        1,
        "frontbase:dbPassword: is stored in plain text; set it with `pulumi config set --secret dbPassword`",
    ],
    [
        "purgeDataOnDestroy yes",
        withLine('frontbase:purgeDataOnDestroy: "yes"'),
        ["preflight", "t1"],
        1,
        "frontbase:purgeDataOnDestroy: must be true or false",
    ],
    [
        "a publicHost with a space",
        withLine('frontbase:publicHost: "a b"'),
        ["preflight", "t1"],
        1,
        "frontbase:publicHost: must be a host name or IP address",
    ],
    [
        "bindAddress localhost",
        withLine("frontbase:bindAddress: localhost"),
        ["preflight", "t1"],
        1,
        "frontbase:bindAddress: must be an IPv4 address such as 0.0.0.0 or 127.0.0.1",
    ],
    [
        "bindAddress 256.1.1.1",
        withLine("frontbase:bindAddress: 256.1.1.1"),
        ["preflight", "t1"],
        1,
        "frontbase:bindAddress: must be an IPv4 address such as 0.0.0.0 or 127.0.0.1 (four numbers from 0 to 255)",
    ],
    [
        "an adminEmail without @",
        withLine("frontbase:adminEmail: admin"),
        ["preflight", "t1"],
        1,
        "frontbase:adminEmail: must be an e-mail address",
    ],
    ["config that is a list", { "Pulumi.t1.yaml": "config:\n  - a\n" }, ["preflight", "t1"], 1, '"config" must be a map'],
    ["YAML that does not parse", { "Pulumi.t1.yaml": "config: [\n" }, ["preflight", "t1"], 1, "not valid YAML"],
    [
        "a file that is a YAML list",
        { "Pulumi.t1.yaml": "- config\n" },
        ["preflight", "t1"],
        1,
        'must be a YAML mapping with a "config" key (got a list)',
    ],
    ["no stack file at all", {}, ["preflight", "t1"], 1, "no Pulumi.t1.yaml in"],
    [
        "a tenant claimed by two files",
        { ...withLine("frontbase:tenant: t2"), "Pulumi.t2.yaml": "config: {}\n" },
        ["preflight", "t1"],
        1,
        "frontbase:tenant: tenant t2 is also claimed by",
    ],
    [
        "a pin another file pins",
        { "Pulumi.t1.yaml": T1, "Pulumi.t2.yaml": "config:\n  frontbase:ports:\n    edge: 9903\n" },
        ["preflight", "t1"],
        1,
        "frontbase:ports.frontend: 9903 is already taken by tenant t2's stack file",
    ],
    [
        "a pin in the file's own reservedPorts",
        withLine("frontbase:reservedPorts: [9901]"),
        ["preflight", "t1"],
        1,
        "frontbase:ports.backend: 9901 is already taken by frontbase:reservedPorts",
    ],
    [
        "a second stack file that is not YAML",
        { "Pulumi.t1.yaml": T1, "Pulumi.t2.yaml": "config: [\n" },
        ["preflight", "t1"],
        1,
        "Pulumi.t2.yaml cannot be read (not valid YAML",
    ],
    // The same files through the fleet check and `new --force`.
    ["check on a misspelt key", withLine("frontbase:databse: postgres"), ["check"], 1, "frontbase: unknown key(s) frontbase:databse"],
    [
        "new --force on a misspelt key",
        withLine("frontbase:databse: postgres"),
        ["new", "t1", "--force"],
        1,
        "is not a valid stack file, so its settings cannot be kept",
    ],
    [
        "new --force on a bad range",
        withLine('frontbase:portRanges: {backend: "9000-8000"}'),
        ["new", "t1", "--force"],
        1,
        "frontbase:portRanges.backend: must be a range",
    ],
    ["new on an existing file", { "Pulumi.t1.yaml": T1 }, ["new", "t1"], 1, "Pulumi.t1.yaml already exists; pass --force"],
    [
        "new for a tenant another file claims",
        { "Pulumi.x.yaml": "config:\n  frontbase:tenant: t1\n" },
        ["new", "t1"],
        1,
        "tenant t1 already exists: ",
    ],
    [
        "status of a tenant two files claim",
        { "Pulumi.a.yaml": "config:\n  frontbase:tenant: t1\n", "Pulumi.t1.yaml": T1 },
        ["status", "t1"],
        1,
        "tenant t1 is claimed by 2 stack files",
    ],
];

describe("the adversarial table", () => {
    it.each(ROWS)("%s", async (_, files, argv, code, message) => {
        const dir = tempProject(files);
        const lockDir = tempLockDir();
        const untouched = nothingWritten({ project: dir, lockDir, engine });
        const r = await tenant(argv, { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: lockDir, DOCKER_HOST: engine.host });
        expect({ code: r.code, output: r.out + r.err }).toEqual({ code, output: expect.stringContaining(message) });
        expect(r.out + r.err).not.toMatch(/\n\s+at .+:\d+:\d+\)?$/m); // no stack trace
        expect(r.out + r.err).not.toContain("hunter2");
        untouched();
    });
});
