// Pure step logic of the engine double: what to do with a registered resource given the
// previous deployment, and in which order to delete. No gRPC, no Docker.
import { FieldDiff, diffAgainstState, Schema } from "./realizer/schema";
import { decode } from "./serialize";
import { ResourceState } from "./state";

export type Decision = { op: "create" | "same"; diffs: FieldDiff[] } | { op: "update" | "replace"; diffs: FieldDiff[]; changed: string[] };

export interface StepOptions {
    readonly ignoreChanges: readonly string[];
    readonly replaceOnChanges: readonly string[];
    /** `pulumi up --replace <urn>` named this resource. */
    readonly targetedReplace: boolean;
}

const INIT_ERROR = "(initialization error last time)";

/**
 * Same, update or replace: the provider's diff of the new inputs against the *state* (what
 * Read last derived from Docker), then the engine's rules over it. Upstream: pulumi/pulumi
 * pkg/resource/deploy/step_generator.go `generateSteps` (an old resource with init errors gets
 * an update even with an empty diff: `hasInitErrors`), `applyReplaceOnChanges` (a changed key
 * under replaceOnChanges replaces; an init error replaces only under "*"), `isTargetedReplace`.
 */
export function decideStep(
    provider: { readonly schema: Schema },
    old: ResourceState | undefined,
    inputs: Readonly<Record<string, unknown>>,
    o: StepOptions,
): Decision {
    if (!old) return { op: "create", diffs: [] };
    const underReplaceOnChanges = (k: string) => o.replaceOnChanges.some((p) => p === k || p === "*");
    const diffs = diffAgainstState(provider.schema, decode(old.outputs).value as Record<string, unknown>, inputs, o.ignoreChanges).map(
        (d) => ({
            ...d,
            replaces: d.replaces || underReplaceOnChanges(d.key),
        }),
    );
    const changed = diffs.map((d) => d.key).sort();
    if (o.targetedReplace) return { op: "replace", diffs, changed: [...changed, "(--replace)"] };
    const initReplace = old.initFailed === true && o.replaceOnChanges.includes("*");
    if (diffs.length === 0) {
        if (!old.initFailed) return { op: "same", diffs };
        return initReplace
            ? { op: "replace", diffs, changed: [INIT_ERROR] }
            : { op: "update", diffs, changed: [`${INIT_ERROR}: an empty update`] };
    }
    return { op: diffs.some((d) => d.replaces) || initReplace ? "replace" : "update", diffs, changed };
}

/**
 * What the engine replaces along with `root` when `root` is replaced delete-first: a dependent
 * is replaced only when one of its *inputs* came from something being replaced and the
 * provider says a change to that input replaces it. `dependsOn` alone, or a parent, never does.
 * Upstream: pulumi/pulumi pkg/resource/deploy/step_generator.go,
 * `stepGenerator.calculateDependentReplacements` (inputs that depend on the replace set become
 * unknown, then the provider's Diff decides) walking `depGraph.DependingOn(root)` in order.
 */
export function dependentReplacements(
    root: string,
    resources: readonly ResourceState[],
    replacesOn: (r: ResourceState, key: string) => boolean,
): ResourceState[] {
    const replaceSet = new Set([root]);
    const found: ResourceState[] = [];
    for (const d of transitiveDependents(root, resources)) {
        if (!d.custom) continue;
        const keys = Object.entries(d.propertyDependencies ?? {})
            .filter(([, deps]) => deps.some((u) => replaceSet.has(u)))
            .map(([k]) => k);
        if (keys.some((k) => replacesOn(d, k))) {
            replaceSet.add(d.urn);
            found.push(d);
        }
    }
    return found;
}

/** Direct dependents of `urn` among `resources` (by dependency or parent). */
function dependentsOf(urn: string, resources: readonly ResourceState[]): ResourceState[] {
    return resources.filter((r) => r.urn !== urn && (r.dependencies.includes(urn) || r.parent === urn));
}

