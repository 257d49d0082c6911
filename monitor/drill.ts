// A restore drill: does a tenant's snapshot really bring the tenant back? It is restored into a
// temporary tenant of its own (its own stack file, network, volumes and loopback ports, no
// domains; the source's images, memory and admin credentials), deployed with `pulumi up` (the
// Context's runner), checked as its admin would (tenants/smoke.ts), then destroyed and purged,
// whatever happened; the result and the time from deploy to healthy go to the drill log.
import { randomBytes } from "crypto";
import { promises as fs } from "fs";
import { pickSnapshot } from "../backup/fetch";
import { resticFor } from "../backup/jobs";
import { restoreTenant } from "../backup/restoreJob";
import { TENANT_LABEL } from "../components/naming";
import { readTenantVolumes } from "../docker/containers";
import { findStackFile } from "../project/project";
import { readStackFile, StackFile, updateStackFile } from "../project/stackFiles";
import { decryptStackSecrets, setStackSecret } from "../project/stackSecrets";
import { connect, Context } from "../tenants/context";
import { newTenant } from "../tenants/newTenant";
import { openTenant } from "../tenants/open";
import { smokeCheck, SmokeCheck } from "../tenants/smoke";
import { assessTenant } from "../tenants/status";
import { DrillRecord, recordDrill } from "./drillLog";

/** Settings of the source the drill tenant takes: what it runs, not where or under which names. */
const COPIED = ["frontbase:images", "frontbase:memory", "frontbase:healthInterval", "frontbase:adminEmail", "docker:host"];

export const DRILL_HEALTH_TIMEOUT_MS = 300_000;

export interface DrillResult extends DrillRecord {
    readonly checks: readonly SmokeCheck[];
    readonly variables?: number;
    /** What the clean-up could not remove. */
    readonly leftovers: readonly string[];
}

/** `drill-<6 hex>-<source>`: a tenant name (at most 40 characters) no one else uses. */
export function drillName(source: string, suffix = randomBytes(3).toString("hex")): string {
    return `drill-${suffix}-${source.slice(0, 27)}`.replace(/-+$/, "");
}

/** Checks what a drill needs before anything is made; the source's stack file and admin password. */
async function sourceOf(ctx: Context, source: string): Promise<{ stack: StackFile; password: string }> {
    const stack = await findStackFile(ctx.projectDir, source);
    if (!stack)
        throw new Error(
            `tenant "${source}" has no stack file in ${ctx.projectDir}: a drill deploys the snapshot with its settings and logs in with its admin password`,
        );
    if (stack.config["frontbase:target"] === "swarm")
        throw new Error(`tenant "${source}" runs on a swarm: drills restore onto one Docker host and are not made for swarm tenants`);
    const password = (await decryptStackSecrets(stack.file, ctx.env))?.["frontbase:adminPassword"];
    if (!password)
        throw new Error(
            `${stack.file}: its frontbase:adminPassword cannot be read (set PULUMI_CONFIG_PASSPHRASE): the drill logs in with it`,
        );
    return { stack, password };
}

export async function runDrill(ctx: Context, source: string, o: { snapshot?: string; say: (line: string) => void }): Promise<DrillResult> {
    const { stack, password } = await sourceOf(ctx, source);
    const restic = resticFor(ctx);
    await restic.open("existing");
    const snapshot = await pickSnapshot(restic, source, o.snapshot);
    const started = ctx.now();
    const name = drillName(source);
    const run = ["--cwd", ctx.projectDir];
    let step = "stack file";
    let reason: string | undefined;
    let healthyMs: number | undefined;
    let checks: readonly SmokeCheck[] = [];
    let variables: number | undefined;
    const say = (line: string) => o.say(`${name}: ${line}`);
    try {
        say(`drilling snapshot ${snapshot.short_id} of ${source} (${snapshot.time})`);
        const made = await newTenant(
            ctx,
            { name, database: (stack.config["frontbase:database"] as "sqlite" | "postgres" | undefined) ?? "sqlite" },
            say,
        );
        const copied = Object.fromEntries(COPIED.filter((k) => stack.config[k] !== undefined).map((k) => [k, parsed(stack.config[k])]));
        await updateStackFile(made.file, { ...copied, "frontbase:bindAddress": "127.0.0.1" });
        await setStackSecret(made.file, "adminPassword", password, ctx.env);
        step = "restore";
        await restoreTenant(ctx, restic, source, { into: name, snapshot: snapshot.id, force: false });
        step = "deploy";
        const deployAt = ctx.now();
        await pulumi(ctx, ["stack", "select", "--create", name, ...run]);
        await pulumi(ctx, ["up", "--stack", name, "--yes", "--skip-preview", ...run]);
        step = "health";
        await untilHealthy(ctx, name);
        healthyMs = ctx.now() - deployAt;
        say(`every service healthy ${(healthyMs / 1000).toFixed(1)} s after the deploy began`);
        step = "smoke check";
        const frontend = (JSON.parse((await readStackFile(made.file)).config["frontbase:ports"]) as { frontend: number }).frontend;
        const email = stack.config["frontbase:adminEmail"] ?? "admin@example.com";
        const smoke = await smokeCheck({ url: `http://127.0.0.1:${frontend}` }, { email, password }, 20_000);
        ({ checks, variables } = smoke);
        for (const c of checks) say(`${c.what}: ${c.detail}`);
        if (!smoke.ok) throw new Error(checks.filter((c) => !c.ok).map((c) => `${c.what}: ${c.detail}`)[0]);
    } catch (e) {
        reason = `${step}: ${(e as Error).message}`;
        say(`failed at ${reason}`);
    }
    const leftovers = await removeDrillTenant(ctx, name, run, say);
    const record: DrillRecord = {
        at: new Date(ctx.now()).toISOString(),
        tenant: source,
        snapshot: snapshot.short_id,
        drillTenant: name,
        passed: reason === undefined,
        ...(reason !== undefined ? { reason } : {}),
        ...(healthyMs !== undefined ? { healthyMs } : {}),
        ...(variables !== undefined ? { variables } : {}),
        totalMs: ctx.now() - started,
    };
    await recordDrill(ctx.lockDir, record);
    return { ...record, checks, leftovers };
}

