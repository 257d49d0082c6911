// The engine double's pure step logic: decisions against the previous deployment and the
// order of deletions.
import { describe, expect, it } from "vitest";
import { secret } from "./serialize";
import { ResourceState } from "./state";
import { decide, deletionOrder, makeUrn, transitiveDependents } from "./steps";

const rules = { updatable: ["memory"], ignoreChanges: [], replaceOnChanges: [] };
const res = (urn: string, dependencies: string[] = [], inputs: Record<string, unknown> = {}, parent?: string): ResourceState => ({
    urn, type: "t", name: urn, custom: true, inputs, outputs: {}, dependencies, parent,
});

describe("decide", () => {
    it("creates what the previous deployment did not have", () => {
        expect(decide(undefined, { a: 1 }, rules)).toEqual({ op: "create" });
    });
    it("keeps a resource whose inputs are equal, whatever the key order", () => {
        expect(decide(res("a", [], { x: { b: 1, a: 2 }, memory: 1 }), { memory: 1, x: { a: 2, b: 1 } }, rules)).toEqual({ op: "same" });
    });
    it("compares secrets by value: re-wrapping is no change, a new value is", () => {
        const old = res("a", [], { envs: secret(["K=v"]) });
        expect(decide(old, { envs: secret(["K=v"]) }, rules)).toEqual({ op: "same" });
        expect(decide(old, { envs: secret(["K=w"]) }, rules)).toEqual({ op: "replace", changed: ["envs"] });
    });
    it("updates in place when only updatable inputs changed, else replaces", () => {
        expect(decide(res("a", [], { memory: 1, name: "n" }), { memory: 2, name: "n" }, rules)).toEqual({ op: "update", changed: ["memory"] });
        expect(decide(res("a", [], { memory: 1, name: "n" }), { memory: 2, name: "m" }, rules)).toEqual({ op: "replace", changed: ["memory", "name"] });
        expect(decide(res("a", [], { memory: 1 }), {}, rules)).toEqual({ op: "update", changed: ["memory"] });
    });
    it("honours ignoreChanges and replaceOnChanges", () => {
        expect(decide(res("a", [], { name: "n" }), { name: "m" }, { ...rules, ignoreChanges: ["name"] })).toEqual({ op: "same" });
        expect(decide(res("a", [], { memory: 1 }), { memory: 2 }, { ...rules, replaceOnChanges: ["memory"] })).toEqual({ op: "replace", changed: ["memory"] });
    });
});

describe("deletion order", () => {
    it("deletes dependents before what they depend on, children before parents", () => {
        const rs = [res("stack"), res("comp", [], {}, "stack"), res("net", [], {}, "comp"), res("vol", [], {}, "comp"), res("c1", ["net", "vol"], {}, "comp"), res("c2", ["c1", "net"], {}, "comp")];
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
        expect(transitiveDependents("net", rs).map((r) => r.urn).sort()).toEqual(["c1", "c2"]);
    });
});

describe("URNs", () => {
    const stack = makeUrn("s", "p", "pulumi:pulumi:Stack", "p-s");
    it("leave the stack out of a child's type, as the engine does", () => {
        expect(stack).toBe("urn:pulumi:s::p::pulumi:pulumi:Stack::p-s");
        const comp = makeUrn("s", "p", "x:index:C", "c", { urn: stack, isRoot: true });
        expect(comp).toBe("urn:pulumi:s::p::x:index:C::c");
        expect(makeUrn("s", "p", "docker:index/network:Network", "n", { urn: comp, isRoot: false })).toBe("urn:pulumi:s::p::x:index:C$docker:index/network:Network::n");
    });
});
