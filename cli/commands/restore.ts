// `restore <tenant> [--snapshot ID] [--into TENANT] [--force]`: put a snapshot back into the
// tenant's volumes (the latest when no ID is given): its containers stop, the data is replaced,
// they start again and are waited for until healthy. A purged tenant's volumes (or a new host's)
// are created anew, postgres restored through a temporary server; `deploy` then adopts them.
// `--into` clones: the snapshot goes into another tenant (made as `new` makes one when it has no
// stack file yet), which keeps its own ports, credentials and network and takes the source's
// ENCRYPTION_KEY.
import { defineCommand } from "../command";
import { TENANT_ARG, tenantArg } from "../args";
import { resticFor } from "../../backup/jobs";
import { restoreTenant } from "../../backup/restoreJob";
import { snapshotArg } from "../../backup/fetch";

export const command = defineCommand({
    name: "restore",
    summary: "restore a tenant's data from a restic snapshot (the latest by default), or clone it --into another",
    args: [TENANT_ARG],
    flags: {
        snapshot: {
            kind: "value",
            arg: "ID",
            help: "a snapshot ID (hex) from npm run tenant -- backups <tenant>",
            about: "this snapshot instead of the latest",
            parse: snapshotArg,
        },
        into: {
            kind: "value",
            arg: "TENANT",
            help: "a tenant name",
            about: "restore into this other tenant (a clone; its stack file is made as new makes it)",
            parse: tenantArg,
        },
        force: { kind: "boolean", about: "overwrite data written after the snapshot was taken" },
    },
    notes: [
        "Refuses, changing nothing, when the tenant has data written after the snapshot (unless --force),",
        "when the snapshot is not the tenant's or fails its manifest's checksums, or the repository does not open.",
        "Exit 0: restored (and healthy, when the tenant has containers); 1: refused or failed; 2: usage error.",
    ].join("\n"),
    async run({ args, flags }, ctx) {
        const r = await restoreTenant(ctx, resticFor(ctx), args.tenant, { snapshot: flags.snapshot, force: flags.force, into: flags.into });
        const target = r.target.tenant;
        const deploy = `npm run deploy -- ${r.target.stack?.stack ?? target}`;
        const what = `${target}: restored snapshot ${r.snapshot.short_id} of ${r.manifest.tenant} taken ${r.manifest.startedAt} (${r.manifest.files.length} files)`;
        if (r.target.containers.length === 0) ctx.io.out(`${what}; deploy it now: ${deploy}`);
        else if (r.stackChanged) ctx.io.out(`${what}; its stack file changed: apply it with ${deploy}`);
        else ctx.io.out(`${what}; every service is healthy`);
        return 0;
    },
});
