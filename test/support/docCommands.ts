// The command lines the docs show, and the declarations they are checked against. A line that
// runs `npm run <script>` is found in inline code or in a fenced block: a shell block's lines, a
// transcript's `$ ` prompts (its output is the samples test's). For the scripts below it is
// parsed as the script itself would parse it, with `<placeholder>` accepted for any value. A
// usage line (`[--flag]`, `a|b`, `...`) must be the command's own, as its --help prints it.
import { readFileSync } from "fs";
import * as path from "path";
import { FlagSpec } from "../../cli/args";
import { Command, defineCommand, parseCall } from "../../cli/command";
import { loadCommand } from "../../cli/registry";
import { codeSpans, docFiles, fences, readDoc, ROOT } from "./docs";
import { PULUMI_UP_FLAGS } from "./pulumiUpFlags";

/** The npm scripts whose command lines the docs must get right. */
export const CHECKED_SCRIPTS = ["tenant", "deploy", "dashboard", "rollout"];

export interface DocCommand {
    readonly file: string;
    readonly script: string;
    /** As written, from `npm run` to where the command ends. */
    readonly text: string;
    /** The words after `--` (or none), quotes removed, a `<placeholder>` one word. */
    readonly argv: readonly string[];
    readonly usageLine: boolean;
    /** `npm run deploy` named in prose, with no arguments: only the script must exist. */
    readonly bare: boolean;
}

const SCRIPTS: Record<string, string> = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts;
/** Fenced blocks that hold no command lines: a file tree, a stack file, JSON. */
const NOT_COMMANDS = ["text", "yaml", "json"];
const NPM_RUN = /npm run (?:--silent |-s )?([a-z][a-z:-]*)(.*)$/;

/** Every `npm run <script>` command line in the docs. */
export function docCommands(files = docFiles()): DocCommand[] {
    const out: DocCommand[] = [];
    for (const file of files) {
        const text = readDoc(file);
        const candidates = [
            ...codeSpans(text),
            ...fences(file, text)
                .filter((f) => !NOT_COMMANDS.includes(f.lang))
                .flatMap((f) => commandLinesOf(joinContinued(f.lines), f.sample !== undefined)),
        ];
        for (const candidate of candidates) out.push(...commandsIn(file, candidate));
    }
    return out;
}

/** The `npm run` command lines in one line of code. */
export function commandsIn(file: string, code: string): DocCommand[] {
    return code
        .replace(/\s+/g, " ")
        .split(/(?=npm run )/)
        .map((piece) => NPM_RUN.exec(piece))
        .filter((m) => m !== null)
        .map((m) => command(file, m[1], m[0], m[2]));
}

/**
 * In a transcript (lines with a `$ ` prompt) or a sample, only the prompted lines: the rest is a
 * program's output, which the samples test checks against the program.
 */
function commandLinesOf(lines: readonly string[], sample: boolean): string[] {
    const prompted = lines.filter((l) => l.startsWith("$ "));
    return prompted.length > 0 || sample ? prompted.map((l) => l.slice(2)) : [...lines];
}

function joinContinued(lines: readonly string[]): string[] {
    return lines
        .join("\n")
        .replace(/\\\n\s*/g, " ")
        .split("\n");
}

function command(file: string, script: string, whole: string, rest: string): DocCommand {
    const words = shellWords(rest);
    // Where prose or another shell command starts: `# a comment`, `(an aside`, `&& next`.
    const prose = words.findIndex((w) => /^(#.*|\((?!-).*|&&|\|\||;|&)$/.test(w));
    const own = prose === -1 ? words : words.slice(0, prose);
    const usageLine = own.some((w) => /^\[|\]$|^\(-|\.\.\.$|\w\|\w/.test(w));
    const taken: string[] = [];
    for (const w of own) {
        if (!usageLine && /^(\||>|>>|2>&1|<)$/.test(w)) break;
        // Prose closes a sentence or an aside after the command: `(npm run tenant -- backup t1),`.
        const closed = !usageLine && !isPlaceholder(w) && /[),.;:]+$/.test(w);
        const word = closed ? w.replace(/[),.;:]+$/, "") : w;
        if (word) taken.push(word);
        if (closed) break;
    }
    const argv = taken[0] === "--" ? taken.slice(1) : taken;
    const text = `npm run ${script}${taken.length ? ` ${taken.join(" ")}` : ""}`;
    return { file, script, text: usageLine ? whole.trim() : text, argv, bare: taken.length === 0, usageLine };
}

/** Splits on spaces; '...' and "..." quote; `<the port named in the error>` is one word. */
export function shellWords(s: string): string[] {
    const words: string[] = [];
    const re = /<[^>]*>\S*|'[^']*'|"[^"]*"|\S+/g;
    for (const m of s.matchAll(re)) words.push(m[0].replace(/^'(.*)'$|^"(.*)"$/, (_, a, b) => a ?? b));
    return words;
}

