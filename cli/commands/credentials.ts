// `credentials <stack>`: generate the credentials a stack file lacks into it, encrypted with the
// stack's passphrase, as `new` does, touching nothing else in it. Refused, writing nothing, when
// the tenant's data is kept on its host and one of them is what that data was made with
// (components/credentialGuard.ts). `npm run deploy` runs it before `pulumi up`, so that the
// first deploy of a stack file without credentials stores them where a destroy cannot lose them.
import * as path from "path";
import { parseTenantConfig } from "../../components/config";
import { requiredCredentials } from "../../components/credentialGuard";
import { PROXY_STACK } from "../../components/proxy/routes";
import { readStackFile, stackFileName } from "../../project/stackFiles";
import { ensureCredentials } from "../../project/stackSecrets";
import { requireProject } from "../../tenants/context";
import { describeCredentials } from "../../tenants/newTenant";
import { openTenantData } from "../../tenants/open";
import { stackArg } from "../args";
import { defineCommand } from "../command";

export const command = defineCommand({
    name: "credentials",
    summary: "generate the credentials a stack file lacks (never over the tenant's kept data)",
    args: [{ name: "stack", about: "the stack (Pulumi.<stack>.yaml)", parse: stackArg }],
    flags: {},
    notes: "Needs PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to write any; without it, or with another\nsecrets provider, it writes none and says so. Exit 0: stored, or none to write; 1: refused because the tenant's\nkept data was made with credentials the file lacks (how to recover them is printed), or no such stack file.",
    async run({ args }, ctx) {
        const { stack } = args;
        const file = path.join(requireProject(ctx), stackFileName(stack));
        const stackFile = await readStackFile(file).catch((e: NodeJS.ErrnoException) => {
            throw e.code === "ENOENT" ? new Error(`no ${stackFileName(stack)}; create it with: npm run tenant -- new ${stack}`) : e;
        });
        if (stack === PROXY_STACK) {
            ctx.io.err("credentials: the proxy stack has none");
            return 0;
        }
        const cfg = parseTenantConfig(stackFile.config, { stack, secretKeys: stackFile.secureKeys, secure: stackFile.secure });
        const missing = requiredCredentials(cfg.database).filter((k) => !stackFile.secureKeys.has(`frontbase:${k}`));
        if (missing.length === 0) {
            ctx.io.err(`credentials: all stored in ${stackFileName(stack)}`);
            return 0;
        }
        // Its data where it is kept: the Docker host's volumes, or a swarm tenant's node's.
        const t = await openTenantData(ctx, cfg.tenant);
        const result = await ensureCredentials(file, cfg.database, ctx.env, {
            tenant: cfg.tenant,
            volumes: new Set(t.volumes.map((v) => v.Name)),
        });
        ctx.io.err(describeCredentials(result));
        return "refused" in result ? 1 : 0;
    },
});
