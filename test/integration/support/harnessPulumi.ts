// A PulumiRunner (tenants/context.ts) that runs the engine double where the Pulumi CLI would run:
// `pulumi up --stack S --yes [--refresh]` becomes `npm run harness -- up S` in a process of its
// own, on the same project and stack file (secure values decrypted with the passphrase), against
// the real Docker Engine. Anything else the rollout might ask of Pulumi is refused loudly: a test
// must fail rather than have the double silently ignore a flag it does not model.
import { spawn } from "child_process";
import * as path from "path";
import type { PulumiRunner } from "../../../tenants/context";
import { PROJECT_DIR } from "./projectCopy";

/** `calls`: the `pulumi up`s asked for, in order. */
export function harnessPulumi(o: { projectDir: string; stateDir: string; env?: NodeJS.ProcessEnv }): PulumiRunner & { calls: string[][] } {
    const calls: string[][] = [];
    const runner = (args: readonly string[], opts: { output?: (chunk: string) => void } = {}) => {
        // The double keeps each stack's state in its state directory and makes it at the first up:
        // creating the stack beforehand is nothing to do.
        if (args.join(" ") === `stack select --create ${args[3]}` && args.length === 4) return Promise.resolve(0);
        calls.push([...args]);
        const [op, ...rest] = args;
        let stack: string | undefined;
        let refresh = false;
        for (let i = 0; i < rest.length; i++) {
            if (rest[i] === "--stack") stack = rest[++i];
            else if (rest[i] === "--yes")
                continue; // the double never asks
            else if (rest[i] === "--refresh") refresh = true;
            else return Promise.reject(new Error(`the engine double's runner does not model pulumi ${op} ${rest[i]}`));
        }
        if (op !== "up" || !stack)
            return Promise.reject(new Error(`the engine double's runner models only pulumi up --stack S, not: ${args.join(" ")}`));
        const harness = ["-r", "./scripts/ts-register.js", "test/engine/harness.ts", "up", stack, "--project-dir", o.projectDir];
        const argv = [...harness, "--state-dir", o.stateDir, refresh ? "--refresh" : "--no-refresh"];
        return new Promise<number>((resolve, reject) => {
            const child = spawn(process.execPath, argv, {
                cwd: PROJECT_DIR,
                env: { ...process.env, ...o.env },
                stdio: ["ignore", "pipe", "pipe"],
            });
            for (const s of [child.stdout, child.stderr]) s.on("data", (b: Buffer) => opts.output?.(b.toString("utf8")));
            child.on("error", reject);
            child.on("exit", (code) => resolve(code ?? 1));
        });
    };
    return Object.assign(runner, { calls });
}

/** `npm run harness -- preview S --refresh --expect-no-changes`: the drift check, its exit code and output. */
export function driftCheck(o: {
    projectDir: string;
    stateDir: string;
    stack: string;
    env?: NodeJS.ProcessEnv;
}): Promise<{ code: number; out: string }> {
    const argv = ["-r", "./scripts/ts-register.js", path.join("test", "engine", "harness.ts"), "preview", o.stack];
    const all = [...argv, "--project-dir", o.projectDir, "--state-dir", o.stateDir, "--refresh", "--expect-no-changes"];
    return new Promise((resolve, reject) => {
        let out = "";
        const child = spawn(process.execPath, all, {
            cwd: PROJECT_DIR,
            env: { ...process.env, ...o.env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        for (const s of [child.stdout, child.stderr]) s.on("data", (b: Buffer) => (out += b.toString("utf8")));
        child.on("error", reject);
        child.on("exit", (code) => resolve({ code: code ?? 1, out }));
    });
}
