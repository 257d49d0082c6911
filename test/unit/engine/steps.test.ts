// The engine double's pure step logic: decisions against the previous deployment and the
// order of deletions.
import { describe, expect, it } from "vitest";
import { secret } from "../../engine/serialize";
import { ResourceState } from "../../engine/state";
import { Schema } from "../../engine/realizer/schema";
import {
    Decision,
    decideStep,
    deletionOrder,
    deletionWaves,
    dependentReplacements,
    makeUrn,
    replaceTargetErrors,
    transitiveDependents,
} from "../../engine/steps";

const schema: Schema = {
    name: { forceNew: true },
    memory: {},
    envs: { forceNew: true, computed: true, set: true },
    hostname: { forceNew: true, computed: true },
    memorySwap: {},
};
const provider = { schema };
const opts = { ignoreChanges: [], replaceOnChanges: [], targetedReplace: false };
/** A resource whose state (outputs) is what Read derived; inputs are kept for reference only. */
const res = (
    urn: string,
    dependencies: string[] = [],
    outputs: Record<string, unknown> = {},
    parent?: string,
    extra: Partial<ResourceState> = {},
): ResourceState => ({
    urn,
    type: "t",
    name: urn,
    custom: true,
    inputs: outputs,
    outputs,
    dependencies,
    parent,
    ...extra,
});
const ops = (d: Decision) => ({ op: d.op, changed: "changed" in d ? d.changed : undefined });

describe("decideStep: the provider's diff against the state Read derived, then the engine's rules", () => {
    it("creates what the previous deployment did not have", () => {
        expect(decideStep(provider, undefined, { name: "a" }, opts).op).toBe("create");
    });
    it("keeps a resource whose inputs equal its state, whatever the key order or set order", () => {
        expect(
            decideStep(
                provider,
                res("a", [], { name: "n", memory: 1, envs: ["B=2", "A=1"] }),
                { memory: 1, name: "n", envs: ["A=1", "B=2"] },
                opts,
            ).op,
        ).toBe("same");
    });
    it("compares secrets by value: re-wrapping is no change, a new value is", () => {
        const old = res("a", [], { envs: secret(["K=v"]) });
        expect(decideStep(provider, old, { envs: ["K=v"] }, opts).op).toBe("same");
        expect(ops(decideStep(provider, old, { envs: ["K=w"] }, opts))).toEqual({ op: "replace", changed: ["envs"] });
    });
    it("sees what Docker stored where the program set nothing: an Optional, not Computed, attribute (memorySwap)", () => {
        const d = decideStep(provider, res("a", [], { name: "n", memory: 64, memorySwap: 128 }), { name: "n", memory: 64 }, opts);
        expect(ops(d)).toEqual({ op: "update", changed: ["memorySwap"] });
        expect(d.diffs).toEqual([{ key: "memorySwap", old: 128, new: undefined, replaces: false }]);
    });
    it("lets a Computed attribute the program leaves unset stand (hostname, envs)", () => {
        expect(decideStep(provider, res("a", [], { name: "n", hostname: "abc123", envs: ["PATH=/bin"] }), { name: "n" }, opts).op).toBe(
            "same",
        );
    });
    it("updates in place when only in-place attributes changed, else replaces", () => {
        expect(ops(decideStep(provider, res("a", [], { memory: 1, name: "n" }), { memory: 2, name: "n" }, opts))).toEqual({
            op: "update",
            changed: ["memory"],
        });
        expect(ops(decideStep(provider, res("a", [], { memory: 1, name: "n" }), { memory: 2, name: "m" }, opts))).toEqual({
            op: "replace",
            changed: ["memory", "name"],
        });
    });
    it("honours ignoreChanges and replaceOnChanges", () => {
        expect(decideStep(provider, res("a", [], { name: "n" }), { name: "m" }, { ...opts, ignoreChanges: ["name"] }).op).toBe("same");
        expect(ops(decideStep(provider, res("a", [], { memory: 1 }), { memory: 2 }, { ...opts, replaceOnChanges: ["memory"] }))).toEqual({
            op: "replace",
            changed: ["memory"],
        });
    });
    it("follows an initialisation error with an empty update, not a replacement (and not a wait)", () => {
        const failed = res("a", [], { name: "n" }, undefined, { initFailed: true });
        expect(ops(decideStep(provider, failed, { name: "n" }, opts))).toEqual({
            op: "update",
            changed: ["(initialization error last time): an empty update"],
        });
        // replaceOnChanges on a key does not change that; only "*" does (applyReplaceOnChanges).
        expect(decideStep(provider, failed, { name: "n" }, { ...opts, replaceOnChanges: ["healthcheck"] }).op).toBe("update");
        expect(decideStep(provider, failed, { name: "n" }, { ...opts, replaceOnChanges: ["*"] }).op).toBe("replace");
    });
    it("replaces what `--replace <urn>` names, diff or not", () => {
        expect(ops(decideStep(provider, res("a", [], { name: "n" }), { name: "n" }, { ...opts, targetedReplace: true }))).toEqual({
            op: "replace",
            changed: ["(--replace)"],
        });
    });
});

