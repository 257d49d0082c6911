// Running a rollout's waves: within a wave at most `parallel` stacks at once (stacks on one host
// share its CPU); a stack that fails a gate lets the stacks already running finish, starts no
// other, and no later wave starts. Every outcome is written to the progress file as it happens,
// so that an interrupted rollout resumes from what really happened.
import type { Context } from "../../tenants/context";
import type { Progress, StackRecord } from "./rolloutProgress";
import type { Outcome, StackRun } from "./rolloutPlan";
import { outcomeText } from "./rolloutPlan";
import { rollStack, StackTarget } from "./rolloutStack";

export interface RunOptions {
    readonly waves: readonly (readonly string[])[];
    readonly targets: ReadonlyMap<string, StackTarget>;
    readonly parallel: number;
    /** A line for the operator: `t1: up ok (21.3 s)`. */
    say(line: string): void;
    /** `pulumi up`'s output, by stack. */
    log(stack: string, chunk: string): void;
    /** The progress so far; `save` is called with each change. */
    readonly progress: Progress;
    save(p: Progress): Promise<void>;
}

export async function runWaves(ctx: Context, o: RunOptions): Promise<StackRun[]> {
    let progress = o.progress;
    const outcomes = new Map<string, Outcome>();
    // Changes apply in memory at once; the writes follow one another, so an older one never lands last.
    let saving: Promise<void> = Promise.resolve();
    const update = (stack: string, change: (r: StackRecord) => StackRecord) => {
        const records = { ...progress.records, [stack]: change(progress.records[stack] ?? {}) };
        const snapshot = (progress = { ...progress, records, updatedAt: new Date(ctx.now()).toISOString() });
        saving = saving.then(() => o.save(snapshot));
        return saving;
    };
    let failed = false;
    for (const [i, wave] of o.waves.entries()) {
        if (failed) break;
        o.say(`wave ${i + 1} of ${o.waves.length}: ${wave.join(", ")}`);
        const queue = [...wave];
        const worker = async () => {
            for (let stack = queue.shift(); stack !== undefined && !failed; stack = queue.shift()) {
                const t = o.targets.get(stack)!;
                const say = (text: string) => o.say(`  ${stack}: ${text}`);
                let outcome: Outcome;
                try {
                    outcome = await rollStack(ctx, t, {
                        say,
                        log: (chunk) => o.log(stack, chunk),
                        backedUp: progress.records[stack]?.backups?.[t.key],
                        // A failed write surfaces at the stack's next (awaited) update.
                        onBackup: (snapshot) =>
                            void update(stack, (r) => ({ ...r, backups: { ...r.backups, [t.key]: snapshot } })).catch(() => undefined),
                    });
                } catch (e) {
                    // Not a gate's verdict but an error reaching the host or the files: the stack failed all the same.
                    outcome = { state: "failed", gate: "up", error: (e as Error).message, ms: 0 };
                }
                if (outcome.state === "failed") failed = true;
                outcomes.set(stack, outcome);
                await update(stack, (r) => ({ ...r, outcome, target: t.label }));
                say(outcome.state === "failed" ? `${outcomeText(outcome)}: ${outcome.error.split("\n")[0]}` : outcomeText(outcome));
            }
        };
        await Promise.all(Array.from({ length: Math.min(o.parallel, wave.length) }, worker));
    }
    return o.waves.flat().map((stack) => ({
        stack,
        target: o.targets.get(stack)!.label,
        outcome: outcomes.get(stack) ?? { state: "not started" },
    }));
}