function parsed(value: string): unknown {
    try {
        return JSON.parse(value) as unknown;
    } catch {
        return value;
    }
}

async function pulumi(ctx: Context, args: string[]): Promise<void> {
    const code = await ctx.pulumi(args);
    if (code !== 0) throw new Error(`pulumi ${args.filter((a) => a !== "--cwd" && a !== ctx.projectDir).join(" ")} exited ${code}`);
}

/** `pulumi up` waits for health on create; this also holds for an engine that reports success early (FIELD-NOTES 3). */
async function untilHealthy(ctx: Context, name: string): Promise<void> {
    const deadline = ctx.now() + DRILL_HEALTH_TIMEOUT_MS;
    for (;;) {
        const t = await openTenant(ctx, name);
        const s = assessTenant({ tenant: name, host: t.engine.host, stackConfig: t.stack?.config, containers: t.containers });
        if (s.healthy && t.containers.length > 0) return;
        if (ctx.now() > deadline)
            throw new Error(`not healthy ${DRILL_HEALTH_TIMEOUT_MS / 1000} s after the deploy: ${s.problems.join("; ")}`);
        await ctx.sleep(1000);
    }
}

/** `pulumi destroy` and `stack rm`, then whatever is still labelled with its name (a failed up's containers, the kept volumes), then its stack file. */
async function removeDrillTenant(ctx: Context, name: string, run: string[], say: (l: string) => void): Promise<string[]> {
    const left: string[] = [];
    const stack = await findStackFile(ctx.projectDir, name);
    if (stack) {
        const code = await ctx.pulumi(["destroy", "--stack", name, "--yes", "--skip-preview", ...run]).catch(() => -1);
        if (code !== 0) say(`pulumi destroy exited ${code}; removing what is left directly`);
    }
    try {
        const engine = await connect(ctx, stack?.config);
        const filters = { label: [`${TENANT_LABEL}=${name}`] };
        for (const c of await engine.docker.listContainers({ all: true, filters }))
            await engine.docker
                .getContainer(c.Id)
                .remove({ force: true, v: false })
                .catch((e: Error) => left.push(`container ${c.Names[0]}: ${e.message}`));
        for (const n of await engine.docker.listNetworks({ filters }))
            await engine.docker
                .getNetwork(n.Id)
                .remove()
                .catch((e: Error) => left.push(`network ${n.Name}: ${e.message}`));
        for (const v of await readTenantVolumes(engine.docker, name))
            await engine.docker
                .getVolume(v.Name)
                .remove()
                .catch((e: Error) => left.push(`volume ${v.Name}: ${e.message}`));
    } catch (e) {
        left.push(`its Docker host: ${(e as Error).message}`);
    }
    if (stack) {
        const code = await ctx.pulumi(["stack", "rm", name, "--yes", "--force", ...run]).catch(() => -1);
        if (code !== 0) left.push(`pulumi stack ${name} (pulumi stack rm exited ${code})`);
        await fs.rm(stack.file, { force: true });
    }
    say(left.length === 0 ? "removed: its containers, network, volumes and stack file" : `left behind: ${left.join("; ")}`);
    return left;
}
