// One preview, update or destroy of one stack: the engine double's step logic behind the
// ResourceMonitor. A TEST DOUBLE for the Pulumi engine, not a deployment path.
//
// Like the real engine, it answers RegisterResource only once the resource exists (so the
// program's dependency order is the creation order), compares each resource with the previous
// deployment (same / update / replace: delete-before-replace when asked, else create-before-
// delete with the old object deleted after the program), deletes what the program no longer
// declares after a successful run, in waves, and checkpoints state after every step.
import { check, providerFor } from "./realizer";
import { decode, decodeMap, encode, isSecret, secret, UNKNOWN_WIRE } from "./serialize";
import { MonitorHandler, RegisterRequest } from "./server";
import { StackTable, TableOptions } from "./stackTable";
import { ResourceState } from "./state";
import { decideStep, deletionOrder, deletionWaves, dependentReplacements, makeUrn } from "./steps";
import { applyStep } from "./apply";
import { FieldDiff } from "./realizer/schema";
import { Diagnostic, FieldChange, Registration, Step, WireMap } from "./types";

/** What the double tells the SDK it supports; transforms, hooks and packages it does not. */
const FEATURES = new Set(["secrets", "resourceReferences", "outputValues", "deletedWith", "aliasSpecs"]);

export interface DeploymentOptions extends TableOptions {
    readonly project: string;
    readonly stack: string;
    readonly onDiagnostic?: (d: Diagnostic) => void;
    /** URNs to replace whatever their diff (`pulumi up --replace <urn>`). */
    readonly replace?: readonly string[];
}

export class Deployment extends StackTable implements MonitorHandler {
    readonly registrations: Registration[] = [];
    readonly diagnostics: Diagnostic[] = [];
    stackOutputs: WireMap | undefined;
    rootUrn: string | undefined;
    /** When the program's first own resource arrived (the stack resource comes before loading it). */
    firstRegistrationAt: number | undefined;
    /** A preview's create-before-delete replacements: shown as deleted after the program. */
    private readonly previewCondemned: ResourceState[] = [];
    private readonly completions = new Map<string, Promise<unknown>>();
    /** Removed ahead of a delete-before-replace of something they depend on; re-created as replacements. */
    private readonly deletedEarly = new Map<string, ResourceState>();

    constructor(override readonly o: DeploymentOptions) {
        super(o);
    }

    supportsFeature(id: string): boolean {
        return FEATURES.has(id);
    }

