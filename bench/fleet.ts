// The fleet group of `npm run bench` (opt-in: `--only fleet`): how many real tenants one host holds
// and how fast they come up (issue 24). Real sqlite tenants (the real images) with the program's
// default settings, made through the commands an operator runs: `tenant new` (ports allocated and
// pinned in each stack file), `tenant rollout` (its `pulumi up` the engine double in a process of its
// own, test/integration/support/harnessPulumi.ts), `tenant ls`, `tenant check`, `backup --all`, and
// the dashboard's GET /api/v1/tenants on the real Engine. Its tenants are named `it-benchfleet-*`;
// whatever an interrupted run left is removed first, and Ctrl-C removes what this run made.
//
//   1. the host's baseline CPU, before any tenant runs;
//   2. one tenant from nothing to healthy (`pulumi up`), beside the application's own start-up;
//   3. `idleTenants` tenants rolled out, then left idle: CPU per tenant split by service and
//      outside the containers (the health checks' exec), memory per tenant;
//   4. the rest rolled out (all `tenants`), all serving their admin page: CPU and memory at rest,
//      `tenant ls` / `tenant check` / GET /api/v1/tenants with them running, `backup --all`.
import { promises as fs } from "fs";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { TENANT_LABEL } from "../components/naming";
import { createDashboard } from "../dashboard/server";
import { readStackFile } from "../project/stackFiles";
import { createContext } from "../tenants/context";
import { docker, removeTenant } from "../test/integration/support/docker";
import { harnessPulumi } from "../test/integration/support/harnessPulumi";
import { releaseFleet, ReleaseFleet } from "../test/integration/support/releaseFleet";
import { describeIdle, describeProbes, idleVerdicts, probeCost } from "./fleetUsage";
import { probeWindow, split, window } from "./fleetWindow";
import { repeat, REPO, tempDir, tenantCommand } from "./fixtures";

export const FLEET_PREFIX = "it-benchfleet-";
const TOKEN = "bench token, not a secret, 0123456789";
const CHAIN = [
    ["backend", "/health/"],
    ["edge", "/api/health"],
    ["frontend", "/nginx-health"],
] as const;

export interface FleetOptions {
    readonly runs: number;
    readonly tenants: number;
    readonly idleTenants: number;
    readonly idleSeconds: number;
    /** The rollout's --parallel; undefined: its default. */
    readonly parallel?: number;
}

export interface FleetRow {
    readonly key: string;
    readonly name: string;
    readonly times: number[];
    readonly note?: string;
}

