// `backup <tenant> | --all [--prune]`: a consistent, encrypted restic snapshot of each tenant's
// data while it runs; `--prune` then applies the host's retention (FRONTBASE_BACKUP_KEEP).
// `backup --prune` alone applies it to every tenant in the repository.
import { tenantArg } from "../args";
import { defineCommand } from "../command";
import { UsageError } from "../args";
import { stackFileTenants } from "../../project/project";
import { backupTenant, mib, NotDeployed, openForBackup, resticFor } from "../../backup/jobs";
import { DEFAULT_RETENTION, describeRetention, forgetArgs, parseRetention, RETENTION_ENV } from "../../backup/retention";
import { tenantOfSnapshot } from "../../backup/restic";

export const command = defineCommand({
    name: "backup",
    summary: "back up tenants' data with restic, consistent while they run (--prune: apply retention)",
    args: [{ name: "tenant", about: "the tenant to back up", optional: true, parse: tenantArg }],
    flags: {
        all: { kind: "boolean", about: "every tenant with a stack file in this project" },
        prune: { kind: "boolean", about: `then forget and prune old snapshots by ${RETENTION_ENV} (default ${DEFAULT_RETENTION})` },
        init: { kind: "boolean", about: "create the repository RESTIC_REPOSITORY names (only where nothing is yet)" },
    },
    notes: [
        "The repository is restic's: RESTIC_REPOSITORY and RESTIC_PASSWORD(_FILE|_COMMAND), plus the backend's own variables.",
        "Unset, it is <lock dir>/backups with a password generated once into <lock dir>/restic-password: keep a copy of that file elsewhere.",
        "A repository RESTIC_REPOSITORY names is created only with --init, and only where nothing is (an empty or missing directory).",
        "Exit 0: every tenant backed up; 1: one or more failed (each is named); 2: usage error.",
    ].join("\n"),
    async run({ args, flags }, ctx) {
        if (args.tenant && flags.all) throw new UsageError("give a tenant or --all, not both");
        if (!args.tenant && !flags.all && !flags.prune) throw new UsageError("give a tenant, --all, or --prune");
        // The policy is checked before anything is backed up: a typo must not show up only at the end.
        const retention = flags.prune ? parseRetention(ctx.env[RETENTION_ENV] ?? DEFAULT_RETENTION) : undefined;
        // The tenant is known before the repository is touched: a mistyped name creates nothing.
        const single = args.tenant ? await openForBackup(ctx, args.tenant) : undefined;
        const restic = resticFor(ctx);
        if ((await restic.open(flags.init ? "init" : "backup")) === "created") {
            ctx.io.err(
                `created the restic repository ${restic.target.repository}${restic.target.defaultPasswordFile ? `; its password is in ${restic.target.defaultPasswordFile}: keep a copy elsewhere, without it no backup can be read` : ""}`,
            );
        }
        const tenants = args.tenant ? [args.tenant] : flags.all ? await stackFileTenants(ctx.projectDir) : [];
        if (flags.all && tenants.length === 0) ctx.io.err(`no tenant stack files in ${ctx.projectDir}: nothing to back up`);
        let failed = 0;
        for (const tenant of tenants) {
            try {
                const done = await backupTenant(ctx, restic, single ?? (await openForBackup(ctx, tenant)));
                ctx.io.out(
                    `${tenant}: snapshot ${done.snapshot}, ${done.files} files, ${mib(done.bytes)} (${mib(done.added)} new) in ${(done.ms / 1000).toFixed(1)} s`,
                );
                // Never silently: what a volume held that no backup can copy.
                if (done.skipped.length > 0)
                    ctx.io.err(`${tenant}: not copied (a backup holds files, directories and links): ${done.skipped.join(", ")}`);
            } catch (e) {
                if (e instanceof NotDeployed && flags.all) {
                    ctx.io.out(`${tenant}: skipped, ${e.message}`);
                    continue;
                }
                failed++;
                ctx.io.err(`${tenant}: backup failed: ${(e as Error).message}`);
            }
        }
        if (retention) {
            const pruneTenants =
                tenants.length > 0 ? tenants : [...new Set((await restic.snapshots()).map((s) => tenantOfSnapshot(s)!))].sort();
            for (const tenant of pruneTenants) {
                try {
                    const r = await restic.forget(tenant, forgetArgs(retention));
                    ctx.io.out(`${tenant}: kept ${r.kept} snapshots, removed ${r.removed} (${describeRetention(retention)})`);
                } catch (e) {
                    failed++;
                    ctx.io.err(`${tenant}: prune failed: ${(e as Error).message}`);
                }
            }
        }
        return failed === 0 ? 0 : 1;
    },
});
