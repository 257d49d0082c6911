// `npm run bench [-- --runs N] [--against REF [--save-baseline]] [--only program,cli,alloc]`
//
// Times what an operator waits for, median of N runs (default 10) after one warm-up:
//   - program load: spawn of @pulumi/pulumi's own runner (as the Node language host starts it)
//     to the program's first RegisterResource, through the engine double (test/engine), a preview;
//   - `npm run tenant -- ls | check | status | why-port` with 20 tenants' stack files, run as npm
//     runs the package.json script (through `sh -c`), without npm's own start-up; `ls` and `check`
//     with 200, also through npm itself and through the bin entry (bench/cli.ts);
//   - allocation through `tenant new`: idle, with 1,000 ports held, and with 1,000 held filling
//     the edge range (it fails, and the error must name the range and the count held);
//   - the allocation alone (resolvePorts in this process): idle, with 1,000 held, and for the
//     300th tenant (299 pinned in stack files), 3N runs each;
//   - backup: a real tenant's backup (first and unchanged) and restore at 50 MB and 500 MB of
//     data, min(N, 3) runs each (bench/backup.ts; needs Docker, restic and npm run images:test);
//   - dashboard: GET /api/v1/tenants with 50 tenants (10N requests, median and p95) and the page's
//     first render in Chromium (bench/dashboard.ts);
//   - hostile: a 14 MB stack file refused, a forged lock broken (bench/hostile.ts; the unit tests
//     assert how, this says how fast).
//   - monitor: `tenant stats` with 50 tenants on the fake Engine and a fake cgroup tree (bench/monitor.ts).
//   - suspend (opt-in, --only suspend): a real tenant suspended (until none of its containers runs)
//     and resumed (to healthy) through `tenant suspend` / `resume`, N runs (bench/suspend.ts; needs Docker).
//   - rollout (opt-in, --only rollout): `tenant rollout` of 4 real tenants to a new release, one and
//     two at a time, min(N, 2) runs each: wall time and per tenant (bench/rollout.ts; needs Docker).
// "before" is the same measurement of another commit (--against REF, in a temporary copy; with
// --save-baseline its medians are kept in bench/baseline.json), or the figures recorded there.
// Exit 1 when a target is missed: on a loaded machine that says little, so the load average is
// printed at the start and at the end.
import { existsSync, readFileSync, rmSync, writeFileSync } from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { dockerClient, resolveDockerHost } from "../docker/dockerHost";
import { preview } from "../test/engine/engine";
import { allocationAlone } from "./alloc";
import { Checkout, cliBench, command, Scenario } from "./cli";
import { backupBench, backupBenchProblem } from "./backup";
import { parseBenchArgs, Options } from "./options";
import { median, report, round, Row, verdicts } from "./report";
import { rolloutBench, rolloutBenchProblem } from "./rollout";
import { suspendBench } from "./suspend";
import { fleetBench } from "./fleet";
import { dashboardBench } from "./dashboard";
import { hostileBench } from "./hostile";
import { monitorBench } from "./monitor";
import { checkoutOf, freePorts, holdEdgeRange, holding, holdLow, pinnedFleet, REPO, tempDir, tenantCommand } from "./fixtures";

const BASELINE_FILE = path.join(__dirname, "baseline.json");

interface Baseline {
    readonly commit: string;
    readonly measured: string;
    readonly load: string;
    readonly medians: Record<string, number>;
}

const load = () =>
    `${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(", ")} (${os.cpus().length} cores)`;

/** Per scenario, each checkout's run times (interleaved run by run, so load swings hit both alike). */
type Measured = Map<string, { row: Omit<Row, "times">; times: Map<string, number[]> }>;