export async function fleetBench(o: FleetOptions): Promise<{ rows: FleetRow[]; lines: string[] }> {
    await removeLeftovers();
    const rows: FleetRow[] = [];
    const lines: string[] = [];
    const say = (line: string) => (console.error(`  ${line}`), lines.push(line));
    const baseline = await window([], 30);
    const baselinePct = (baseline.busyCoreSeconds / baseline.seconds) * 100;
    say(`baseline: the host busy ${baselinePct.toFixed(1)}% of one core with no tenant, memory in use ${mib(baseline.memoryUsed)} MiB`);
    const solos = Array.from({ length: Math.min(o.runs, 3) }, (_, i) => `${FLEET_PREFIX}solo${i}`);
    const names = Array.from({ length: o.tenants }, (_, i) => `${FLEET_PREFIX}${String(i + 1).padStart(2, "0")}`);
    const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
    process.env.PULUMI_CONFIG_PASSPHRASE = "bench only";
    console.error(`  tenant new ${solos.length + names.length} times`);
    const fleet = await releaseFleet([...solos, ...names], { defaultHealth: true });
    const stop = () => void fleet.cleanup().finally(() => process.exit(130));
    process.once("SIGINT", stop).once("SIGTERM", stop);
    try {
        await fleet.tagRealImages(`benchfleet-${process.pid}`);
        await fleet.declare(Object.keys(fleet.releases)[0]);
        rows.push(...(await soloDeploys(fleet, solos, say)));
        const roll = async (stacks: string[], what: string) => {
            console.error(`  tenant rollout of ${stacks.length} tenants (${what})`);
            const p = o.parallel === undefined ? [] : ["--parallel", String(o.parallel)];
            const r = await fleet.rollout([...stacks, ...p, "--yes", "--json"]);
            if (r.code !== 0) throw new Error(`the rollout of ${what} failed:\n${r.err}`);
            const each = `--parallel ${o.parallel ?? "default (1)"}`;
            rows.push(
                {
                    key: `fleet-rollout-${stacks.length}`,
                    name: `tenant rollout of ${stacks.length} new tenants (${what}), ${each}: wall`,
                    times: [r.json.wallMs],
                },
                { key: `fleet-rollout-${stacks.length}-each`, name: `  wall per tenant`, times: [r.json.wallMs / stacks.length] },
            );
        };
        const first = names.slice(0, o.idleTenants);
        await roll(first, "the idle set");
        await settle(20);
        const idle = await window(first, o.idleSeconds);
        const idleS = split(idle, baseline, first.length);
        lines.push(...describeIdle("idle", idleS), ...idleVerdicts(`${first.length} idle tenants`, idleS));
        console.error(`  the health checks alone: ${PROBE_SECONDS} s of probes, one after another`);
        const p = await probeWindow(first, PROBE_SECONDS);
        const idleRate = idle.busyCoreSeconds / idle.seconds;
        const msPerProbe = probeCost({ ...p, idleCoreSecondsPerSecond: idleRate });
        lines.push(...describeProbes({ ...p, msPerProbe, idle: idleS }));
        await settle(10);
        if (names.length > first.length) await roll(names.slice(first.length), "the rest");
        const serving = await adminPages(fleet, names);
        say(`${serving} of ${names.length} tenants serve their admin page (GET /frontbase-admin/ through the frontend: 200)`);
        await settle(20);
        const rest = await window(names, 60);
        lines.push(...describeIdle("density, at rest", split(rest, baseline, names.length)));
        const used = `${mib(rest.memoryUsed)} MiB of ${mib(os.totalmem())} MiB`;
        say(
            `host memory in use with ${names.length} tenants: ${used} (${mib(rest.memoryUsed - baseline.memoryUsed)} MiB above the baseline)`,
        );
        rows.push(...(await commandsWith(fleet, names.length, o.runs)));
        rows.push(await backupAll(fleet, names.length));
        return { rows, lines };
    } catch (e) {
        // What was measured before the failure is kept: a rollout that stops at a gate on a
        // saturated host is itself the finding (docs/speed.md, Docker 20.10).
        say(`target NOT met: the fleet bench stopped early: ${(e as Error).message.split("\n")[0]}`);
        console.error((e as Error).message);
        return { rows, lines };
    } finally {
        process.off("SIGINT", stop).off("SIGTERM", stop);
        console.error(`  removing the bench's tenants`);
        await fleet.cleanup();
        if (saved === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
        else process.env.PULUMI_CONFIG_PASSPHRASE = saved;
    }
}

/** How long the bench runs health checks itself to price one (bench/fleetWindow.ts, probeWindow). */
const PROBE_SECONDS = 30;
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const settle = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000));

/** Whatever an interrupted run of this group left on the Engine: its tenants, by name prefix. */
async function removeLeftovers(): Promise<void> {
    const labelled = await docker.listContainers({ all: true, filters: { label: [TENANT_LABEL] } });
    const vols = (await docker.listVolumes({ filters: { label: [TENANT_LABEL] } })).Volumes ?? [];
    const left = new Set(
        [...labelled.map((c) => c.Labels[TENANT_LABEL]), ...vols.map((v) => (v.Labels ?? {})[TENANT_LABEL])].filter((t) =>
            t?.startsWith(FLEET_PREFIX),
        ),
    );
    if (left.size > 0) console.error(`  removing ${left.size} tenant(s) an earlier run left: ${[...left].join(", ")}`);
    await Promise.all([...left].map((t) => removeTenant(t)));
}

const portsOf = async (fleet: ReleaseFleet, t: string) =>
    JSON.parse(String((await readStackFile(path.join(fleet.project.dir, `Pulumi.${t}.yaml`))).config["frontbase:ports"] ?? "{}")) as Record<
        string,
        number
    >;

/** `pulumi up` of one new tenant, nothing to healthy; its services' own start-up read beside it. */
async function soloDeploys(fleet: ReleaseFleet, solos: readonly string[], say: (l: string) => void): Promise<FleetRow[]> {
    process.env.FRONTBASE_PROJECT_DIR = fleet.project.dir;
    process.env.FRONTBASE_LOCK_DIR = fleet.lockDir;
    const pulumi = harnessPulumi({ projectDir: fleet.project.dir, stateDir: fleet.stateDir });
    const times: number[] = [];
    const floors: number[] = [];
    for (const t of solos) {
        console.error(`  pulumi up of ${t}, nothing to healthy`);
        const ports = await portsOf(fleet, t);
        const ctl = new AbortController();
        const answered = CHAIN.map(([s, p]) => firstAnswer(ports[s], p, ctl.signal));
        const t0 = performance.now();
        const code = await pulumi(["up", "--stack", t, "--yes"]);
        times.push(performance.now() - t0);
        ctl.abort();
        if (code !== 0) throw new Error(`pulumi up of ${t} exited ${code}`);
        const ups: string[] = [];
        let floor = 0;
        for (const [i, [s]] of CHAIN.entries()) {
            const at = await answered[i];
            const started = Date.parse((await docker.getContainer(`${t}_frontbase-${s}-1`).inspect()).State.StartedAt);
            const ms = at === undefined ? NaN : at - started;
            floor += ms;
            ups.push(`${s} ${(ms / 1000).toFixed(1)} s`);
        }
        floors.push(floor);
        say(
            `${t}: up ${(times[times.length - 1] / 1000).toFixed(1)} s; each service from its start to its first answer: ${ups.join(", ")}`,
        );
        await removeTenant(t);
        await fs.rm(path.join(fleet.project.dir, `Pulumi.${t}.yaml`));
    }
    return [
        { key: "fleet-deploy-one", name: "one real sqlite tenant, nothing to healthy (pulumi up, default settings)", times },
        { key: "fleet-deploy-floor", name: "  the application's own start-up, backend + edge + frontend in turn", times: floors },
    ];
}

