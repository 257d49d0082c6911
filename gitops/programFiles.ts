// Which files of the repository are the Pulumi program: the transitive closure of the relative
// imports of `index.ts`, the entry point `pulumi up` loads. gitops/affected.ts counts a change to
// one of them as shared code (every stack); a source file outside it cannot change what any stack
// deploys. The closure is computed from a git commit, so that it is the head's program, not the
// working tree's.
import { spawn } from "child_process";
import { posix } from "path";
import * as ts from "typescript";
import { SOURCE_FILE } from "./affected";

/** The program's entry point: package.json `main`, what Pulumi's Node.js runner loads. */
const PROGRAM_ENTRY = "index.ts";

/** A repository's files at one commit: every path, and the text of its source files. */
export interface SourceTree {
    readonly paths: ReadonlySet<string>;
    read(path: string): string | undefined;
}

/**
 * Every file `entry` reaches through relative imports: `import`/`export ... from`, `import x =
 * require()`, `require()`, `import()`, `import("...")` types and `/// <reference path>`, type-only
 * ones included. A specifier counts every file it could resolve to (`./x` → `x.ts`, `x.tsx`,
 * `x.d.ts`, `x.js`, `x.json`, `x/index.ts`, ...): more files than TypeScript would pick is safe,
 * fewer is not. Package imports are not followed (package.json and the lock file are shared
 * anyway). An import of a computed path cannot be followed, so it is an error rather than a
 * closure that silently misses files.
 */
export function importClosure(tree: SourceTree, entry: string = PROGRAM_ENTRY): Set<string> {
    const seen = new Set<string>();
    const visit = (file: string) => {
        if (seen.has(file) || !tree.paths.has(file)) return;
        seen.add(file);
        const text = SOURCE_FILE.test(file) ? tree.read(file) : undefined;
        if (text === undefined) return;
        const dir = posix.dirname(file);
        const { modules, references } = importsOf(file, text);
        for (const spec of modules) if (/^\.\.?(?:\/|$)/.test(spec)) candidates(posix.join(dir, spec)).forEach(visit);
        for (const ref of references) visit(posix.join(dir, ref));
    };
    visit(entry);
    return seen;
}

function candidates(base: string): string[] {
    const stem = base.replace(/\.[cm]?jsx?$/, "");
    const exts = [".ts", ".tsx", ".d.ts", ".mts", ".cts", ".js", ".json"];
    return [base, ...exts.map((e) => stem + e), ...exts.map((e) => `${base}/index${e}`)];
}

function importsOf(file: string, text: string): { modules: string[]; references: string[] } {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
    const modules: string[] = [];
    const literal = (node: ts.Node | undefined): string | undefined => (node && ts.isStringLiteralLike(node) ? node.text : undefined);
    const computed = (node: ts.Node) => {
        const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
        throw new Error(
            `${file}:${line + 1}: an import of a computed path cannot be followed; import the file by a literal path so that its changes preview every stack`,
        );
    };
    const walk = (node: ts.Node): void => {
        if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
            modules.push(literal(node.moduleSpecifier)!);
        else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
            modules.push(literal(node.moduleReference.expression) ?? computed(node));
        else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument))
            modules.push(literal(node.argument.literal) ?? computed(node));
        else if (
            ts.isCallExpression(node) &&
            (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
                (ts.isIdentifier(node.expression) && node.expression.text === "require"))
        ) {
            modules.push(literal(node.arguments[0]) ?? computed(node));
        }
        ts.forEachChild(node, walk);
    };
    walk(sf);
    return { modules, references: sf.referencedFiles.map((r) => r.fileName) };
}

/**
 * The program's files at `rev` and at the merge base of `base` and `rev` (what `git diff
 * base...rev` compares with), together: a file the program imported before the change (since
 * deleted, renamed or no longer imported) is as much the program's as one it imports after.
 */
export async function programFilesBetween(cwd: string, base: string, head: string): Promise<Set<string>> {
    const mergeBase = (await git(cwd, ["merge-base", base, head])).toString().trim();
    const [before, after] = await Promise.all([programFilesAt(cwd, mergeBase), programFilesAt(cwd, head)]);
    return new Set([...before, ...after]);
}

async function programFilesAt(cwd: string, rev: string): Promise<Set<string>> {
    return importClosure(await treeAt(cwd, rev));
}

/** Every path at `rev`, and its source files' text, read in one `git cat-file --batch`. */
async function treeAt(cwd: string, rev: string): Promise<SourceTree> {
    const paths = (await git(cwd, ["ls-tree", "-r", "-z", "--name-only", rev, "--"]))
        .toString()
        .split("\0")
        .filter((p) => p.length > 0);
    // --batch reads one request a line: a path with a newline cannot be asked for (and imported by no one).
    const sources = paths.filter((p) => SOURCE_FILE.test(p) && !p.includes("\n"));
    const out = await git(cwd, ["cat-file", "--batch"], sources.map((p) => `${rev}:${p}\n`).join(""));
    const texts = new Map<string, string>();
    let at = 0;
    for (const path of sources) {
        const eol = out.indexOf(10, at);
        const header = out.subarray(at, eol).toString();
        const m = / blob (\d+)$/.exec(header);
        if (!m) throw new Error(`git cat-file ${rev}:${path}: unexpected answer "${header}"`);
        const size = Number(m[1]);
        texts.set(path, out.subarray(eol + 1, eol + 1 + size).toString("utf8"));
        at = eol + 1 + size + 1;
    }
    return { paths: new Set(paths), read: (p) => texts.get(p) };
}

function git(cwd: string, args: string[], input = ""): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        const child = spawn("git", args, { cwd, stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        child.on("error", reject);
        child.stdin.on("error", () => undefined); // git exited early: its exit code says why
        child.on("close", (code) =>
            code === 0
                ? resolve(Buffer.concat(out))
                : reject(new Error(`git ${args.join(" ")} failed: ${Buffer.concat(err).toString().trim()}`)),
        );
        child.stdin.end(input);
    });
}
