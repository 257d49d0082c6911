// `npm run tenant -- preflight <tenant>`: what `npm run deploy` checks before `pulumi up`.
import { parse, tenantArg, withUsage } from "../args";
import type { Command } from "../main";
import { defaultContext } from "../ops/context";
import { preflight } from "../ops/preflight";

const usage = "preflight <tenant>";

export const command: Command = {
    usage,
    run: (argv, io) =>
        withUsage(usage, io, async () => {
            const { positionals } = parse(argv, {}, ["<tenant>"]);
            const stack = tenantArg(positionals[0]);
            const ctx = defaultContext();
            const r = await preflight(ctx.projectDir, stack, ctx.dockerHost);
            for (const note of r.notes) io.err(`note: ${note}`);
            if (r.problems.length > 0) {
                io.err(`not ready to deploy ${stack}:\n${r.problems.map((p) => `  - ${p}`).join("\n")}`);
                return 1;
            }
            io.out(`ready: ${stack} (${r.config!.database}) on ${r.dockerHost}, config valid, Frontbase images present`);
            return 0;
        }),
};
