// The operations commands' argument handling: every mistake exits 2 with a message naming the
// argument, before the Engine is contacted (the Docker host here is a dead socket).
import { mkdtempSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { runLogs } from "../../../cli/commands/logs";
import { runPurge } from "../../../cli/commands/purge";
import { runRestart } from "../../../cli/commands/restart";
import { runStatus } from "../../../cli/commands/status";
import { runWhyPort } from "../../../cli/commands/why-port";
import type { OpsContext } from "../../../cli/ops/context";
import type { Io } from "../../../cli/main";

const DEAD = "unix:///nonexistent/docker.sock";
type Runner = (argv: string[], io: Io, ctx: OpsContext) => Promise<number>;

async function run(cmd: Runner, argv: string[], interactive = false) {
    const out: string[] = [];
    const err: string[] = [];
    let asked = 0;
    const ctx: OpsContext = {
        projectDir: mkdtempSync(path.join(tmpdir(), "ops-cmd-")),
        dockerHost: DEAD,
        env: {},
        terminal: { interactive, ask: async () => (asked++, "") },
    };
    const code = await cmd(argv, { out: (t) => void out.push(t), err: (t) => void err.push(t) }, ctx);
    return { code, out: out.join(""), err: err.join(""), asked };
}

describe("usage errors exit 2 before anything is read or changed", () => {
    it.each([
        ["status", runStatus, [], /missing argument <tenant>/],
        ["status", runStatus, ["a", "b"], /unexpected argument "b"/],
        ["status", runStatus, ["a_b"], /<tenant> "a_b": must start with a lowercase letter and contain only/],
        ["status", runStatus, ["a", "--watch"], /unknown option "--watch"; allowed: --json/],
        ["logs", runLogs, ["acme", "web"], /\[service\] "web": must be one of postgres, redis, redis-http, backend, edge, frontend/],
        ["logs", runLogs, ["acme", "--tail", "ten"], /--tail "ten": must be a whole number or "all"/],
        ["logs", runLogs, ["acme", "--tail"], /option --tail needs a value: a whole number or "all"/],
        ["restart", runRestart, ["acme", "--timeout", "-1"], /--timeout "-1": must be a whole number from 0 to 3600/],
        ["restart", runRestart, ["acme", "--timeout=-1"], /--timeout "-1": must be a whole number from 0 to 3600/],
        ["restart", runRestart, ["acme", "--timeout", "99999"], /--timeout "99999": must be a whole number from 0 to 3600/],
        ["purge", runPurge, ["acme"], /refusing to purge without --yes: stdin is not a terminal/],
        ["purge", runPurge, ["acme", "--force"], /unknown option "--force"; allowed: --yes/],
        ["why-port", runWhyPort, ["http"], /<port> "http": must be a whole number from 1 to 65535/],
        ["why-port", runWhyPort, ["65536"], /<port> "65536": must be a whole number from 1 to 65535/],
        ["why-port", runWhyPort, [], /missing argument <port>/],
    ] as [string, Runner, string[], RegExp][])("%s %j", async (_name, cmd, argv, message) => {
        const r = await run(cmd, argv);
        expect(r.err).toMatch(message);
        expect(r.code).toBe(2);
        expect(r.out).toBe("");
        expect(r.asked).toBe(0);
    });
});

describe("a dead daemon is an error, never a success", () => {
    it.each([
        ["status", runStatus, ["acme"]],
        ["logs", runLogs, ["acme"]],
        ["restart", runRestart, ["acme"]],
        ["purge", runPurge, ["acme", "--yes"]],
        ["why-port", runWhyPort, ["8080"]],
    ] as [string, Runner, string[]][])("%s", async (_name, cmd, argv) => {
        await expect(run(cmd, argv)).rejects.toThrow(/the Docker Engine at unix:\/\/\/nonexistent\/docker\.sock does not answer .*is dockerd running\?/);
    });

    it("purge on a terminal asks nothing before it knows what it would remove", async () => {
        await expect(run(runPurge, ["acme"], true)).rejects.toThrow(/does not answer/);
    });
});