    async registerResource(req: RegisterRequest): Promise<{ urn: string; id: string; outputs: WireMap }> {
        if (req.type !== "pulumi:pulumi:Stack") this.firstRegistrationAt ??= Date.now();
        const parent = req.options.parent ? this.registrations.find((r) => r.urn === req.options.parent) : undefined;
        if (req.options.parent && !parent) throw new Error(`parent ${req.options.parent} of ${req.name} was never registered`);
        const urn = makeUrn(
            this.o.stack,
            this.o.project,
            req.type,
            req.name,
            parent && { urn: parent.urn, isRoot: parent.type === "pulumi:pulumi:Stack" },
        );
        if (this.registrations.some((r) => r.urn === urn)) throw new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`);
        const { inputs, secretPaths, unknownPaths } = decodeMap(req.wire);
        const reg: Registration = {
            urn,
            type: req.type,
            name: req.name,
            custom: req.custom,
            inputs,
            secretPaths,
            unknownPaths,
            wire: req.wire,
            options: req.options,
        };
        this.registrations.push(reg);
        this.o.scrubber.addWire(req.wire);
        const done = this.step(reg);
        this.completions.set(
            urn,
            done.catch(() => undefined),
        );
        return done;
    }

    private async step(reg: Registration): Promise<{ urn: string; id: string; outputs: WireMap }> {
        const { options } = reg;
        const deps = [
            ...options.dependencies,
            ...Object.values(options.propertyDependencies).flat(),
            ...(options.parent ? [options.parent] : []),
        ];
        await Promise.all(deps.map((d) => this.completions.get(d)));
        const dependencies = [...new Set([...deps, ...(options.deletedWith ? [options.deletedWith] : [])])];
        const base = {
            urn: reg.urn,
            type: reg.type,
            name: reg.name,
            custom: reg.custom,
            parent: options.parent,
            inputs: reg.wire,
            dependencies,
            propertyDependencies: options.propertyDependencies,
            retainOnDelete: options.retainOnDelete,
            protect: options.protect,
            replaceOnChanges: options.replaceOnChanges,
        };
        const old = this.live.get(reg.urn);
        if (!reg.custom) {
            // Components and the stack exist only in state; their outputs come later.
            this.record(
                { ...base, outputs: old?.outputs ?? {} },
                { op: old ? "same" : "create", urn: reg.urn, type: reg.type, name: reg.name, ms: 0 },
            );
            return { urn: reg.urn, id: "", outputs: {} };
        }
        const provider = providerFor(reg.type);
        check(reg.type, reg.inputs);
        const early = this.deletedEarly.get(reg.urn);
        const decision = early
            ? { op: "replace" as const, diffs: [], changed: ["(replaced with a resource it depends on)"] }
            : decideStep(provider, old, reg.inputs, { ...options, targetedReplace: this.o.replace?.includes(reg.urn) ?? false });
        const changed = "changed" in decision ? decision.changed : undefined;
        const diffs = decision.diffs.length > 0 ? decision.diffs.map((d) => this.maskDiff(reg, d)) : undefined;
        // pulumi/pulumi step_generator.go: the provider's DeleteBeforeReplace unless the program overrides it.
        const deleteFirst = options.deleteBeforeReplace ?? provider.deleteBeforeReplace ?? false;
        const order = decision.op === "replace" ? { deleteFirst } : {};
        if (this.o.dryRun) {
            if (decision.op === "replace" && !deleteFirst && !early) this.previewCondemned.push(old!);
            return this.previewStep(reg, old, decision.op, changed, diffs, provider.computed, order);
        }
        const started = Date.now();
        const ctx = this.context(reg.urn);
        const result = await applyStep(ctx, {
            reg,
            old,
            // Its old object is already gone: only the create half of the replacement is left.
            op: early ? "create" : decision.op,
            changed: decision.diffs.map((d) => d.key),
            deleteFirst,
            beforeDelete: async () => {
                // Delete-before-replace: the dependents replaced with it go first, as in the engine;
                // a dependent already pending deletion is just deleted (step_generator.go: "This
                // resource might already be pending-delete").
                const doomed = dependentReplacements(reg.urn, [...this.live.values(), ...this.pending], (r, key) => replacesOn(r, key));
                for (const d of deletionOrder(doomed)) {
                    if (d.delete) {
                        await this.removePending(d);
                        continue;
                    }
                    await this.remove(d, false);
                    this.deletedEarly.set(d.urn, d);
                }
            },
            deleteOld: () => this.remove(old!, false),
            condemnOld: () => void this.pending.push({ ...old!, delete: true }),
            persist: (failed) =>
                this.record({
                    ...base,
                    id: failed.id,
                    outputs: mergeOutputs(reg.wire, failed.state, options.additionalSecretOutputs),
                    initFailed: true,
                }),
        });
        const outputs = result.outputs ?? mergeOutputs(reg.wire, result.state, options.additionalSecretOutputs);
        this.record(
            { ...base, id: result.id, outputs },
            {
                op: decision.op,
                urn: reg.urn,
                type: reg.type,
                name: reg.name,
                changed,
                diffs,
                ms: Date.now() - started,
                id: result.id,
                ...order,
            },
        );
        this.o.scrubber.addWire(outputs);
        return { urn: reg.urn, id: result.id, outputs };
    }

    /** A diff as shown to people: values of secret inputs masked. */
    private maskDiff(reg: Registration, d: FieldDiff): FieldChange {
        const secretKey = reg.secretPaths.some((p) => p === d.key || p.startsWith(`${d.key}[`) || p.startsWith(`${d.key}.`));
        return secretKey ? { ...d, old: "[secret]", new: "[secret]" } : d;
    }

    private previewStep(
        reg: Registration,
        old: ResourceState | undefined,
        op: Step["op"],
        changed: readonly string[] | undefined,
        diffs: readonly FieldChange[] | undefined,
        computed: readonly string[],
        order: { deleteFirst?: boolean },
    ) {
        this.steps.push({ op, urn: reg.urn, type: reg.type, name: reg.name, changed, diffs, ms: 0, id: old?.id, ...order });
        this.o.onStep?.(this.steps[this.steps.length - 1]);
        if (op === "same") return { urn: reg.urn, id: old!.id ?? "", outputs: old!.outputs };
        if (op === "update") return { urn: reg.urn, id: old!.id ?? "", outputs: { ...old!.outputs, ...reg.wire } };
        // A create (or the create half of a replace): what only the provider knows is unknown.
        const unknowns = Object.fromEntries(computed.map((k) => [k, UNKNOWN_WIRE]));
        return { urn: reg.urn, id: "", outputs: mergeOutputs(reg.wire, {}, reg.options.additionalSecretOutputs, unknowns) };
    }

    registerResourceOutputs(urn: string, outputs: WireMap): void {
        this.o.scrubber.addWire(outputs);
        if (urn === this.rootUrn || this.registrations.find((r) => r.urn === urn)?.type === "pulumi:pulumi:Stack")
            this.stackOutputs = outputs;
        const r = this.live.get(urn);
        if (r && !this.o.dryRun) this.record({ ...r, outputs });
    }

    async invoke(token: string): Promise<WireMap> {
        throw new Error(`engine double: unexpected invoke ${token}; the program should not call provider functions`);
    }

    log(d: Diagnostic): void {
        const clean = { ...d, message: this.o.scrubber.scrub(d.message) };
        this.diagnostics.push(clean);
        this.o.onDiagnostic?.(clean);
    }

    /** Wait for every step the program started (a failed program may leave some running). */
    async settle(): Promise<void> {
        await Promise.all(this.completions.values());
    }

    /**
     * After a successful program, the engine's post-steps (pulumi/pulumi step_generator.go
     * `GenerateDeletes`, `ScheduleDeletes`): the old halves of create-before-delete replacements
     * and what the program no longer declares, in waves, dependents first, each wave in parallel.
     */
    async deleteUnregistered(): Promise<void> {
        const registered = new Set(this.registrations.map((r) => r.urn));
        for (const r of this.deletedEarly.values())
            if (!registered.has(r.urn)) this.emit({ op: "delete", urn: r.urn, type: r.type, name: r.name, ms: 0, id: r.id });
        const condemned = [...this.pending, ...this.previewCondemned.map((r) => ({ ...r, delete: true as const }))];
        const doomed = [...condemned, ...[...this.live.values()].filter((r) => !registered.has(r.urn))];
        if (!this.o.dryRun) return this.deleteInWaves(doomed);
        for (const r of deletionWaves(doomed).flat())
            this.emit({ op: previewOp(r), urn: r.urn, type: r.type, name: r.name, ms: 0, id: r.id });
    }
}

function previewOp(r: ResourceState): Step["op"] {
    return r.delete ? "delete-replaced" : r.retainOnDelete ? "retain" : "delete";
}

/** Whether a change to `key` replaces `r` (its provider's schema, or its replaceOnChanges). */
function replacesOn(r: ResourceState, key: string): boolean {
    if (!r.custom) return false;
    return providerFor(r.type).schema[key]?.forceNew === true || (r.replaceOnChanges ?? []).some((k) => k === key || k === "*");
}

/** The engine's outputs: inputs as received, provider-computed values over them, secrets kept. */
export function mergeOutputs(
    inputs: WireMap,
    computed: Record<string, unknown>,
    secretOutputs: readonly string[],
    raw: WireMap = {},
): WireMap {
    const out: WireMap = { ...inputs, ...raw };
    for (const [k, v] of Object.entries(computed)) if (v !== undefined) out[k] = isSecret(inputs[k]) ? secret(encode(v)) : encode(v);
    for (const k of secretOutputs) if (k in out && !isSecret(out[k])) out[k] = secret(out[k]);
    return out;
}

export { decode };
