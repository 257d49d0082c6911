// The fast path for plain stack files (project/plainYaml.ts) must read every text it accepts
// exactly as the `yaml` package does, and hand every other text to it: generated texts from the
// subset, texts just outside it, and what `tenant new` really writes.
import fc from "fast-check";
import { readFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { parsePlainYaml, parseYaml } from "../../project/plainYaml";
import { writeStackFile } from "../../project/stackFiles";
import { tempDir } from "../support/temp";

/** Scalars near the subset's edges: words YAML reads as booleans and nulls, numbers of every kind, marks. */
const scalar = fc.oneof(
    fc.constantFrom("null", "Null", "NULL", "~", "true", "True", "FALSE", "yes", "on", ".inf", ".nan", "NaN", "e5", "Infinity"),
    fc.constantFrom("0", "7", "8000", "0123", "-1", "+2", "1.5", "1e3", "0x1F", "0o17", "123456789012345", "1234567890123456789"),
    fc.constantFrom("v1:AbC+/9==", "unix:///var/run/docker.sock", "ssh://ops@vps", "a:", "a: b", "a #b", "a#b", "'q'", '"q"', ""),
    fc.constantFrom("[1, 2]", "{a: 1}", "- x", "&a x", "*a", "!!str 5", "|", ">", "@x", "`x", "%x", "a\tb", "a\r", "x "),
    { arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_./+=@:-]{0,12}$/), weight: 60 },
    { arbitrary: fc.stringMatching(/^[1-9][0-9]{0,5}$/), weight: 15 },
);
const key = fc.oneof(
    { arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.:-]{0,10}$/), weight: 40 },
    fc.constantFrom("frontbase:ports", "true", "null", "__proto__", "constructor", "8000", "a b", "-a", "<<", "a:", "? a"),
);
type Tree = { [k: string]: Tree | string };
const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
    t: fc.dictionary(key, fc.oneof({ depthSize: "small" }, scalar, tie("t")), { minKeys: 1, maxKeys: 4 }),
})).t;

/** The tree as indented `key: value` lines, `indent` spaces a level. */
function render(t: Tree, indent: number, depth = 0): string[] {
    return Object.entries(t).flatMap(([k, v]) =>
        typeof v === "string"
            ? [`${" ".repeat(indent * depth)}${k}: ${v}`]
            : [`${" ".repeat(indent * depth)}${k}:`, ...render(v, indent, depth + 1)],
    );
}

function yamlOutcome(text: string): { value: unknown } | { error: string } {
    try {
        return { value: YAML.parse(text) };
    } catch (e) {
        return { error: (e as Error).message };
    }
}

describe("the fast path for plain YAML (project/plainYaml.ts)", () => {
    it("reads what it accepts as the yaml package does, on generated texts in and near the subset", () => {
        let accepted = 0;
        fc.assert(
            fc.property(
                tree,
                fc.integer({ min: 1, max: 4 }),
                fc.option(fc.tuple(fc.nat(), fc.constantFrom("", "  x: 1", "# c", "---", "- a", "a: 1", "  ", "x")), { freq: 3 }),
                fc.boolean(),
                (t, indent, extra, finalNewline) => {
                    const lines = render(t, indent);
                    if (extra) lines.splice(extra[0] % (lines.length + 1), 0, extra[1]);
                    const text = lines.join("\n") + (finalNewline ? "\n" : "");
                    const fast = parsePlainYaml(text);
                    if (fast === undefined) return; // left to yaml: parseYaml is YAML.parse itself
                    accepted++;
                    expect(yamlOutcome(text)).toEqual({ value: fast });
                },
            ),
            { numRuns: 3000 },
        );
        expect(accepted).toBeGreaterThan(150); // the property says something about accepted texts
    });

    it("leaves to yaml, with its own answer or error, every text outside the subset", () => {
        for (const text of [
            "",
            "# only a comment\n",
            "a: 1\na: 2\n", // duplicate key: yaml's error
            "a:\n", // null
            "a:\n  b: 1\n c: 2\n", // bad indentation
            "a: b\n  c\n", // a multi-line scalar
            "config:\n  x: 'quoted'\n",
            "a: [1, 2]\n",
            "\uFEFFa: 1\n",
            "a: 1\r\nb: 2\r\n",
        ]) {
            expect(parsePlainYaml(text), JSON.stringify(text)).toBeUndefined();
            const want = yamlOutcome(text);
            if ("error" in want) expect(() => parseYaml(text)).toThrow(want.error);
            else expect(parseYaml(text)).toEqual(want.value);
        }
    });

    it("takes the fast path for the stack files tenant new writes, credentials included", async () => {
        const dir = tempDir("plainyaml");
        const file = await writeStackFile(dir, "acme", {
            "frontbase:tenant": "acme",
            "frontbase:database": "sqlite",
            "frontbase:ports": { backend: 8000, edge: 3002, frontend: 8080, redisHttp: 8079 },
            "frontbase:adminPassword": { secure: "v1:c2FsdA==:bm9uY2U+/w==" },
        });
        const text = readFileSync(path.join(dir, path.basename(file)), "utf8");
        expect(parsePlainYaml(text)).toEqual(YAML.parse(text));
        expect(parsePlainYaml(text)).not.toBeUndefined();
    });
});