export const isPlaceholder = (word: string) => /^<[^>]+>$/.test(word);

/** What a script's command line is checked against, or why there is nothing to check it against. */
export interface Declaration {
    /** The usage line after `npm run <script> -- `. */
    readonly usage: string;
    /** Throws on what the script would refuse. */
    check(argv: readonly string[]): void;
}

/** The declaration of `npm run <script> <argv>`: for `tenant`, of the command `argv` names. */
export async function declarationOf(script: string, argv: readonly string[]): Promise<Declaration> {
    const line = SCRIPTS[script];
    if (line === undefined) throw new Error(`npm run ${script}: package.json has no script "${script}"`);
    // `exec`: the script replaces npm's shell, so a signal to `npm run` reaches it.
    const node = /^(?:exec )?node -r \.\/scripts\/ts-register\.js (\S+)((?: [a-z-]+)*)$/.exec(line);
    const bash = /^bash (\S+)$/.exec(line);
    if (node && node[1] === "cli/main.ts") {
        const fixed = node[2].trim().split(" ").filter(Boolean);
        const [name, ...rest] = [...fixed, ...argv];
        if (name === undefined || name === "help" || isPlaceholder(name))
            return { usage: "<command> [options]", check: () => helpOnly(rest) };
        const load = loadCommand(name);
        if (!load) throw new Error(`npm run ${script}: no command "${name}" in cli/registry.ts (no cli/commands/${name}.ts)`);
        return fromCommand(await load, fixed.length);
    }
    if (node) {
        const exported = (await import(path.join(ROOT, node[1]))) as { command?: Command };
        if (!exported.command)
            throw new Error(
                `npm run ${script}: ${node[1]} exports no \`command\` declared with defineCommand (cli/command.ts), so its lines cannot be checked`,
            );
        return fromCommand(exported.command, 1);
    }
    if (bash) return fromScript(script, bash[1]);
    throw new Error(
        `npm run ${script}: "${line}" is neither a command of cli/main.ts, a module exporting \`command\`, nor a bash script declaring USAGE`,
    );
}

function helpOnly(rest: readonly string[]): void {
    const other = rest.filter((w) => !isPlaceholder(w) && w !== "--help" && w !== "-h");
    if (other.length > 0) throw new Error(`a command given as a placeholder takes only --help, not ${other.join(" ")}`);
}

/** `skip` words of the usage line are the script's own (`tenant` is not; `dashboard` is its name). */
function fromCommand(command: Command, skip: number): Declaration {
    const tolerant = placeholderTolerant(command);
    return {
        usage: command.usage.split(" ").slice(skip).join(" "),
        check: (argv) => {
            const rest = argv.slice(skip === 0 ? 1 : 0);
            if (rest.includes("--help") || rest.includes("-h")) return;
            parseCall(tolerant, rest);
        },
    };
}

/** The same command, taking a `<placeholder>` for any value its checks would otherwise refuse. */
function placeholderTolerant(command: Command): Command {
    const flags = Object.fromEntries(
        Object.entries(command.flags).map(([name, f]): [string, FlagSpec] => {
            const p = f.kind === "value" ? f.parse : undefined;
            return [name, f.kind === "value" && p ? { ...f, parse: (v, what) => (isPlaceholder(v) ? v : p(v, what)) } : f];
        }),
    );
    const args = command.args.map((a) => {
        const p = a.parse;
        return p ? { ...a, parse: (v: string, what: string) => (isPlaceholder(v) ? v : p(v, what)) } : a;
    });
    return { ...command, flags, args };
}

/** A bash script's one declaration: `USAGE="npm run <script> -- <arg> [--flag]... [pulumi up options]"`. */
function fromScript(script: string, file: string): Declaration {
    const source = readFileSync(path.join(ROOT, file), "utf8");
    const declared = new RegExp(`^USAGE="npm run ${script} -- (.*)"$`, "m").exec(source);
    if (!declared) throw new Error(`npm run ${script}: ${file} declares no USAGE="npm run ${script} -- ..." line`);
    const usage = declared[1];
    const own = [...usage.matchAll(/\[--([a-z-]+)\]/g)].map((m) => m[1]);
    const handled = [...source.matchAll(/^\s*--([a-z-]+)\)/gm)].map((m) => m[1]);
    if (own.join() !== handled.join())
        throw new Error(`${file}: USAGE declares ${own.join(", ")}, its case arms take ${handled.join(", ")}`);
    const passThrough = /\[pulumi up options\]$/.test(usage) ? PULUMI_UP_FLAGS : {};
    const spec = defineCommand({
        name: script,
        summary: "",
        args: [{ name: "stack", about: "the stack (its Pulumi.<stack>.yaml)" }],
        flags: { ...passThrough, ...Object.fromEntries(own.map((f) => [f, { kind: "boolean", about: "" } as FlagSpec])) },
        run: async () => 0,
    });
    return { usage, check: (argv) => void parseCall(placeholderTolerant(spec), argv) };
}
