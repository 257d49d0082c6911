// `npm run tenant -- preflight <tenant>`: what `npm run deploy` checks before `pulumi up`.
// Exit 0: ready; 4: ready but for the Frontbase images, which `npm run deploy` then builds;
// 1: any other problem; 2: usage error.
import { parse, tenantArg, withUsage } from "../args";
import type { Command } from "../main";
import { defaultContext } from "../ops/context";
import { preflight } from "../ops/preflight";

const usage = "preflight <tenant>";
/** Only the Frontbase images are missing: `npm run deploy` builds them and checks again. */
export const IMAGES_MISSING = 4;

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
                return (r.missingImages?.length ?? 0) === r.problems.length ? IMAGES_MISSING : 1;
            }
            io.out(`ready: ${stack} (${r.config!.database}) on ${r.dockerHost}, config valid, Frontbase images present`);
            return 0;
        }),
};
