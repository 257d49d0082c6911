// `npm run tenant -- preflight <tenant>`: what `npm run deploy` checks before `pulumi up`.
import { stackArg } from "../args";
import { PROXY_STACK } from "../../components/naming";
import { defineCommand } from "../command";
import { preflight } from "../ops/preflight";

/** Only the Frontbase images are missing: `npm run deploy` builds them and checks again. */
export const IMAGES_MISSING = 4;

export const command = defineCommand({
    name: "preflight",
    summary: "what npm run deploy checks before pulumi up: config, tenant, ports, Docker host, images",
    readOnly: true,
    args: [
        { name: "stack", about: "the stack to deploy: a tenant's (Pulumi.<tenant>.yaml), or proxy (the host's proxy)", parse: stackArg },
    ],
    flags: {},
    notes: "Exit 0: ready; 4: ready but for the Frontbase images, which npm run deploy then builds;\n1: any other problem; 2: usage error.",
    async run({ args }, ctx) {
        const stack = args.stack;
        const r = await preflight(ctx.projectDir, stack, ctx);
        for (const note of r.notes) ctx.io.err(`note: ${note}`);
        if (r.problems.length > 0) {
            ctx.io.err(`not ready to deploy ${stack}:\n${r.problems.map((p) => `  - ${p}`).join("\n")}`);
            return (r.missingImages?.length ?? 0) === r.problems.length ? IMAGES_MISSING : 1;
        }
        if (stack === PROXY_STACK) {
            ctx.io.out(`ready: ${stack} (the host's proxy) on ${r.dockerHost}, config valid, the tenants' routes without a problem`);
            return 0;
        }
        const images = r.imagesChecked === false ? "node and ports checked (its images: see the note)" : "Frontbase images present";
        ctx.io.out(`ready: ${stack} (${r.config!.database}) on ${r.dockerHost}, config valid, ${images}`);
        return 0;
    },
});
