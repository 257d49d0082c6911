// What a rollout prints at the end: a table of every stack with its outcome and time, the wall
// time, and on a failure what failed, which stacks are on their target and which are not, and the
// command that resumes. `--json`: the same as one object. Pure but for the output.
import type { Context } from "../../tenants/context";
import { indent, table } from "../table";
import { outcomeText, seconds, StackRun, summarise, WaveStep } from "./rolloutPlan";

/** `npm run rollout -- ...` with the flags this run was given: running it again resumes. */
export function resumeCommand(
    stacks: readonly string[],
    all: boolean,
    steps: readonly WaveStep[] | undefined,
    parallel?: number,
    release?: string,
): string {
    const waves = steps?.map((s) => (s.kind === "count" ? String(s.n) : `${s.p}%`)).join(",");
    return [
        "npm run rollout --",
        ...(all ? ["--all"] : stacks),
        ...(waves ? ["--waves", waves] : []),
        ...(parallel !== undefined ? ["--parallel", String(parallel)] : []),
        ...(release ? ["--release", release] : []),
        "--yes",
    ].join(" ");
}

export interface ReportOptions {
    readonly wallMs: number;
    readonly waves: readonly (readonly string[])[];
    readonly command: string;
    /** Where pulumi's output is. */
    readonly log: string;
    readonly json: boolean;
    say(line: string): void;
}

/** Prints the summary; the exit code: 0 when every stack is on its target. */
export function report(ctx: Pick<Context, "io">, runs: readonly StackRun[], o: ReportOptions): number {
    const s = summarise(runs, o.wallMs);
    const rows = runs.map((r) => [r.stack, r.target, outcomeText(r.outcome)]);
    o.say(`\n${table(["STACK", "TARGET", "RESULT"], rows)}`);
    o.say(
        `${s.ok ? "rolled out" : "stopped"}: ${s.onTarget.length} of ${runs.length} on target in ${seconds(o.wallMs)}` +
            (s.perStackMs !== undefined ? ` (${seconds(s.perStackMs)} per stack deployed)` : ""),
    );
    if (!s.ok) {
        for (const f of s.failed)
            if (f.outcome.state === "failed") o.say(`\n${f.stack} failed at ${f.outcome.gate}:\n${indent(f.outcome.error)}`);
        o.say(`\non their target: ${s.onTarget.join(", ") || "none"}\nnot on it: ${s.notOnTarget.join(", ")}`);
        o.say(`pulumi's output: ${o.log}\nonce the cause is fixed, resume with:\n  ${o.command}`);
    }
    if (o.json)
        ctx.io.out(
            JSON.stringify({
                ok: s.ok,
                waves: o.waves,
                stacks: runs.map((r) => ({ stack: r.stack, target: r.target, ...r.outcome })),
                onTarget: s.onTarget,
                notOnTarget: s.notOnTarget,
                wallMs: s.wallMs,
                ...(s.perStackMs !== undefined ? { perStackMs: s.perStackMs } : {}),
                ...(s.ok ? {} : { resume: o.command, log: o.log }),
            }),
        );
    return s.ok ? 0 : 1;
}
