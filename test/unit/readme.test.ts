// The config table (docs/configuration.md) and the README's commands must match the code.
import { readFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS, DEFAULT_IMAGES, DEFAULT_MEMORY } from "../../components/config";

const root = path.join(__dirname, "..", "..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");
const configDoc = readFileSync(path.join(root, "docs", "configuration.md"), "utf8");
const scripts: Record<string, string> = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")).scripts;

describe("README", () => {
    it("has a config table row for exactly the keys the schema accepts", () => {
        const rows = [...configDoc.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]);
        expect(rows).toEqual(CONFIG_KEYS);
    });

    it("states the default images and memory limits the code uses", () => {
        for (const [key, image] of Object.entries(DEFAULT_IMAGES)) expect(configDoc).toContain(`${key} \`${image}\``);
        for (const [key, mib] of Object.entries(DEFAULT_MEMORY))
            expect(configDoc).toMatch(new RegExp(`memory\` \\|[^\\n]*\\b${key} ${mib}\\b`));
    });

    it("only mentions npm scripts that exist", () => {
        const used = [...readme.matchAll(/npm run ([a-z:]+)/g)].map((m) => m[1]);
        expect(used.length).toBeGreaterThan(0);
        for (const s of used) expect(Object.keys(scripts)).toContain(s);
    });

    it("shows the test command that .ci/run runs", () => {
        const ci = readFileSync(path.join(root, ".ci", "run"), "utf8");
        expect(readme).toContain("npm test");
        expect(ci).toMatch(/^npm test$/m);
    });
});
