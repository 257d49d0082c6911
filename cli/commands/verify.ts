// `verify <stack> [--wait S] [--repair]`: after `pulumi up`, ask the Docker Engine whether every
// service of the stack's tenant runs and is healthy. `npm run deploy` runs it, so that a deploy
// over a broken tenant never ends green (see ../ops/verify.ts for why `pulumi up` can).
// Exit 0: healthy; 3: a service is unhealthy, exited or missing (the recovery command is
// printed, and run with --repair); 1: no stack file or no Docker Engine; 2: usage error.
import { spawn } from "child_process";
import { promises as fs } from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import type { Command, Io } from "../main";
import { integer, parse, withUsage } from "../args";
import { readStackFile, stackFileName } from "../../project/stackFiles";
import { defaultContext, OpsContext } from "../ops/context";
import { assessTenant, renderStatus } from "../ops/status";
import { connect, tenantContainers } from "../ops/tenant";
import { Verdict, verdictOf } from "../ops/verify";
import { NOT_HEALTHY } from "./status";

const USAGE = "verify <stack> [--wait S] [--repair]";

/** Runs `pulumi <args>` for --repair; tests substitute the engine double. */
export type PulumiRunner = (args: readonly string[]) => Promise<number>;

export const command: Command = { usage: USAGE, run: (argv, io) => runVerify(argv, io, defaultContext()) };

export function runVerify(argv: string[], io: Io, ctx: OpsContext, pulumi: PulumiRunner = pulumiCli): Promise<number> {
    return withUsage(USAGE, io, async () => {
        const { positionals, flags } = parse(
            argv,
            { wait: { kind: "value", help: "seconds to wait for services still starting, 0 to 3600", parse: integer(0, 3600) }, repair: { kind: "boolean" } },
            ["<stack>"],
        );
        const stack = positionals[0];
        const file = path.join(ctx.projectDir, stackFileName(stack));
        const stackFile = await readStackFile(file);
        const tenant = stackFile.config["frontbase:tenant"] ?? stack;
        const project = await projectName(ctx.projectDir);
        const engine = await connect(ctx, stackFile.config);
        const check = async (waitSeconds: number): Promise<Verdict> => {
            const deadline = Date.now() + waitSeconds * 1000;
            for (;;) {
                const containers = await tenantContainers(engine, tenant);
                const status = assessTenant({ tenant, host: engine.host, stackFile: file, stackConfig: stackFile.config, containers });
                const verdict = verdictOf(status, { stack, project, tenant });
                if (verdict.healthy || verdict.starting.length === 0 || Date.now() >= deadline) {
                    io.out(renderStatus(status));
                    return verdict;
                }
                await new Promise((r) => setTimeout(r, 2000));
            }
        };

        let verdict = await check(flags.wait ?? 0);
        if (verdict.healthy) return 0;
        if (verdict.recovery === undefined) {
            io.err(`stack ${stack}: ${verdict.starting.join(", ")} still starting; run verify again with --wait`);
            return NOT_HEALTHY;
        }
        const what = [
            ...verdict.failedJobs.map((j) => `job ${j} failed`),
            ...verdict.broken.filter((s) => !verdict.missing.includes(s)).map((s) => `${s} not healthy`),
            ...verdict.missing.map((s) => `${s} missing (never created, or removed)`),
        ].join(", ");
        io.err(`stack ${stack}: ${what}. Once the cause is fixed (npm run tenant -- logs ${tenant} <service>), recover with:\n  ${verdict.recovery}`);
        if (!flags.repair) {
            io.err("(or run npm run deploy -- " + stack + " --repair)");
            return NOT_HEALTHY;
        }
        io.out(`repairing: ${verdict.recovery}`);
        const code = await pulumi(["up", "--stack", stack, "--yes", ...verdict.replaceUrns.flatMap((u) => ["--replace", u])]);
        if (code !== 0) {
            io.err(`stack ${stack}: the repair's pulumi up exited with ${code}`);
            return NOT_HEALTHY;
        }
        verdict = await check(flags.wait ?? 60);
        if (verdict.healthy) {
            io.out(`stack ${stack}: repaired, every service healthy`);
            return 0;
        }
        io.err(`stack ${stack}: still not healthy after the repair: ${[...verdict.broken, ...verdict.starting].join(", ")}; see npm run tenant -- logs ${tenant}`);
        return NOT_HEALTHY;
    });
}

async function projectName(projectDir: string): Promise<string> {
    const doc = parseYaml(await fs.readFile(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name?: unknown };
    if (typeof doc?.name !== "string") throw new Error(`${projectDir}/Pulumi.yaml has no project name`);
    return doc.name;
}

/** The Pulumi CLI on PATH, else the one the `pulumi` npm package provides. */
const pulumiCli: PulumiRunner = (args) =>
    new Promise((resolve, reject) => {
        const child = spawn("sh", ["-c", 'if command -v pulumi >/dev/null 2>&1; then exec pulumi "$@"; else exec npx --no-install pulumi "$@"; fi', "pulumi", ...args], { stdio: "inherit" });
        child.on("error", reject);
        child.on("exit", (code) => resolve(code ?? 1));
    });
