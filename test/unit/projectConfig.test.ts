// Project-level config (Pulumi.yaml `config:`), merged into each stack's as the Pulumi CLI does
// (pulumi/pulumi pkg/workspace/config.go mergeConfig; sdk/go/common/workspace/project.go).
import { mkdtempSync, rmSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { afterEach, describe, expect, it } from "vitest";
import { applyProjectConfig, goJson, parseProjectConfig } from "../../project/projectConfig";
import { readStackFile } from "../../project/stackFiles";

const project = (config: string) => parseProjectConfig(`name: frontbase\nruntime: nodejs\nconfig:\n${config}`);

describe("project config (Pulumi.yaml)", () => {
    it("reads a scalar of the project's namespace as a default, another namespace's as a value, a map's value under value:", () => {
        const p = project(
            "  release: r1\n  docker:host: ssh://ops@vps\n  frontbase:healthInterval: 5\n  frontbase:releases:\n    value:\n      r1: {backend: b:1}\n",
        );
        expect(p.entries).toEqual([
            { key: "docker:host", fullKey: "docker:host", value: "ssh://ops@vps" },
            { key: "frontbase:healthInterval", fullKey: "frontbase:healthInterval", default: 5 },
            { key: "frontbase:releases", fullKey: "frontbase:releases", value: { r1: { backend: "b:1" } } },
            { key: "release", fullKey: "frontbase:release", default: "r1" },
        ]);
    });

    it("refuses what Pulumi refuses: a bare map, both default and value, a type or default on another namespace, a float", () => {
        expect(() => project("  frontbase:releases:\n    r1: {backend: b:1}\n")).toThrow(
            /config\.frontbase:releases: a map here is a declaration .*r1 is none of those; to give an object as the value, write it under "value:"/,
        );
        expect(() => project("  frontbase:release:\n    default: a\n    value: b\n")).toThrow('cannot have both a "default" and a "value"');
        expect(() => project("  docker:host:\n    default: x\n")).toThrow("not in the project's namespace (frontbase), so it takes only a");
        expect(() => project("  frontbase:x: 1.5\n")).toThrow("must be a string, a whole number, true/false, a list");
        expect(() => parseProjectConfig("runtime: nodejs\n")).toThrow('"name" is required');
    });

    it("merges per key: the stack's own value wins whole (even a secure one), the project fills the rest", () => {
        const p = project(
            "  release: r1\n  frontbase:releases:\n    value: {r1: {edge: e:1, backend: b:1}}\n  frontbase:adminEmail: a@b.c\n",
        );
        const r = applyProjectConfig(p, { "frontbase:release": "r2" }, new Set(["frontbase:release", "frontbase:adminEmail"]));
        expect(r.config).toEqual({ "frontbase:release": "r2", "frontbase:releases": '{"r1":{"backend":"b:1","edge":"e:1"}}' });
        expect([...r.fromProject]).toEqual(["frontbase:releases"]);
    });

    it("prints values as Go does: %v for scalars, JSON with sorted keys and <>& escaped for the rest", () => {
        const p = project("  a: true\n  b: 42\n  c: [1, two]\n  d:\n    value: {z: 1, a: '<&>'}\n");
        expect(applyProjectConfig(p, {}).config).toEqual({
            "frontbase:a": "true",
            "frontbase:b": "42",
            "frontbase:c": '[1,"two"]',
            "frontbase:d": '{"a":"\\u003c\\u0026\\u003e","z":1}',
        });
        expect(goJson({ b: [{ y: 1, x: 2 }], a: null })).toBe('{"a":null,"b":[{"x":2,"y":1}]}');
    });

    it("reports a key of the project's namespace declared without a value as missing, and sets nothing for it", () => {
        const p = project("  frontbase:region:\n    type: string\n  other:thing:\n    value: 1\n");
        expect(applyProjectConfig(p, {})).toEqual({
            config: { "other:thing": "1" },
            fromProject: new Set(["other:thing"]),
            missing: ["frontbase:region"],
        });
        expect(applyProjectConfig(p, { "frontbase:region": "eu" }).missing).toEqual([]);
    });

    it("looks inside the stack's object for a dotted key, and sets it there when absent", () => {
        const p = project("  frontbase:memory.edge: 300\n");
        expect(applyProjectConfig(p, { "frontbase:memory": '{"edge":200}' }).config["frontbase:memory"]).toBe('{"edge":200}');
        expect(applyProjectConfig(p, { "frontbase:memory": '{"backend":600}' }).config["frontbase:memory"]).toBe(
            '{"backend":600,"edge":300}',
        );
    });
});

describe("stack files read with their project's config", () => {
    let dir: string;
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it("merges Pulumi.yaml beside the file, and says which keys came from it", async () => {
        dir = mkdtempSync(path.join(tmpdir(), "projcfg-"));
        writeFileSync(
            path.join(dir, "Pulumi.yaml"),
            "name: frontbase\nruntime: nodejs\nconfig:\n  frontbase:release: r1\n  frontbase:adminEmail: ops@x.io\n",
        );
        writeFileSync(path.join(dir, "Pulumi.t1.yaml"), "config:\n  frontbase:adminEmail: me@x.io\n");
        const f = await readStackFile(path.join(dir, "Pulumi.t1.yaml"));
        expect(f.config).toEqual({ "frontbase:adminEmail": "me@x.io", "frontbase:release": "r1" });
        expect([...f.fromProject!]).toEqual(["frontbase:release"]);
    });

    it("names Pulumi.yaml when its config is not what Pulumi accepts", async () => {
        dir = mkdtempSync(path.join(tmpdir(), "projcfg-"));
        writeFileSync(path.join(dir, "Pulumi.yaml"), "name: frontbase\nconfig:\n  frontbase:releases:\n    r1: {}\n");
        writeFileSync(path.join(dir, "Pulumi.t1.yaml"), "config: {}\n");
        await expect(readStackFile(path.join(dir, "Pulumi.t1.yaml"))).rejects.toThrow(
            `${path.join(dir, "Pulumi.yaml")}: config.frontbase:releases`,
        );
    });
});

describe("the engine double hands the program the merged config", () => {
    it("adds the project's values under the stack's, and stops up and preview on a key declared without a value", async () => {
        const { programConfig } = await import("../engine/engine");
        const p = project("  release: r1\n  region:\n    type: string\n  zone:\n    description: where\n");
        expect(() => programConfig("up", "t1", p, {})).toThrow("Stack 't1' is missing configuration values 'region' and 'zone'");
        expect(() => programConfig("preview", "t1", p, { "frontbase:zone": "a" })).toThrow(
            "Stack 't1' is missing configuration value 'region'",
        );
        expect(programConfig("up", "t1", p, { "frontbase:region": "eu", "frontbase:zone": "a", "frontbase:release": "r2" })).toEqual({
            "frontbase:region": "eu",
            "frontbase:zone": "a",
            "frontbase:release": "r2",
        });
        expect(programConfig("destroy", "t1", p, {})).toEqual({ "frontbase:release": "r1" });
    });
});