/** When `port` first answered `urlPath` with a status below 500 (Date.now()), polled every 50 ms until aborted. */
async function firstAnswer(port: number, urlPath: string, signal: AbortSignal): Promise<number | undefined> {
    while (!signal.aborted) {
        const ok = await fetch(`http://127.0.0.1:${port}${urlPath}`, { signal: AbortSignal.timeout(2000) }).then(
            (r) => r.status < 500,
            () => false,
        );
        if (ok) return Date.now();
        await settle(0.05);
    }
    return undefined;
}

async function adminPages(fleet: ReleaseFleet, tenants: readonly string[]): Promise<number> {
    const ok = await Promise.all(
        tenants.map(async (t) => {
            const port = (await portsOf(fleet, t)).frontend;
            const r = await fetch(`http://127.0.0.1:${port}/frontbase-admin/`, { signal: AbortSignal.timeout(20_000) }).catch(
                () => undefined,
            );
            return r?.status === 200;
        }),
    );
    return ok.filter(Boolean).length;
}

/** `tenant ls`, `tenant check` (as npm runs them, minus npm) and GET /api/v1/tenants with the fleet running. */
async function commandsWith(fleet: ReleaseFleet, n: number, runs: number): Promise<FleetRow[]> {
    const env = { ...process.env, FRONTBASE_PROJECT_DIR: fleet.project.dir, FRONTBASE_LOCK_DIR: fleet.lockDir };
    const tenant = tenantCommand(REPO);
    const cmd = (args: string[]) => async () => {
        const r = await tenant(args, env);
        if (r.code !== 0 && r.code !== 3) throw new Error(`tenant ${args.join(" ")} exited ${r.code}:\n${r.err}`);
        return r.ms;
    };
    const ctx = createContext({ projectDir: fleet.project.dir, lockDir: fleet.lockDir, env });
    const server = createDashboard(ctx, { token: TOKEN, secure: false });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
        const api = async () => {
            const t0 = performance.now();
            const res = await fetch(`${base}/api/v1/tenants`, { headers: { authorization: `Bearer ${TOKEN}` } });
            const body = (await res.json()) as { tenants?: unknown[] };
            if (res.status !== 200 || body.tenants?.length !== n)
                throw new Error(`GET /api/v1/tenants: ${res.status}, ${body.tenants?.length} tenants`);
            return performance.now() - t0;
        };
        console.error(`  tenant ls, tenant check, GET /api/v1/tenants with ${n} tenants running`);
        return [
            { key: "fleet-ls", name: `tenant ls, ${n} real tenants running`, times: await repeat(runs, cmd(["ls"])) },
            { key: "fleet-check", name: `tenant check, ${n} real tenants running`, times: await repeat(runs, cmd(["check"])) },
            { key: "fleet-api", name: `GET /api/v1/tenants, ${n} real tenants running`, times: await repeat(runs * 3, api) },
        ];
    } finally {
        await new Promise((r) => server.close(r));
    }
}

async function backupAll(fleet: ReleaseFleet, n: number): Promise<FleetRow> {
    const dir = tempDir("fleet-restic");
    try {
        await fs.writeFile(path.join(dir, "password"), "bench only\n", { mode: 0o600 });
        const env = {
            ...process.env,
            FRONTBASE_PROJECT_DIR: fleet.project.dir,
            FRONTBASE_LOCK_DIR: fleet.lockDir,
            RESTIC_REPOSITORY: path.join(dir, "repo"),
            RESTIC_PASSWORD_FILE: path.join(dir, "password"),
        };
        console.error(`  backup --all of ${n} tenants`);
        const r = await tenantCommand(REPO)(["backup", "--all", "--init"], env);
        if (r.code !== 0) throw new Error(`backup --all exited ${r.code}:\n${r.out}${r.err}`);
        return { key: "fleet-backup-all", name: `backup --all of ${n} real tenants (a new repository)`, times: [r.ms] };
    } finally {
        await fs.rm(dir, { recursive: true, force: true });
    }
}
