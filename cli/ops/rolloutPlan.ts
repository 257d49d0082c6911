// A rollout's plan: the `--waves` it is given, the waves it makes of the selected stacks, and what
// a run concluded. Pure: stack names and outcomes in, waves, lines and JSON out.
//
// Each entry of `--waves` says how many stacks are done by the end of its wave: a number of stacks
// or a percentage of the selection, rounded up (so 10% of 4 stacks is 1). Waves that add nothing
// are dropped, and the last wave takes whatever the entries leave: a rollout always covers its
// selection (select stacks to roll out fewer).
import { invalid } from "../args";

export type WaveStep = { readonly kind: "count"; readonly n: number } | { readonly kind: "percent"; readonly p: number };

export const DEFAULT_WAVES = "1,10%,100%";
const RULE =
    "each wave is a number of stacks (1 or more) or a percentage of the selected stacks (1% to 100%), separated by commas, growing, e.g. 1,10%,100%";

/** `--waves 1,10%,100%`: checked here, so a bad value is a usage error before anything is read. */
export function parseWaves(value: string, what = "--waves"): WaveStep[] {
    const steps = value.split(",").map((item): WaveStep => {
        const count = /^\d+$/.exec(item);
        if (count && Number(item) >= 1 && Number.isSafeInteger(Number(item))) return { kind: "count", n: Number(item) };
        const pct = /^(\d+(?:\.\d+)?)%$/.exec(item);
        if (pct && Number(pct[1]) > 0 && Number(pct[1]) <= 100) return { kind: "percent", p: Number(pct[1]) };
        throw invalid(what, value, `"${item}" is not a wave: ${RULE}`);
    });
    for (let i = 1; i < steps.length; i++) {
        const [a, b] = [steps[i - 1], steps[i]];
        const shrinks = a.kind === b.kind && (a.kind === "count" ? a.n >= (b as typeof a).n : a.p >= (b as typeof a).p);
        if (shrinks) throw invalid(what, value, `wave ${i + 1} is not larger than wave ${i}: ${RULE}`);
    }
    return steps;
}

/** The waves of `stacks`, in their order: the first stack is the canary of a `1,...` rollout. */
export function planWaves(stacks: readonly string[], steps: readonly WaveStep[]): string[][] {
    const waves: string[][] = [];
    let done = 0;
    const targets = [...steps.map((s) => (s.kind === "count" ? s.n : Math.ceil((s.p / 100) * stacks.length))), stacks.length];
    for (const t of targets) {
        const upTo = Math.min(Math.max(t, done), stacks.length);
        if (upTo > done) waves.push(stacks.slice(done, upTo));
        done = upTo;
    }
    return waves;
}

/** What happened to a stack in a run. */
export type Outcome =
    | { readonly state: "done"; readonly ms: number }
    | { readonly state: "skipped"; readonly why: string }
    | { readonly state: "failed"; readonly gate: Gate; readonly error: string; readonly ms: number }
    | { readonly state: "not started" };

export const GATES = ["preflight", "backup", "up", "verify", "smoke"] as const;
export type Gate = (typeof GATES)[number];

export interface StackRun {
    readonly stack: string;
    /** `release fb-2`, `own images (...)`: what it is rolled to. */
    readonly target: string;
    readonly outcome: Outcome;
}

export interface RunSummary {
    readonly ok: boolean;
    /** Stacks running their target, healthy: done now, or already. */
    readonly onTarget: readonly string[];
    /** The rest: failed, or not started because a wave before theirs failed. */
    readonly notOnTarget: readonly string[];
    readonly failed: readonly StackRun[];
    readonly wallMs: number;
    /** Mean time of the stacks deployed in this run. */
    readonly perStackMs?: number;
}

export function summarise(runs: readonly StackRun[], wallMs: number): RunSummary {
    const on = runs.filter((r) => r.outcome.state === "done" || r.outcome.state === "skipped");
    const deployed = runs.flatMap((r) => (r.outcome.state === "done" ? [r.outcome.ms] : []));
    const failed = runs.filter((r) => r.outcome.state === "failed");
    return {
        ok: failed.length === 0 && on.length === runs.length,
        onTarget: on.map((r) => r.stack),
        notOnTarget: runs.filter((r) => !on.includes(r)).map((r) => r.stack),
        failed,
        wallMs,
        ...(deployed.length > 0 ? { perStackMs: Math.round(deployed.reduce((a, b) => a + b, 0) / deployed.length) } : {}),
    };
}

export function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

/** One line per stack for the summary table. */
export function outcomeText(o: Outcome): string {
    if (o.state === "done") return `done in ${seconds(o.ms)}`;
    if (o.state === "skipped") return `skipped: ${o.why}`;
    if (o.state === "failed") return `FAILED at ${o.gate} after ${seconds(o.ms)}`;
    return "not started";
}
