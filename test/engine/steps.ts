// Pure step logic of the engine double: what to do with a registered resource given the
// previous deployment, and in which order to delete. No gRPC, no Docker.
import { canonical, decode } from "./serialize";
import { ResourceState } from "./state";
import { WireMap } from "./types";

export type Decision = { op: "create" } | { op: "same" } | { op: "update" | "replace"; changed: string[] };

export interface DiffRules {
    /** Input keys the provider changes in place; a change to any other key replaces. */
    readonly updatable: readonly string[];
    readonly ignoreChanges: readonly string[];
    readonly replaceOnChanges: readonly string[];
}

/** Top-level input keys whose (plain) values differ. Secrets compare by value, not by wrapper. */
export function changedKeys(olds: WireMap, news: WireMap, ignore: readonly string[] = []): string[] {
    const a = decode(olds).value as Record<string, unknown>;
    const b = decode(news).value as Record<string, unknown>;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].filter((k) => !ignore.includes(k) && canonical(a[k]) !== canonical(b[k])).sort();
}

export function decide(old: ResourceState | undefined, news: WireMap, rules: DiffRules): Decision {
    if (!old) return { op: "create" };
    const changed = changedKeys(old.inputs, news, rules.ignoreChanges);
    if (changed.length === 0) return { op: "same" };
    const forcesReplace = changed.some((k) => !rules.updatable.includes(k) || rules.replaceOnChanges.includes(k) || rules.replaceOnChanges.includes("*"));
    return { op: forcesReplace ? "replace" : "update", changed };
}

/** Direct dependents of `urn` among `resources` (by dependency or parent). */
function dependentsOf(urn: string, resources: readonly ResourceState[]): ResourceState[] {
    return resources.filter((r) => r.urn !== urn && (r.dependencies.includes(urn) || r.parent === urn));
}

/** Everything that (transitively) depends on `urn`: what a delete-before-replace must remove first. */
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
 * Order for deleting `doomed`: every resource before anything it depends on (or is parented
 * by); among independent ones, the most recently created first. Dependencies outside the set
 * do not constrain the order.
 */
export function deletionOrder(doomed: readonly ResourceState[]): ResourceState[] {
    const pending = new Map(doomed.map((r, i) => [r.urn, { r, i }]));
    const order: ResourceState[] = [];
    while (pending.size > 0) {
        const free = [...pending.values()].filter(({ r }) => ![...pending.values()].some(({ r: o }) => o.urn !== r.urn && (o.dependencies.includes(r.urn) || o.parent === r.urn)));
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
