// YAML.parse, with a fast path for the plain block maps that `tenant new` writes (stack files,
// Pulumi.yaml): nested `key: value` lines of letters, digits and a few marks. Parsing 200 stack
// files with the `yaml` package took about 100 ms of a 500 ms `tenant ls` (its lexer and parser
// warming up), and loading it another 25 ms; this reads them in a few ms and loads `yaml` only
// for a text outside the subset. Pure.
//
// The subset is chosen so that its meaning under YAML 1.2's core schema (what `yaml` 2 applies
// by default) is beyond doubt; anything else - a comment, a quote, a list, a tab, a blank value,
// a duplicate key, a flow collection, a value YAML would read as a boolean, null or float - goes
// to `yaml` itself. test/unit/plainYaml.test.ts checks both agree on generated texts.

/** A key: a letter, then letters, digits and `_ . : -`, not ending in `:` (a YAML plain scalar, a string). */
const KEY = /^[A-Za-z](?:[A-Za-z0-9_.:-]*[A-Za-z0-9_.-])?$/;
/**
 * A value that core-schema YAML reads as a string: a letter, then letters, digits and
 * `_ . / + = @ : -`, not ending in `:` (a `:` inside, not before a space, is part of the scalar;
 * Pulumi's `v1:...` ciphertexts are such).
 */
const STRING = /^[A-Za-z](?:[A-Za-z0-9_./+=@:-]*[A-Za-z0-9_./+=@-])?$/;
/** The words core-schema YAML reads as null or a boolean. */
const WORDS = new Set(["null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE"]);
/** A decimal integer core-schema YAML reads as a number (no sign, no leading zero, exact as a double). */
const INTEGER = /^(?:0|[1-9][0-9]{0,14})$/;
const LINE = /^( *)([^ :]+(?::[^ :]+)*):(?: (.*))?$/;

/** The plain value of `text` when it lies in the subset, else undefined (the caller asks `yaml`). */
export function parsePlainYaml(text: string): Record<string, unknown> | undefined {
    const lines = text.split("\n");
    if (lines[lines.length - 1] === "") lines.pop();
    if (lines.length === 0) return undefined;
    const root: Record<string, unknown> = {};
    // The open maps, innermost last, with the indent of their keys (undefined: not known yet).
    const stack: { map: Record<string, unknown>; indent: number | undefined }[] = [{ map: root, indent: 0 }];
    let expectDeeper = false;
    for (const line of lines) {
        const m = LINE.exec(line);
        if (!m) return undefined;
        const [, spaces, key, value] = m;
        const indent = spaces.length;
        if (!KEY.test(key) || WORDS.has(key)) return undefined;
        let top = stack[stack.length - 1];
        if (expectDeeper) {
            if (indent <= stack[stack.length - 2].indent!) return undefined; // a key with no value: null
            top.indent = indent;
            expectDeeper = false;
        } else {
            while (indent < top.indent!) {
                stack.pop();
                top = stack[stack.length - 1];
            }
            if (indent !== top.indent) return undefined;
        }
        if (Object.hasOwn(top.map, key)) return undefined; // `yaml` refuses duplicate keys
        if (value === undefined) {
            const child: Record<string, unknown> = {};
            top.map[key] = child;
            stack.push({ map: child, indent: undefined });
            expectDeeper = true;
        } else if (STRING.test(value) && !WORDS.has(value)) top.map[key] = value;
        else if (INTEGER.test(value)) top.map[key] = Number(value);
        else return undefined;
    }
    return expectDeeper ? undefined : root;
}

type YamlModule = typeof import("yaml");
let yaml: YamlModule | undefined;

/** The `yaml` package, loaded on first use. */
export function yamlModule(): YamlModule {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    yaml ??= require("yaml") as YamlModule;
    return yaml;
}

/** What `YAML.parse(text)` returns (and throws), faster for the subset above. */
export function parseYaml(text: string): unknown {
    return parsePlainYaml(text) ?? yamlModule().parse(text);
}