describe("dependentReplacements: who is replaced along with a delete-first replacement", () => {
    const forceNewOn = (_r: ResourceState, key: string) => schema[key]?.forceNew === true;
    it("replaces a dependent whose replacing input came from the replaced resource", () => {
        const rs = [res("backend"), res("frontend", ["backend"], {}, undefined, { propertyDependencies: { name: ["backend"] } })];
        expect(dependentReplacements("backend", rs, forceNewOn).map((r) => r.urn)).toEqual(["frontend"]);
    });
    it("does not replace a dependent that only has dependsOn on it (the old double did)", () => {
        const rs = [res("backend"), res("edge", ["backend"]), res("frontend", ["backend", "edge"])];
        expect(dependentReplacements("backend", rs, forceNewOn)).toEqual([]);
    });
    it("does not replace a dependent whose input from it changes in place", () => {
        const rs = [res("backend"), res("frontend", ["backend"], {}, undefined, { propertyDependencies: { memory: ["backend"] } })];
        expect(dependentReplacements("backend", rs, forceNewOn)).toEqual([]);
    });
    it("follows a chain: what depends on a replaced dependent is replaced too", () => {
        const rs = [
            res("image"),
            res("backend", ["image"], {}, undefined, { propertyDependencies: { name: ["image"] } }),
            res("frontend", ["backend"], {}, undefined, { propertyDependencies: { name: ["backend"] } }),
        ];
        expect(dependentReplacements("image", rs, forceNewOn).map((r) => r.urn)).toEqual(["backend", "frontend"]);
    });
});

describe("deletion order", () => {
    it("deletes dependents before what they depend on, children before parents", () => {
        const rs = [
            res("stack"),
            res("comp", [], {}, "stack"),
            res("net", [], {}, "comp"),
            res("vol", [], {}, "comp"),
            res("c1", ["net", "vol"], {}, "comp"),
            res("c2", ["c1", "net"], {}, "comp"),
        ];
        const order = deletionOrder(rs).map((r) => r.urn);
        const before = (a: string, b: string) => expect([a, b, order.indexOf(a) < order.indexOf(b)]).toEqual([a, b, true]);
        before("c2", "c1");
        before("c1", "net");
        before("c1", "vol");
        before("net", "comp");
        before("comp", "stack");
        expect(order).toHaveLength(6);
    });
    it("takes the most recently created first among independent resources", () => {
        expect(deletionOrder([res("a"), res("b"), res("c")]).map((r) => r.urn)).toEqual(["c", "b", "a"]);
    });
    it("reports a cycle instead of looping", () => {
        expect(() => deletionOrder([res("a", ["b"]), res("b", ["a"])])).toThrow(/cycle/);
    });
    it("finds everything that depends on a resource, transitively", () => {
        const rs = [res("net"), res("c1", ["net"]), res("c2", ["c1"]), res("other")];
        expect(
            transitiveDependents("net", rs)
                .map((r) => r.urn)
                .sort(),
        ).toEqual(["c1", "c2"]);
    });
});