async function main(): Promise<void> {
    const o = parseBenchArgs(process.argv.slice(2));
    const started = performance.now();
    const dockerHost = resolveDockerHost();
    const loadAtStart = load();
    console.error(`load average at start: ${loadAtStart}; Docker host ${dockerHost}: ${await containerCount(dockerHost)}`);

    const fleet = await pinnedFleet(20);
    const lockDir = path.join(tempDir("lock"), "locks");
    const env = benchEnv({ FRONTBASE_PROJECT_DIR: fleet.dir, FRONTBASE_LOCK_DIR: lockDir });
    const cleanup = [fleet.dir, path.dirname(lockDir)];
    try {
        const checkouts: Checkout[] = [{ label: "now", dir: REPO, tenant: tenantCommand(REPO) }];
        if (o.against) {
            const copy = checkoutOf(o.against);
            cleanup.push(copy.dir);
            checkouts.push({ label: `before (${copy.commit})`, dir: copy.dir, tenant: tenantCommand(copy.dir) });
        }
        const errors = new Map<string, string>();
        const measured = await measure(checkouts, o, env, fleet, errors);
        const rowsOf = (label: string): Row[] => [...measured.values()].map((m) => ({ ...m.row, times: m.times.get(label) ?? [] }));
        const now = rowsOf("now");
        let before: { label: string; medians: Record<string, number> } | undefined;
        if (checkouts[1]) {
            const label = checkouts[1].label;
            before = { label, medians: Object.fromEntries(rowsOf(label).map((r) => [r.key, round(median(r.times))])) };
            if (o.saveBaseline) {
                const b: Baseline = {
                    commit: label.replace(/^before \((.*)\)$/, "$1"),
                    measured: new Date().toISOString(),
                    load: load(),
                    medians: before.medians,
                };
                writeFileSync(BASELINE_FILE, `${JSON.stringify(b, null, 1)}\n`);
            }
        } else if (existsSync(BASELINE_FILE)) {
            const b = JSON.parse(readFileSync(BASELINE_FILE, "utf8")) as Baseline;
            before = { label: `before (${b.commit})`, medians: b.medians };
            console.error(`"before": ${b.commit}, measured ${b.measured} at a load average of ${b.load} (bench/baseline.json)`);
        }
        if (o.only.includes("alloc")) now.push(...(await allocationAlone(dockerHost, o.runs * 3)));
        if (o.only.includes("backup")) {
            const problem = await backupBenchProblem();
            if (problem) console.error(`backup group skipped: ${problem}`);
            else now.push(...(await backupBench(Math.min(o.runs, 3), env)).map((r) => ({ ...r, group: "backup" as const })));
        }
        if (o.only.includes("dashboard")) now.push(...(await dashboardBench(o.runs)).map((r) => ({ ...r, group: "dashboard" as const })));
        if (o.only.includes("hostile")) now.push(...(await hostileBench(o.runs)));
        if (o.only.includes("monitor")) now.push(...(await monitorBench(o.runs)).map((r) => ({ ...r, group: "monitor" as const })));
        if (o.only.includes("rollout")) {
            const problem = await rolloutBenchProblem();
            if (problem) console.error(`rollout group skipped: ${problem}`);
            else now.push(...(await rolloutBench(Math.min(o.runs, 2))).map((r) => ({ ...r, group: "rollout" as const })));
        }
        const fleetLines: string[] = [];
        if (o.only.includes("fleet")) {
            const problem = await rolloutBenchProblem();
            if (problem) console.error(`fleet group skipped: ${problem}`);
            else {
                const f = await fleetBench({ runs: o.runs, ...o.fleet });
                now.push(...f.rows.map((r) => ({ ...r, group: "fleet" as const })));
                fleetLines.push(...f.lines);
            }
        }
        if (o.only.includes("suspend")) {
            const problem = await rolloutBenchProblem();
            if (problem) console.error(`suspend group skipped: ${problem}`);
            else now.push(...(await suspendBench(o.runs)).map((r) => ({ ...r, group: "suspend" as const })));
        }

        const loadAtEnd = load();
        console.log(report(now, before));
        for (const line of fleetLines) console.log(line);
        const missed = verdicts(now);
        missed.ok &&= !fleetLines.some((l) => l.startsWith("target NOT met"));
        const fullRangeError = errors.get("now");
        if (fullRangeError !== undefined) {
            const ok =
                /in its range 3002-3999: all 998 port\(s\) are taken, \d+ held \(/.test(fullRangeError) && fullRangeError.length < 400;
            missed.lines.push(
                `error for a full range (${fullRangeError.length} characters, ${ok ? "names the range and the count held" : "NOT as required: range, count held, no list"}):\n  ${fullRangeError}`,
            );
            missed.ok &&= ok;
        }
        // The summary last, once every verdict (rows, the fleet's lines, the full range) is in.
        console.log(`\ntargets: ${missed.ok ? "all met" : "some missed"}`);
        for (const line of missed.lines) console.log(line);
        console.log(
            `\nload average at start ${loadAtStart}, at end ${loadAtEnd}; bench took ${((performance.now() - started) / 1000).toFixed(1)} s`,
        );
        process.exitCode = missed.ok ? 0 : 1;
    } finally {
        for (const d of cleanup) rmSync(d, { recursive: true, force: true });
    }
}

/** The caller's environment without what would change what a command does (a passphrase makes `new` encrypt credentials). */
function benchEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    const env = { ...process.env, ...extra };
    for (const k of Object.keys(env))
        if (k.startsWith("PULUMI_CONFIG_PASSPHRASE") || k.startsWith("TS_NODE_") || k.startsWith("npm_")) delete env[k];
    return env;
}

