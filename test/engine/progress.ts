// How the harness shows a deployment: one line per step, stack outputs with secrets masked.
import { masked } from "./serialize";
import { Diagnostic, Step, StepOp, WireMap } from "./types";

const SYMBOL: Record<StepOp, string> = {
    create: "+ create ",
    same: "= same   ",
    update: "~ update ",
    replace: "+-replace",
    delete: "- delete ",
    "delete-replaced": "--delete ",
    retain: "  retain ",
    refresh: "~ refresh",
    "refresh-gone": "! gone   ",
};

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)}s`;
}

export function stepLine(s: Step): string {
    const type = s.type.replace(/^docker:index\/\w+:/, "docker:").replace(/^random:index\/\w+:/, "random:");
    const changed = s.changed?.length ? ` [${s.changed.join(", ")}]` : "";
    const order = s.op === "replace" && s.deleteFirst !== undefined ? (s.deleteFirst ? " (delete first)" : " (create first)") : "";
    const timing = s.op === "same" || s.ms === 0 ? "" : ` (${seconds(s.ms)})`;
    const note =
        s.op === "retain"
            ? " (retainOnDelete: kept on the engine)"
            : s.op === "refresh-gone"
              ? " (no longer on the engine; dropped from state)"
              : s.op === "refresh"
                ? " (state now as read from the engine)"
                : s.op === "delete-replaced"
                  ? " (the replaced object, once the program is done)"
                  : s.op === "delete" && s.type.endsWith(":RemoteImage")
                    ? " (image itself kept: shared by tenants)"
                    : "";
    return `  ${SYMBOL[s.op]} ${type.padEnd(22)} ${s.name}${changed}${order}${timing}${note}`;
}

/** One line per changed attribute, as `pulumi preview --diff` shows them. */
export function diffLines(s: Step): string[] {
    return (s.diffs ?? []).map(
        (d) => `      ${d.replaces ? "+-" : "~ "}${d.key}: ${show(d.old)} => ${show(d.new)}${d.replaces ? " (forces replacement)" : ""}`,
    );
}

function show(v: unknown): string {
    if (v === undefined || v === null) return "(unset)";
    const text = typeof v === "string" ? JSON.stringify(v) : JSON.stringify(v, (_k, x) => (typeof x === "symbol" ? "[unknown]" : x));
    return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

export function diagnosticLine(d: Diagnostic): string {
    return `  ${d.severity}: ${d.message.trim().replace(/\n/g, "\n    ")}`;
}

export function summary(steps: readonly Step[]): string {
    const counts = new Map<StepOp, number>();
    for (const s of steps) counts.set(s.op, (counts.get(s.op) ?? 0) + 1);
    return [...counts.entries()].map(([op, n]) => `${n} ${op}`).join(", ") || "no changes";
}

/** Stack outputs as indented JSON; secrets as `[secret]`, unknowns as `[unknown]`. */
export function outputsText(outputs: WireMap | undefined): string {
    if (!outputs || Object.keys(outputs).length === 0) return "  (none)";
    return JSON.stringify(masked(outputs), null, 2).replace(/^/gm, "  ");
}

/**
 * What `preview --expect-no-changes` fails on: any step of the preview proper that is not
 * "same". What a refresh changed in state is not a change by itself; a refreshed value that
 * the program would set back is, as the preview's own update or replace.
 */
export function changesOf(steps: readonly Step[]): Step[] {
    return steps.filter((s) => s.op !== "same" && s.op !== "refresh" && s.op !== "refresh-gone");
}
