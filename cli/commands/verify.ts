// `verify <stack> [--wait S] [--repair]`: after `pulumi up`, ask the Docker Engine whether every
// service of the stack's tenant runs and is healthy. `npm run deploy` runs it, so that a deploy
// over a broken tenant never ends green (see ../ops/verify.ts for why `pulumi up` can).
// Exit 0: healthy; 3: a service is unhealthy, exited or missing (the recovery command is
// printed, and run with --repair); 1: no stack file or no Docker Engine; 2: usage error.
import * as path from "path";
import { readWorkloads } from "../../tenants/open";
import { projectName } from "../../project/project";
import { readStackFile, stackFileName, tenantOf } from "../../project/stackFiles";
import { integer } from "../args";
import { defineCommand } from "../command";
import { connect } from "../../tenants/context";
import { legacyRunner } from "../ops/context";
import { renderStatus } from "../ops/status";
import { assessTenant } from "../../tenants/status";
import { Verdict, verdictOf } from "../ops/verify";
import { NOT_HEALTHY } from "./status";
import { PROXY_STACK } from "../../components/proxy/routes";
import { readProxy } from "../ops/proxyChecks";

export const command = defineCommand({
    name: "verify",
    summary: "after pulumi up: does every service of the stack's tenant run, healthy?",
    args: [{ name: "stack", about: "the stack (Pulumi.<stack>.yaml)" }],
    flags: {
        wait: {
            kind: "value",
            arg: "S",
            help: "seconds to wait for services still starting, 0 to 3600",
            about: "wait this long for services still starting",
            parse: integer(0, 3600),
        },
        repair: { kind: "boolean", about: "re-create what is broken (pulumi up --replace), then check again" },
    },
    readOnly: (flags) => flags.repair !== true,
    notes: "Exit 0: healthy; 3: a service is unhealthy, exited or missing (the recovery command is printed,\nand run with --repair); 1: no stack file or no Docker Engine; 2: usage error.",
    async run({ args, flags }, ctx) {
        const { io } = ctx;
        const { stack } = args;
        const file = path.join(ctx.projectDir, stackFileName(stack));
        const stackFile = await readStackFile(file);
        if (stack === PROXY_STACK) {
            // No tenant services: Caddy must run and the reload job must have exited 0 (../ops/proxyChecks.ts).
            const { docker } = await connect(ctx, stackFile.config);
            const deadline = ctx.now() + (flags.wait ?? 0) * 1000;
            let v = await readProxy(docker);
            while (v.pending && ctx.now() < deadline) {
                await ctx.sleep(1000);
                v = await readProxy(docker);
            }
            if (v.healthy) {
                io.out("proxy: Caddy runs and took the current routes");
                return 0;
            }
            io.err(`stack proxy: ${v.pending ? "the reload job is still running; run verify again with --wait" : v.problems.join("; ")}`);
            return NOT_HEALTHY;
        }
        const tenant = tenantOf(stackFile);
        const project = await projectName(ctx.projectDir);
        const engine = await connect(ctx, stackFile.config);
        const check = async (waitSeconds: number): Promise<Verdict> => {
            const deadline = ctx.now() + waitSeconds * 1000;
            for (;;) {
                const containers = await readWorkloads(engine.docker, tenant, stackFile.config);
                const status = assessTenant({ tenant, host: engine.host, stackFile: file, stackConfig: stackFile.config, containers });
                const verdict = verdictOf(status, { stack, project, tenant, swarm: stackFile.config["frontbase:target"] === "swarm" });
                if (verdict.healthy || verdict.starting.length === 0 || ctx.now() >= deadline) {
                    io.out(renderStatus(status));
                    return verdict;
                }
                await ctx.sleep(2000);
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
        io.err(
            `stack ${stack}: ${what}. Once the cause is fixed (npm run tenant -- logs ${tenant} <service>), recover with:\n  ${verdict.recovery}`,
        );
        if (!flags.repair) {
            io.err("(or run npm run deploy -- " + stack + " --repair)");
            return NOT_HEALTHY;
        }
        io.out(`repairing: ${verdict.recovery}`);
        const code = await ctx.pulumi(["up", "--stack", stack, "--yes", ...verdict.replaceUrns.flatMap((u) => ["--replace", u])]);
        if (code !== 0) {
            io.err(`stack ${stack}: the repair's pulumi up exited with ${code}`);
            return NOT_HEALTHY;
        }
        verdict = await check(flags.wait ?? 60);
        if (verdict.healthy) {
            io.out(`stack ${stack}: repaired, every service healthy`);
            return 0;
        }
        io.err(
            `stack ${stack}: still not healthy after the repair: ${[...verdict.broken, ...verdict.starting].join(", ")}; see npm run tenant -- logs ${tenant}`,
        );
        return NOT_HEALTHY;
    },
});

/** (argv, io, ctx, pulumi): the old entry; `pulumi` stands in for the Pulumi CLI of --repair. */
export const runVerify = legacyRunner(command);
