// Sample outputs in the docs are produced by the code, not pasted: a fenced block marked
// `<!-- sample: <name> -->` must be exactly what the sample of that name prints (the real
// commands against a fake Engine: samplesPorts.ts, samplesOperations.ts, samplesGitops.ts,
// samplesCredentials.ts, samplesReleases.ts), and a
// block that shows a program's output must be so marked. After changing what a command prints:
// FRONTBASE_WRITE_DOC_SAMPLES=1 npx vitest run test/unit/docs/samples.test.ts, then review the diff.
import { readFileSync, writeFileSync } from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docFiles, Fence, fences, readDoc, ROOT } from "../../support/docs";
import { credentialsRefused } from "./samplesCredentials";
import { gitopsAffected } from "./samplesGitops";
import { deployVerify, operationsSamples, swarmStatus } from "./samplesOperations";
import { portsDeployCheck, portsExample, portsExhausted } from "./samplesPorts";
import { releasesAffected, releasesCheck, releasesImageMissing, releasesRollout } from "./samplesReleases";

const SCENARIOS = [
    portsExample,
    portsDeployCheck,
    portsExhausted,
    operationsSamples,
    deployVerify,
    swarmStatus,
    gitopsAffected,
    credentialsRefused,
    releasesCheck,
    releasesImageMissing,
    releasesAffected,
    releasesRollout,
];
const WRITE = process.env.FRONTBASE_WRITE_DOC_SAMPLES === "1";

let produced: Record<string, string> = {};
beforeAll(async () => {
    for (const scenario of SCENARIOS) produced = { ...produced, ...(await scenario()) };
}, 60_000);

const marked = docFiles().flatMap((file) => fences(file).filter((f) => f.sample !== undefined));

/** A block that shows output: a transcript (a `$ ` prompt, then a line without one) or a console block. */
function showsOutput(f: Fence): boolean {
    const prompts = f.lines.map((l) => l.startsWith("$ "));
    return (
        (f.lang === "console" && prompts.some((p) => !p)) || prompts.some((p, i) => p && prompts[i + 1] === false && f.lines[i + 1] !== "")
    );
}

describe("sample outputs in the docs", () => {
    afterAll(() => {
        if (!WRITE) return;
        for (const file of new Set(marked.map((f) => f.file))) {
            const lines = readFileSync(path.join(ROOT, file), "utf8").split("\n");
            for (const f of marked.filter((m) => m.file === file).reverse())
                if (produced[f.sample!] !== undefined) lines.splice(f.line, f.lines.length, ...produced[f.sample!].split("\n"));
            writeFileSync(path.join(ROOT, file), lines.join("\n"));
        }
    });

    it("marks every block that shows a program's output as a sample", () => {
        const unmarked = docFiles().flatMap((file) =>
            fences(file)
                .filter((f) => f.sample === undefined && showsOutput(f))
                .map((f) => `${f.file}:${f.line}`),
        );
        expect(unmarked).toEqual([]);
    });

    it("declares the language of every fenced block (text, sh, console, ...)", () => {
        const bare = docFiles().flatMap((file) =>
            fences(file)
                .filter((f) => f.lang === "")
                .map((f) => `${f.file}:${f.line}`),
        );
        expect(bare).toEqual([]);
    });

    it("has a sample for every marked block, and a marked block for every sample", () => {
        const names = marked.map((f) => f.sample!);
        expect(names.filter((n) => produced[n] === undefined)).toEqual([]);
        expect(Object.keys(produced).filter((n) => !names.includes(n))).toEqual([]);
    });

    it.each(marked.map((f) => [`${f.file}:${f.line} ${f.sample}`, f] as const))("%s is what the code prints", (_, f) => {
        if (WRITE) return;
        expect(f.lines.join("\n")).toBe(produced[f.sample!]);
    });
});

it("finds the docs' blocks", () => {
    expect(readDoc("docs/operations.md")).toContain("<!-- sample: operations-status -->");
});
