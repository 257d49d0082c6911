// Reading the project's Markdown as the doc tests need it: which files are the docs, their fenced
// blocks (with the `<!-- sample: name -->` marker before one), their inline code, their links,
// the anchors GitHub makes of their headings, and a table found by its header in whichever doc
// holds it (so a table can move between files without its test changing).
import { existsSync, readdirSync, readFileSync } from "fs";
import * as path from "path";

export const ROOT = path.resolve(__dirname, "../..");

/** README.md, CONTRIBUTING.md and every docs/*.md, relative to the repository. */
export function docFiles(): string[] {
    const docs = readdirSync(path.join(ROOT, "docs"))
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((f) => `docs/${f}`);
    return ["README.md", "CONTRIBUTING.md", ...docs].filter((f) => existsSync(path.join(ROOT, f)));
}

export function readDoc(file: string): string {
    return readFileSync(path.join(ROOT, file), "utf8");
}

export interface Fence {
    readonly file: string;
    /** 1-based line of the opening fence. */
    readonly line: number;
    readonly lang: string;
    readonly lines: readonly string[];
    /** From `<!-- sample: name -->` on the last non-blank line before the fence. */
    readonly sample?: string;
    /** The last non-blank line before the fence (a bench table's provenance). */
    readonly before: string;
}

export function fences(file: string, text = readDoc(file)): Fence[] {
    const lines = text.split("\n");
    const out: Fence[] = [];
    for (let i = 0; i < lines.length; i++) {
        const open = /^\s*```(\S*)\s*$/.exec(lines[i]);
        if (!open) continue;
        const indent = lines[i].indexOf("`");
        let end = i + 1;
        while (end < lines.length && !/^\s*```\s*$/.test(lines[end])) end++;
        let b = i - 1;
        while (b >= 0 && lines[b].trim() === "") b--;
        const before = b >= 0 ? lines[b].trim() : "";
        const sample = /^<!-- sample: ([a-z0-9-]+) -->$/.exec(before)?.[1];
        const body = lines.slice(i + 1, end).map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)));
        out.push({ file, line: i + 1, lang: open[1], lines: body, before, ...(sample ? { sample } : {}) });
        i = end;
    }
    return out;
}

/** The text with fenced blocks blanked out (line numbers kept). */
export function prose(text: string): string {
    let inFence = false;
    return text
        .split("\n")
        .map((l) => {
            if (/^\s*```/.test(l)) {
                inFence = !inFence;
                return "";
            }
            return inFence ? "" : l;
        })
        .join("\n");
}

/** Inline code spans outside fenced blocks, `\|` (a pipe escaped in a table cell) unescaped. */
export function codeSpans(text: string): string[] {
    const spans: string[] = [];
    for (const m of prose(text).matchAll(/(`+)([^`]|[^`][\s\S]*?[^`])\1(?!`)/g)) spans.push(m[2].trim().replace(/\\\|/g, "|"));
    return spans;
}

/** GitHub's anchor for a heading: lowercase, punctuation dropped, spaces to dashes; repeats get -1, -2. */
export function anchors(text: string): Set<string> {
    const seen = new Map<string, number>();
    const out = new Set<string>();
    for (const line of prose(text).split("\n")) {
        const h = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (!h) continue;
        const base = h[1]
            .toLowerCase()
            .replace(/[^\p{L}\p{N}\s_-]/gu, "")
            .replace(/\s/g, "-");
        const n = seen.get(base) ?? 0;
        seen.set(base, n + 1);
        out.add(n === 0 ? base : `${base}-${n}`);
    }
    return out;
}

/** Every `[text](target)` and `![alt](target)` outside code. */
export function links(text: string): string[] {
    const noSpans = prose(text).replace(/`[^`\n]*`/g, "");
    return [...noSpans.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
}

export interface DocTable {
    readonly file: string;
    readonly header: readonly string[];
    readonly rows: readonly (readonly string[])[];
}

/** The one table among the docs whose header row starts with these cells (case-insensitive). */
export function findTable(...headerStart: string[]): DocTable {
    const found: DocTable[] = [];
    for (const file of docFiles()) {
        const lines = prose(readDoc(file)).split("\n");
        for (let i = 0; i + 1 < lines.length; i++) {
            if (!lines[i].startsWith("|") || !/^\|[\s|:-]+\|$/.test(lines[i + 1].trim())) continue;
            const header = cells(lines[i]);
            if (!headerStart.every((h, k) => header[k]?.toLowerCase() === h.toLowerCase())) continue;
            const rows: string[][] = [];
            for (let j = i + 2; j < lines.length && lines[j].startsWith("|"); j++) rows.push(cells(lines[j]));
            found.push({ file, header, rows });
        }
    }
    if (found.length !== 1)
        throw new Error(
            `expected one table headed ${headerStart.join(" | ")} in the docs, found ${found.length} (${found.map((t) => t.file).join(", ")})`,
        );
    return found[0];
}

function cells(line: string): string[] {
    return line
        .trim()
        .replace(/^\||\|$/g, "")
        .split(/(?<!\\)\|/)
        .map((c) => c.trim().replace(/\\\|/g, "|"));
}