/** Everything that (transitively) depends on `urn`, nearest first (`depGraph.DependingOn`). */
export function transitiveDependents(urn: string, resources: readonly ResourceState[]): ResourceState[] {
    const found = new Map<string, ResourceState>();
    const queue = [urn];
    while (queue.length > 0) {
        for (const d of dependentsOf(queue.shift()!, resources)) {
            if (!found.has(d.urn)) {
                found.set(d.urn, d);
                queue.push(d.urn);
            }
        }
    }
    return [...found.values()];
}

/**
 * The deletes that run after the program, scheduled as the engine schedules them
 * (pulumi/pulumi pkg/resource/deploy/step_generator.go `ScheduleDeletes`): antichains built
 * from the bottom (each takes what depends on nothing still condemned: `DependenciesOf`, the
 * parent included), then reversed, so that a wave deletes only what no later wave depends on.
 * The engine runs each wave's steps in parallel (deployment_executor.go `performPostSteps`).
 * A dependency on a URN counts any condemned entry with it but the resource's own URN (a
 * replaced resource's old entry and a pending delete can share one).
 */
export function deletionWaves(doomed: readonly ResourceState[]): ResourceState[][] {
    const dependsOn = (r: ResourceState, o: ResourceState) => o.urn !== r.urn && (r.dependencies.includes(o.urn) || r.parent === o.urn);
    let left = [...doomed];
    const waves: ResourceState[][] = [];
    while (left.length > 0) {
        const wave = left.filter((r) => !left.some((o) => o !== r && dependsOn(r, o)));
        if (wave.length === 0) throw new Error(`dependency cycle among ${left.map((r) => r.urn).join(", ")}`);
        waves.push(wave);
        left = left.filter((r) => !wave.includes(r));
    }
    return waves.reverse();
}

/**
 * Order for deleting `doomed` one by one (the dependents a delete-first replacement takes
 * along): every resource before anything it depends on (or is parented by); among
 * independent ones, the most recently created first. Dependencies outside the set do not
 * constrain the order.
 */
export function deletionOrder(doomed: readonly ResourceState[]): ResourceState[] {
    const pending = new Map(doomed.map((r, i) => [r.urn, { r, i }]));
    const order: ResourceState[] = [];
    while (pending.size > 0) {
        const free = [...pending.values()].filter(
            ({ r }) => ![...pending.values()].some(({ r: o }) => o.urn !== r.urn && (o.dependencies.includes(r.urn) || o.parent === r.urn)),
        );
        if (free.length === 0) throw new Error(`dependency cycle among ${[...pending.keys()].join(", ")}`);
        free.sort((x, y) => y.i - x.i);
        for (const { r } of free) {
            order.push(r);
            pending.delete(r.urn);
        }
    }
    return order;
}

/** The engine's URN: the parent's qualified type prefixes the type, except under the stack. */
export function makeUrn(stack: string, project: string, type: string, name: string, parent?: { urn: string; isRoot: boolean }): string {
    let qualified = type;
    if (parent && !parent.isRoot) qualified = `${parent.urn.split("::")[2]}$${type}`;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/**
 * `pulumi up --replace <urn>` of a URN the stack does not have is an error, one per URN, before
 * the program runs (pulumi/pulumi pkg/resource/deploy/deployment_executor.go checkTargets, called
 * by Execute on opts.ReplaceTargets; messages: sdk/go/common/diag/errors.go
 * GetTargetCouldNotBeFoundError 2010, GetTargetCouldNotBeFoundDidYouForgetError 2011 when the URN
 * has no `$`, which an unquoted shell argument loses). `known`: the URNs in the stack's state.
 */
export function replaceTargetErrors(replace: readonly string[], known: ReadonlySet<string>): string[] {
    return replace
        .filter((urn) => !known.has(urn))
        .map((urn) =>
            urn.includes("$")
                ? `Target '${urn}' could not be found in the stack.`
                : `Target '${urn}' could not be found in the stack. Did you forget to escape $ in your shell?`,
        );
}
