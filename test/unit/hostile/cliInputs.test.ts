// Issue 13, items 6, 7 and 9: careless and hostile command lines and settings, each refused
// with a message naming the field and what is allowed, with nothing written anywhere.
import { execFile } from "child_process";
import { chmodSync } from "fs";
import * as net from "net";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTenantConfig } from "../../../components/config";
import { engineProblem } from "../../../docker/dockerHost";
import { tempLockDir, tempProject, tenant } from "../../support/cliRun";
import { FakeEngine, startFakeEngine } from "../../support/fakeEngine";
import { tempDir } from "../../support/temp";
import { NEEDS_ROOT, NOT_ROOT, OTHER_UID, stickyDir } from "../../support/otherUser";
import { nothingWritten } from "../../support/unchanged";

let engine: FakeEngine;
beforeAll(async () => void (engine = await startFakeEngine([])));
afterAll(() => engine.close());

const BAD_KEY =
    "config:\n  frontbase:tenant: t1\n  frontbase:portRanges:\n    backend: 9000-9001\n  frontbase:reservedPorts: [9000]\n  frontbase:databse: postgres\n";
const BAD_BIND = "config:\n  frontbase:tenant: t1\n  frontbase:bindAddress: 999.999.999.999\n";

/** [row, stack files, argv, exit code, text the output must hold] */
const ROWS: [string, Record<string, string>, string[], number, string][] = [
    ["why-port -1", {}, ["why-port", "-1"], 2, '<port> "-1": must be a whole number from 1 to 65535'],
    ["why-port -0", {}, ["why-port", "-0"], 2, '<port> "-0": must be a whole number from 1 to 65535'],
    ["why-port 65536", {}, ["why-port", "65536"], 2, '<port> "65536": must be a whole number from 1 to 65535'],
    ["logs with a negative tenant-like number", {}, ["logs", "-5"], 2, '<tenant> "-5"'],
    [
        "new --force on a file with a misspelt key",
        { "Pulumi.t1.yaml": BAD_KEY },
        ["new", "t1", "--force"],
        1,
        "frontbase: unknown key(s) frontbase:databse",
    ],
    [
        "new --dry-run on a file with a misspelt key",
        { "Pulumi.t1.yaml": BAD_KEY },
        ["new", "t1", "--dry-run"],
        1,
        "is not a valid stack file, so its settings cannot be kept",
    ],
    [
        "new --force with bindAddress 999.999.999.999",
        { "Pulumi.t1.yaml": BAD_BIND },
        ["new", "t1", "--force"],
        1,
        "frontbase:bindAddress: must be an IPv4 address such as 0.0.0.0 or 127.0.0.1 (four numbers from 0 to 255)",
    ],
    [
        "preflight with bindAddress 999.999.999.999",
        { "Pulumi.t1.yaml": BAD_BIND },
        ["preflight", "t1"],
        1,
        "Pulumi.t1.yaml: frontbase:bindAddress: must be an IPv4 address",
    ],
    [
        "check with bindAddress 999.999.999.999",
        { "Pulumi.t1.yaml": BAD_BIND },
        ["check"],
        1,
        "frontbase:bindAddress: must be an IPv4 address",
    ],
];

describe("hostile command lines", () => {
    it.each(ROWS)("%s: exit code, message, nothing written", async (_, files, argv, code, message) => {
        const dir = tempProject(files);
        const lockDir = tempLockDir();
        const untouched = nothingWritten({ project: dir, lockDir, engine });
        const r = await tenant(argv, { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: lockDir, DOCKER_HOST: engine.host });
        expect([r.code, r.out + r.err]).toEqual([code, expect.stringContaining(message)]);
        untouched();
    });

    it.each(["256.0.0.1", "1.2.3", "01.2.3.4", "1.2.3.4.5", " 1.2.3.4", "::1"])("bindAddress %j is refused by the config schema", (bad) => {
        expect(() => parseTenantConfig({ "frontbase:bindAddress": bad }, { stack: "t1" })).toThrow(
            "frontbase:bindAddress: must be an IPv4 address",
        );
    });

    it.each(["0.0.0.0", "127.0.0.1", "255.255.255.255", "10.0.0.10"])("bindAddress %j is accepted", (good) => {
        expect(parseTenantConfig({ "frontbase:bindAddress": good }, { stack: "t1" }).bindAddress).toBe(good);
    });
});

describe("a user without access to the Docker socket", () => {
    const REGISTER = require.resolve("ts-node/register/transpile-only");
    const PING = `
const { dockerClient, pingDocker } = require(process.argv[1]);
const host = process.argv[2];
pingDocker(dockerClient(host), host).then(() => console.log("answered"), (e) => console.log(e.message));`;

    it.skipIf(NOT_ROOT)(`is told it lacks permission, not that dockerd is down (${NEEDS_ROOT})`, async () => {
        const dir = tempDir("sock");
        chmodSync(dir, 0o755);
        const socket = path.join(dir, "docker.sock");
        const server = net.createServer((c) => c.end("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK"));
        await new Promise<void>((r) => server.listen(socket, r));
        chmodSync(socket, 0o600);
        try {
            const { stdout: out } = await promisify(execFile)(
                process.execPath,
                ["-r", REGISTER, "-e", PING, path.resolve(__dirname, "../../../docker/dockerHost.ts"), `unix://${socket}`],
                // ts-node keeps a compile cache in TMPDIR: the test's own, removed afterwards.
                { uid: OTHER_UID, gid: OTHER_UID, encoding: "utf8", env: { ...process.env, TMPDIR: stickyDir("tmp") } },
            );
            expect(out.trim()).toBe(
                `permission denied on the Docker Engine at unix://${socket} (EACCES): this user (uid ${OTHER_UID}) may not use it; run as a member of the socket's group (usually docker) or as root`,
            );
        } finally {
            await new Promise((r) => server.close(r));
        }
    });

    it("keeps the dockerd advice for a daemon that is not there (pure)", () => {
        const e = Object.assign(new Error("connect ENOENT /x.sock"), { code: "ENOENT" });
        expect(engineProblem("unix:///x.sock", e)).toBe(
            "the Docker Engine at unix:///x.sock does not answer (connect ENOENT /x.sock); is dockerd running?",
        );
    });
});
