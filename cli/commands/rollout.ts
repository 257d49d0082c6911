// `rollout [<stack>...|--all] [--waves 1,10%,100%] [--parallel K] [--release NAME] [--yes] [--json]`
// (also `npm run rollout -- ...`): bring stacks to the release git declares for them, in waves,
// each through its gates: `pulumi up`, `verify`, a smoke check through its own entry point. A
// failed gate stops the rollout before the next wave; running it again resumes (stacks already on
// their target and healthy are skipped). docs/releases.md.
import * as path from "path";
import { ConfigError, parseTenantConfig } from "../../components/config";
import { describeStanding, RELEASE_NAME, RELEASE_SERVICES } from "../../components/release";
import { PROXY_STACK } from "../../components/proxy/routes";
import { goJson, readProjectConfig } from "../../project/projectConfig";
import { projectName } from "../../project/project";
import { listStackFiles, readStackFile, stackNameOf } from "../../project/stackFiles";
import { Check, integer, invalid, UsageError } from "../args";
import { defineCommand } from "../command";
import { Context, requireProject } from "../../tenants/context";
import { preflight } from "../ops/preflight";
import { DEFAULT_WAVES, parseWaves, planWaves, WaveStep } from "../ops/rolloutPlan";
import { lockRollout, openLog, Progress, readProgress, rolloutFiles, writeProgress } from "../ops/rolloutProgress";
import { report, resumeCommand } from "../ops/rolloutReport";
import { runWaves } from "../ops/rolloutRun";
import type { StackTarget } from "../ops/rolloutStack";

const stackArg: Check<string> = (value, what) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(value)) throw invalid(what, value, "must be a stack name (the <stack> of a Pulumi.<stack>.yaml)");
    return value;
};
const releaseArg: Check<string> = (value, what) => {
    if (!RELEASE_NAME.test(value)) throw invalid(what, value, "must be a release name of Pulumi.yaml's frontbase:releases");
    return value;
};

export const command = defineCommand({
    name: "rollout",
    summary: "bring stacks to their release in health-gated waves (pulumi up, verify, smoke check); resumable",
    args: [{ name: "stack", about: "stacks to roll out, in this order (the first is the canary)", variadic: true, parse: stackArg }],
    flags: {
        all: { kind: "boolean", about: "every tenant stack file in the project, by name" },
        waves: {
            kind: "value",
            arg: "W,W,...",
            help: "numbers of stacks or percentages of the selection, growing, e.g. 1,10%,100%",
            about: `how many stacks are done by the end of each wave (default ${DEFAULT_WAVES})`,
            parse: parseWaves,
        },
        parallel: {
            kind: "value",
            arg: "K",
            help: "a whole number from 1 to 16",
            about: "stacks deployed at once within a wave (default 1)",
            parse: integer(1, 16),
        },
        release: {
            kind: "value",
            arg: "NAME",
            help: "a release of Pulumi.yaml's frontbase:releases",
            about: "only stacks git puts on this release (with --all), or refuse stacks on another",
            parse: releaseArg,
        },
        yes: { kind: "boolean", about: "do not ask before deploying (needed without a terminal)" },
        json: { kind: "boolean", about: "print one JSON object at the end (the lines go to stderr)" },
    },
    notes: [
        "Each stack: skipped if it already runs its target images and passes verify and the smoke check; else a",
        "backup before its first upgrade to the target (when a restic repository is configured), pulumi up --refresh,",
        "verify --wait 180, and the smoke check (admin page, admin login, an API read) through its domain or frontend port.",
        "Progress and pulumi's output: <lock dir>/rollout-<project>.{json,log}. One rollout of a project at a time.",
        "Exit 0: every stack on its target; 1: a gate failed (the resume command is printed) or a stack is not ready; 2: usage error.",
    ].join("\n"),
    async run({ args, flags }, ctx) {
        if (flags.all && args.stack.length > 0) throw new UsageError("give stacks or --all, not both");
        if (!flags.all && args.stack.length === 0) throw new UsageError("give the stacks to roll out, or --all");
        if (!flags.yes && !ctx.terminal.interactive)
            throw new UsageError("--yes: there is no terminal to confirm on; pass --yes to roll out");
        const projectDir = requireProject(ctx);
        const steps = flags.waves ?? parseWaves(DEFAULT_WAVES);
        const parallel = flags.parallel ?? 1;
        const targets = await selectTargets(projectDir, args.stack, flags.all, flags.release);
        const say = flags.json ? ctx.io.err : ctx.io.out;
        if (targets.size === 0) {
            say(`nothing to roll out: no tenant stack${flags.release ? ` on release ${flags.release}` : ""} in ${projectDir}`);
            if (flags.json) ctx.io.out(JSON.stringify({ ok: true, waves: [], stacks: [] }));
            return 0;
        }
        const command = resumeCommand(args.stack, flags.all, flags.waves, flags.parallel, flags.release);
        const files = rolloutFiles(ctx.lockDir, await projectName(projectDir));
        const unlock = await lockRollout(files, command);
        try {
            return await rollout(ctx, { targets, steps, parallel, command, files, say, json: flags.json, yes: flags.yes });
        } finally {
            await unlock();
        }
    },
});

interface Plan {
    readonly targets: ReadonlyMap<string, StackTarget>;
    readonly steps: readonly WaveStep[];
    readonly parallel: number;
    readonly command: string;
    readonly files: ReturnType<typeof rolloutFiles>;
    readonly json: boolean;
    readonly yes: boolean;
    say(line: string): void;
}