async function measure(
    checkouts: readonly Checkout[],
    o: Options,
    env: NodeJS.ProcessEnv,
    fleet: Awaited<ReturnType<typeof pinnedFleet>>,
    errors: Map<string, string>,
): Promise<Measured> {
    const out: Measured = new Map();
    const scenario: Scenario = async (row, once, only = () => true) => {
        console.error(`  ${row.name}`);
        out.set(row.key, { row, times: await repeatEach(checkouts.filter(only), o.runs, once) });
    };
    if (o.only.includes("program")) await programLoad(o, env, scenario);
    if (o.only.includes("cli")) await cliBench(scenario, env, fleet);
    if (o.only.includes("alloc")) {
        let n = 0;
        const newTenant = async (c: Checkout) => {
            const name = `bench${n++}`;
            try {
                return await command(c.tenant, ["new", name, "--json"], env, [0]);
            } finally {
                rmSync(path.join(fleet.dir, `Pulumi.${name}.yaml`), { force: true });
            }
        };
        await scenario({ key: "new-idle", name: "tenant new, idle", group: "alloc" }, newTenant);
        await holding(holdLow(1000), (held) =>
            scenario({ key: "new-held", name: `tenant new, ${held} ports held`, group: "alloc" }, newTenant),
        );
        await holding(holdEdgeRange(1000), (held) =>
            scenario({ key: "new-full", name: `tenant new, ${held} held, edge range full (fails)`, group: "alloc" }, async (c) => {
                const r = await c.tenant(["new", `bench${n++}`], env);
                if (r.code !== 1) throw new Error(`tenant new with the edge range full exited ${r.code}, not 1:\n${r.out}${r.err}`);
                errors.set(c.label, r.err.trim().replace(/^tenant new: /, ""));
                return r.ms;
            }),
        );
    }
    return out;
}

/** Spawn of the runner to the first RegisterResource, in a preview of a pinned tenant (test/engine/engine.ts `loadMs`). */
async function programLoad(o: Options, env: NodeJS.ProcessEnv, scenario: Scenario): Promise<void> {
    const stateDir = tempDir("state");
    const [backend, edge, frontend, redisHttp] = await freePorts(4);
    // The images this machine builds (npm run images:test), not the release's: a host need not hold a release to measure.
    const images = {
        backend: "frontbase-real/backend:local",
        edge: "frontbase-real/edge:local",
        frontend: "frontbase-real/frontend:local",
    };
    const config = {
        "frontbase:tenant": "benchload",
        "frontbase:ports": JSON.stringify({ backend, edge, frontend, redisHttp }),
        "frontbase:images": JSON.stringify(images),
    };
    const saved = { ...process.env };
    // The runner inherits this process's environment: the bench's lock directory, its own project.
    Object.assign(process.env, { FRONTBASE_LOCK_DIR: env.FRONTBASE_LOCK_DIR });
    delete process.env.FRONTBASE_PROJECT_DIR;
    try {
        await scenario({ key: "program", name: "program load under the runner (preview)", group: "program" }, async (c) => {
            const r = await preview({
                projectDir: c.dir,
                stack: "benchload",
                stateDir: path.join(stateDir, c.label.replace(/\W+/g, "-")),
                config,
            });
            if (r.loadMs === undefined) throw new Error("the program registered no resource");
            return r.loadMs;
        });
    } finally {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
        rmSync(stateDir, { recursive: true, force: true });
    }
}

/** One warm-up each, then `runs` rounds of one run per checkout. */
async function repeatEach(
    checkouts: readonly Checkout[],
    runs: number,
    once: (c: Checkout) => Promise<number>,
): Promise<Map<string, number[]>> {
    const times = new Map(checkouts.map((c) => [c.label, [] as number[]]));
    for (const c of checkouts) await once(c);
    for (let i = 0; i < runs; i++) for (const c of checkouts) times.get(c.label)!.push(await once(c));
    return times;
}

async function containerCount(host: string): Promise<string> {
    try {
        return `${(await dockerClient(host).listContainers({ all: true })).length} container(s), read on every run`;
    } catch (e) {
        return `not answering (${(e as Error).message})`;
    }
}

main().catch((e) => {
    console.error(`bench: ${(e as Error).message}`);
    process.exitCode = 1;
});
