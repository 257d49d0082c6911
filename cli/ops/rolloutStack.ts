// One stack through the rollout's gates: already there (its target images run, verify and the
// smoke check pass: skipped), else a backup before its first upgrade to the target (when a restic
// repository is configured), `pulumi up`, `verify`, the smoke check. The first gate that fails ends
// it, with what failed; nothing after it runs.
import { existsSync, readFileSync } from "fs";
import * as path from "path";
import type { TenantConfig } from "../../components/config";
import { RELEASE_SERVICES } from "../../components/release";
import { backupTenant, NotDeployed, openForBackup, resticFor } from "../../backup/jobs";
import { imageIdOf } from "../../docker/frontbaseImages";
import { decryptStackSecrets } from "../../project/stackSecrets";
import { invoke } from "../command";
import { command as verify } from "../commands/verify";
import { connect, Context } from "../../tenants/context";
import { readWorkloads } from "../../tenants/open";
import type { Gate, Outcome } from "./rolloutPlan";
import { entryPointOf, smokeCheck, SmokeResult } from "../../tenants/smoke";

export interface StackTarget {
    readonly stack: string;
    readonly file: string;
    /** The stack's config as the program reads it (Pulumi.yaml's merged in). */
    readonly raw: Readonly<Record<string, string>>;
    readonly cfg: TenantConfig;
    /** `release fb-2`, `own images (...)`. */
    readonly label: string;
    /** Its backend, edge and frontend images: what "on target" means, and the key of its backups. */
    readonly key: string;
}

export interface StackHooks {
    /** A line about the stack as it moves through its gates. */
    say(text: string): void;
    /** `pulumi up`'s output. */
    log(chunk: string): void;
    /** The snapshot taken before its first upgrade to this target, if one was taken in an earlier run. */
    readonly backedUp?: string;
    onBackup(snapshot: string): void;
}

/** Seconds `verify` waits for services still starting after `pulumi up` (the backend's own wait is 180 s). */
const VERIFY_WAIT = "180";

export async function rollStack(ctx: Context, t: StackTarget, hooks: StackHooks): Promise<Outcome> {
    const started = ctx.now();
    const fail = (gate: Gate, error: string): Outcome => ({ state: "failed", gate, error, ms: ctx.now() - started });
    const engine = await connect(ctx, t.raw);
    const deployed = (await readWorkloads(engine.docker, t.cfg.tenant, t.raw)).length > 0;
    if (deployed && (await runsTarget(ctx, t))) {
        const [healthy, smoke] = [await verifyStack(ctx, t.stack, "0"), await smokeStack(ctx, t)];
        if (healthy.ok && smoke.ok) return { state: "skipped", why: `already on ${t.label}, healthy` };
        hooks.say(`runs ${t.label} but is not healthy (${healthy.ok ? firstFailure(smoke) : "verify failed"}): deploying again`);
    }
    if (deployed && hooks.backedUp === undefined && backupsConfigured(ctx)) {
        try {
            const b = await backupTenant(ctx, resticFor(ctx), await openForBackup(ctx, t.cfg.tenant));
            hooks.onBackup(b.snapshot);
            hooks.say(`backup ok: snapshot ${b.snapshot} (${(b.ms / 1000).toFixed(1)} s)`);
        } catch (e) {
            if (!(e instanceof NotDeployed)) return fail("backup", (e as Error).message);
        }
    }
    hooks.say("up ...");
    const up = ctx.now();
    const code = await ctx.pulumi(["up", "--stack", t.stack, "--yes", "--refresh"], { output: hooks.log });
    if (code !== 0) return fail("up", `pulumi up exited with ${code}`);
    if (!(await runsTarget(ctx, t))) return fail("up", `pulumi up succeeded, but the tenant does not run ${t.label}'s images`);
    hooks.say(`up ok (${((ctx.now() - up) / 1000).toFixed(1)} s)`);
    const v = await verifyStack(ctx, t.stack, VERIFY_WAIT);
    if (!v.ok) return fail("verify", v.text);
    hooks.say("verify ok: every service running and healthy");
    const smoke = await smokeStack(ctx, t);
    if (!smoke.ok) return fail("smoke", firstFailure(smoke));
    hooks.say(`smoke ok: ${smoke.checks.map((c) => c.what + (c.detail === "ok" ? "" : ` (${c.detail})`)).join(", ")}`);
    return { state: "done", ms: ctx.now() - started };
}

/** Does the tenant run its target's backend, edge and frontend? By image ID on its host; a swarm service by reference. */
export async function runsTarget(ctx: Context, t: StackTarget): Promise<boolean> {
    const engine = await connect(ctx, t.raw);
    const running = await readWorkloads(engine.docker, t.cfg.tenant, t.raw);
    for (const service of RELEASE_SERVICES) {
        const c = running.find((w) => w.service === service);
        const want = t.cfg.images[service];
        if (!c) return false;
        if (
            t.cfg.target === "swarm"
                ? c.imageRef?.replace(/@sha256:[0-9a-f]+$/, "") !== want
                : c.image !== (await imageIdOf(engine.docker, want))
        )
            return false;
    }
    return true;
}

/** `verify <stack> --wait S`, as its command runs it; its report kept for the failure message, its verdict first. */
async function verifyStack(ctx: Context, stack: string, wait: string): Promise<{ ok: boolean; text: string }> {
    const [out, err]: string[][] = [[], []];
    const quiet = { ...ctx, io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) } };
    const code = await invoke(verify, [stack, "--wait", wait], quiet);
    return { ok: code === 0, text: [...err, ...out].join("\n").trim() };
}

async function smokeStack(ctx: Context, t: StackTarget): Promise<SmokeResult> {
    const engine = await connect(ctx, t.raw);
    const frontend = (await readWorkloads(engine.docker, t.cfg.tenant, t.raw)).find((c) => c.service === "frontend");
    const entry = entryPointOf(
        { ...t.cfg, frontendPort: frontend?.ports.find((p) => p.containerPort === 80)?.hostPort, dockerHost: engine.host },
        ctx.env,
    );
    if ("unreachable" in entry) return { ok: false, checks: [{ what: "entry point", ok: false, detail: entry.unreachable }] };
    const ca = ctx.env.FRONTBASE_PROXY_CA ? readFileSync(ctx.env.FRONTBASE_PROXY_CA, "utf8") : undefined;
    const secrets = await decryptStackSecrets(t.file, ctx.env);
    if (secrets === undefined)
        return {
            ok: false,
            checks: [
                {
                    what: "admin login",
                    ok: false,
                    detail: "the stack's admin password is encrypted and PULUMI_CONFIG_PASSPHRASE is not set",
                },
            ],
        };
    return smokeCheck({ ...entry, ...(ca ? { ca } : {}) }, { email: t.cfg.adminEmail, password: secrets?.["frontbase:adminPassword"] });
}

function firstFailure(s: SmokeResult): string {
    const bad = s.checks.find((c) => !c.ok);
    return bad ? `${bad.what}: ${bad.detail}` : "ok";
}

/** A restic repository is configured: named in the environment, or the default one exists already. */
export function backupsConfigured(ctx: Pick<Context, "env" | "lockDir">): boolean {
    return Boolean(ctx.env.RESTIC_REPOSITORY || ctx.env.RESTIC_REPOSITORY_FILE) || existsSync(path.join(ctx.lockDir, "backups", "config"));
}