async function rollout(ctx: Context, p: Plan): Promise<number> {
    const started = ctx.now();
    const previous = await readProgress(p.files);
    const selection = [...p.targets.keys()];
    // The same selection keeps its order (its canary stays its canary) and its backups; it resumes
    // the last run when that one left a stack failed or not started.
    const same = previous && previous.stacks.length === selection.length && selection.every((s) => previous.stacks.includes(s));
    const resuming = same && previous.stacks.some((s) => !["done", "skipped"].includes(previous.records[s]?.outcome?.state ?? ""));
    const order = same ? [...previous.stacks] : selection;
    const waves = planWaves(order, p.steps);
    const problems: string[] = [];
    for (const stack of order) problems.push(...(await preflight(path.dirname(p.targets.get(stack)!.file), stack, ctx)).problems);
    if (problems.length > 0) {
        p.say(`not rolling out; nothing was deployed:\n${problems.map((x) => `  - ${x}`).join("\n")}`);
        return 1;
    }
    p.say(
        `${resuming ? "resuming the rollout started " + previous.startedAt : "rollout"}: ${waves.length} wave(s), at most ${p.parallel} at once`,
    );
    for (const [i, wave] of waves.entries()) p.say(`  wave ${i + 1}: ${wave.map((s) => `${s} -> ${p.targets.get(s)!.label}`).join(", ")}`);
    if (!p.yes && !/^y(es)?$/i.test((await ctx.terminal.ask("roll out? [y/N] ")).trim())) {
        p.say("not rolled out");
        return 1;
    }
    const now = new Date(ctx.now()).toISOString();
    const progress: Progress = {
        version: 1,
        stacks: order,
        waves,
        command: p.command,
        startedAt: resuming ? previous.startedAt : now,
        updatedAt: now,
        records: same ? previous.records : {},
    };
    await writeProgress(p.files, progress);
    // Each stack exists in the backend, a new one created (as npm run deploy does); one at a time,
    // because `stack select` also writes the workspace's current stack.
    for (const stack of order) {
        const code = await ctx.pulumi(["stack", "select", "--create", stack], { output: () => undefined });
        if (code !== 0) {
            p.say(`not rolling out: pulumi stack select --create ${stack} exited with ${code} (is a backend logged in? pulumi login)`);
            return 1;
        }
    }
    const log = await openLog(p.files);
    try {
        const runs = await runWaves(ctx, {
            waves,
            targets: p.targets,
            parallel: p.parallel,
            progress,
            say: p.say,
            log: (stack, chunk) => void log.write(chunk.replace(/^(?=.)/gm, `${stack}| `)),
            save: (next) => writeProgress(p.files, next),
        });
        return report(ctx, runs, { wallMs: ctx.now() - started, waves, command: p.command, log: p.files.log, json: p.json, say: p.say });
    } finally {
        await log.close();
    }
}

/** The stacks to roll out with their targets, checked: every name a tenant stack file, every config valid. */
async function selectTargets(
    projectDir: string,
    given: readonly string[],
    all: boolean,
    release?: string,
): Promise<Map<string, StackTarget>> {
    const known = (await listStackFiles(projectDir)).map(stackNameOf).filter((s) => s !== PROXY_STACK);
    for (const s of given) {
        if (s === PROXY_STACK) throw invalid("<stack>", s, "the proxy stack has no release; deploy it with pulumi up --stack proxy");
        if (!known.includes(s))
            throw invalid("<stack>", s, `no Pulumi.${s}.yaml in ${projectDir}; tenant stacks: ${known.join(", ") || "none"}`);
    }
    const targets = new Map<string, StackTarget>();
    const problems: string[] = [];
    for (const stack of all ? known : [...new Set(given)]) {
        const f = await readStackFile(path.join(projectDir, `Pulumi.${stack}.yaml`));
        try {
            const cfg = parseTenantConfig(f.config, { stack, secretKeys: f.secureKeys });
            const key = goJson(Object.fromEntries(RELEASE_SERVICES.map((s) => [s, cfg.images[s]])));
            targets.set(stack, { stack, file: f.file, raw: f.config, cfg, label: describeStanding(cfg.standing), key });
        } catch (e) {
            if (!(e instanceof ConfigError)) throw e;
            problems.push(...e.problems.map((x) => `Pulumi.${stack}.yaml: ${x}`));
        }
    }
    if (problems.length > 0) throw new Error(`not rolling out; nothing was deployed:\n${problems.map((x) => `  - ${x}`).join("\n")}`);
    if (release === undefined) return targets;
    const catalog = (await readProjectConfig(projectDir))?.entries.find((e) => e.fullKey === "frontbase:releases");
    const names = Object.keys(((catalog?.value ?? catalog?.default) as object | undefined) ?? {}).sort();
    if (!names.includes(release))
        throw invalid("--release", release, `not a release of Pulumi.yaml's frontbase:releases (${names.join(", ") || "it has none"})`);
    const on = (t: StackTarget) => t.cfg.standing.kind === "release" && t.cfg.standing.name === release;
    for (const t of targets.values()) {
        if (on(t)) continue;
        if (!all) throw invalid("--release", release, `stack ${t.stack} is on ${t.label}, not on release ${release}`);
        targets.delete(t.stack);
    }
    return targets;
}