describe("deletionWaves: the deletes after the program, scheduled as ScheduleDeletes does", () => {
    const names = (waves: ResourceState[][]) => waves.map((w) => w.map((r) => r.urn).sort());
    it("builds antichains from the bottom and reverses them: a lone resource goes with the last wave, not the first", () => {
        // a depends on b; c depends on nothing. Bottom-up: [b, c] then [a]; reversed: [a], [b, c].
        expect(names(deletionWaves([res("a", ["b"]), res("b"), res("c")]))).toEqual([["a"], ["b", "c"]]);
    });
    it("deletes a replaced tier's old halves dependents first: frontend, then edge, then backend", () => {
        const old = (urn: string, deps: string[]) => res(urn, deps, {}, undefined, { delete: true });
        const waves = deletionWaves([
            old("backend", ["net"]),
            old("edge", ["backend", "net"]),
            old("frontend", ["backend", "edge", "net"]),
        ]);
        expect(names(waves)).toEqual([["frontend"], ["edge"], ["backend"]]);
    });
    it("ignores dependencies outside the set and between entries of one URN (an old half beside its replacement)", () => {
        const pendingBackend = res("backend", ["net"], {}, undefined, { delete: true });
        const goneBackend = res("backend", ["net"]);
        expect(names(deletionWaves([pendingBackend, goneBackend]))).toEqual([["backend", "backend"]]);
    });
    it("orders children before their parent", () => {
        expect(names(deletionWaves([res("comp"), res("c1", [], {}, "comp"), res("c2", ["c1"], {}, "comp")]))).toEqual([
            ["c2"],
            ["c1"],
            ["comp"],
        ]);
    });
    it("reports a cycle instead of looping", () => {
        expect(() => deletionWaves([res("a", ["b"]), res("b", ["a"])])).toThrow(/cycle/);
    });
});

describe("URNs", () => {
    const stack = makeUrn("s", "p", "pulumi:pulumi:Stack", "p-s");
    it("leave the stack out of a child's type, as the engine does", () => {
        expect(stack).toBe("urn:pulumi:s::p::pulumi:pulumi:Stack::p-s");
        const comp = makeUrn("s", "p", "x:index:C", "c", { urn: stack, isRoot: true });
        expect(comp).toBe("urn:pulumi:s::p::x:index:C::c");
        expect(makeUrn("s", "p", "docker:index/network:Network", "n", { urn: comp, isRoot: false })).toBe(
            "urn:pulumi:s::p::x:index:C$docker:index/network:Network::n",
        );
    });
});

describe("pulumi up --replace <urn> (deployment_executor.go checkTargets)", () => {
    const known = new Set(["urn:pulumi:s::p::frontbase:index:TenantStack$docker:index/container:Container::s-backend-container"]);
    it("is an error for each URN the stack does not have, naming it", () => {
        expect(
            replaceTargetErrors([...known, "urn:pulumi:s::p::docker:index/container:Container$x::typo", "urn:pulumi:s::p::x"], known),
        ).toEqual([
            "Target 'urn:pulumi:s::p::docker:index/container:Container$x::typo' could not be found in the stack.",
            // No `$`: a shell that was not told to keep it took it away.
            "Target 'urn:pulumi:s::p::x' could not be found in the stack. Did you forget to escape $ in your shell?",
        ]);
    });
    it("accepts URNs in the stack, and no --replace at all", () => {
        expect(replaceTargetErrors([...known], known)).toEqual([]);
        expect(replaceTargetErrors([], new Set())).toEqual([]);
    });
});
