// package.json's bin, bin/frontbase-tenant: the operator commands without npm (issue 24). It must
// be what `npm run tenant -- <command>` runs, word for word: same output, same exit code.
// Real node processes.
import { spawnSync } from "child_process";
import { accessSync, constants, readFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { BASE_ENV, tempEnv } from "../support/cliRun";

const ROOT = path.resolve(__dirname, "../..");
const BIN = path.join(ROOT, "bin", "frontbase-tenant");

const STACK =
    "config:\n  frontbase:tenant: acme\n  frontbase:ports:\n    backend: 8000\n    edge: 3002\n    frontend: 8080\n    redisHttp: 8079\n";
const CLASH = "config:\n  frontbase:ports:\n    backend: 8000\n";

/** `cmd args` in ROOT with `env` only: exit code, stdout, stderr. */
function spawn(cmd: string, args: readonly string[], env: Record<string, string>) {
    const r = spawnSync(cmd, args, { cwd: ROOT, env: { ...BASE_ENV, ...env }, encoding: "utf8" });
    return { code: r.status, out: r.stdout, err: r.stderr };
}

/** What package.json's `tenant` script runs (as npm runs it, without npm). */
function script(args: readonly string[], env: Record<string, string>) {
    const line = (JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: { tenant: string } }).scripts.tenant;
    return spawn("sh", ["-c", `${line} "$@"`, "sh", ...args], env);
}

describe("bin/frontbase-tenant", () => {
    it("is package.json's bin frontbase-tenant, an executable node script", () => {
        const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")) as { bin: Record<string, string> };
        expect(pkg.bin).toEqual({ "frontbase-tenant": "bin/frontbase-tenant" });
        expect(() => accessSync(BIN, constants.X_OK)).not.toThrow();
        expect(readFileSync(BIN, "utf8").split("\n")[0]).toBe("#!/usr/bin/env node");
    });

    it.each([
        ["check, a sound project (exit 0)", ["check"], { "Pulumi.acme.yaml": STACK }, 0],
        ["check, a port pinned twice (exit 1)", ["check"], { "Pulumi.acme.yaml": STACK, "Pulumi.beta.yaml": CLASH }, 1],
        ["a usage error (exit 2)", ["ls", "--bogus"], {}, 2],
        ["no command (the overview, exit 2)", [], {}, 2],
    ] as const)("runs as npm run tenant does: %s", (_, args, files, code) => {
        const env = tempEnv(files);
        const viaBin = spawn(BIN, args, env);
        expect(viaBin).toEqual(script(args, env));
        expect(viaBin.code).toBe(code);
        expect(viaBin.out + viaBin.err).not.toBe("");
    });
});
