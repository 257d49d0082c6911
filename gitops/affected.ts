// Which tenant stacks a change affects, for the preview/deploy job matrices. Pure: no git, no fs.
//
// The rule errs on the side of previewing. A source file is shared code (every stack) when the
// program imports it, and inert otherwise: the caller passes the program's files, the import
// closure of index.ts (gitops/programFiles.ts). Other files are inert only when known not to
// reach the program or the way CI runs it (docs, tests, other CI files); every other path
// outside a stack file is shared, so a new kind of file can never slip a change past review
// without a preview.
import { STACK_FILE_PATTERN } from "../project/stackFiles";
import { PROXY_STACK } from "../components/proxy/routes";

/** Workflows (and their local actions) that run Pulumi: changing how it runs affects every stack. */
export const PULUMI_WORKFLOWS = [".github/workflows/preview.yml", ".github/workflows/deploy.yml", ".github/workflows/drift.yml"] as const;

/** How the program is installed, configured and run: shared whatever the import graph says. */
const SHARED: readonly RegExp[] = [
    /^package(?:-lock)?\.json$/,
    /^Pulumi\.yaml$/,
    /^tsconfig[^/]*\.json$/,
    /^scripts\//,
    /^\.github\/actions\//,
];

/** Source files: those the program imports are shared, any other (cli/, gitops/, test/, ...) is inert. */
export const SOURCE_FILE = /\.(?:[cm]?[jt]s|tsx|jsx)$/;

/** Other paths known not to reach the program. */
const INERT: readonly RegExp[] = [
    /\.md$/i,
    /^docs\//,
    /^LICENSE/i,
    /^\.gitignore$/,
    /^\.editorconfig$/,
    /^\.vscode\//,
    /^\.ci\//,
    /^\.github\//,
    /^cli\//,
    /^test\//,
    /^bench\//,
];

export type PathClass = { readonly kind: "stack"; readonly stack: string } | { readonly kind: "shared" } | { readonly kind: "inert" };

/** `program`: the program's files, as gitops/programFiles.ts computes them. */
export function classifyPath(path: string, program: ReadonlySet<string>): PathClass {
    // Stack files live next to Pulumi.yaml at the repository root; elsewhere they are just files.
    const stack = path.includes("/") ? undefined : STACK_FILE_PATTERN.exec(path)?.[1];
    if (stack !== undefined) return { kind: "stack", stack };
    if (program.has(path) || SHARED.some((re) => re.test(path)) || (PULUMI_WORKFLOWS as readonly string[]).includes(path))
        return { kind: "shared" };
    if (SOURCE_FILE.test(path)) return { kind: "inert" };
    return INERT.some((re) => re.test(path)) ? { kind: "inert" } : { kind: "shared" };
}

export interface Affected {
    /** Stacks to preview or deploy: their stack file exists at the head commit. Sorted. */
    readonly stacks: readonly string[];
    /**
     * Stacks whose file was deleted (or renamed away). They cannot be previewed (their config is
     * gone) and are never destroyed automatically: destroying is an operator's decision.
     */
    readonly removed: readonly string[];
    /** Shared paths that made every stack affected; empty when only stack files mattered. */
    readonly sharedChanges: readonly string[];
    /** One line per stack: why it is in the list. */
    readonly reasons: Readonly<Record<string, string>>;
}

/**
 * `changed`: paths changed between base and head (`git diff --name-only --no-renames`, so a
 * rename appears as its old and its new path). `stacks`: stack names whose file exists at head.
 * `program`: the program's files at both ends of the diff (gitops/programFiles.ts).
 *
 * The proxy stack's routes are derived from the tenant stack files (stacks/proxy.ts), so a
 * changed or removed tenant stack file affects it too: every such change previews (and deploys)
 * the proxy, whose preview shows no change when its routes did not move. Narrowing that to the
 * changes that alter a route would save a no-op preview at the risk of a deploy that leaves the
 * live routes stale whenever the narrowing misses an input of the proxy program.
 *
 * `projectConfig`: when Pulumi.yaml changed in its `config:` alone (a release bump), the stacks
 * whose merged config that changes, with why (gitops/projectConfigChange.ts); Pulumi.yaml is then
 * not shared code. Without it, a changed Pulumi.yaml affects every stack.
 */
export function affectedStacks(
    changed: readonly string[],
    stacks: readonly string[],
    program: ReadonlySet<string>,
    projectConfig?: ReadonlyMap<string, string>,
): Affected {
    const present = new Set(stacks);
    const direct = new Set<string>();
    const removed = new Set<string>();
    const shared: string[] = [];
    for (const path of new Set(changed)) {
        if (path === "Pulumi.yaml" && projectConfig) continue;
        const c = classifyPath(path, program);
        if (c.kind === "stack") (present.has(c.stack) ? direct : removed).add(c.stack);
        else if (c.kind === "shared") shared.push(path);
    }
    const reasons: Record<string, string> = {};
    const viaProject = new Map([...(projectConfig ?? [])].filter(([s]) => present.has(s) && !direct.has(s)));
    const chosen = shared.length > 0 ? [...present] : [...direct, ...viaProject.keys()];
    for (const s of chosen)
        reasons[s] = direct.has(s) ? `Pulumi.${s}.yaml changed` : (viaProject.get(s) ?? `shared code changed: ${summarise(shared.sort())}`);
    const routing = [...direct, ...removed].filter((s) => s !== PROXY_STACK).sort();
    if (present.has(PROXY_STACK) && routing.length > 0 && !chosen.includes(PROXY_STACK) && shared.length === 0) {
        chosen.push(PROXY_STACK);
        reasons[PROXY_STACK] = `its routes come from the tenant stack files: ${summarise(routing.map((s) => `Pulumi.${s}.yaml`))} changed`;
    }
    return { stacks: chosen.sort(), removed: [...removed].sort(), sharedChanges: shared.sort(), reasons };
}

/** Every stack, for the scheduled drift check and for a first deployment. */
export function allStacks(stacks: readonly string[], why: string): Affected {
    const sorted = [...new Set(stacks)].sort();
    return { stacks: sorted, removed: [], sharedChanges: [], reasons: Object.fromEntries(sorted.map((s) => [s, why])) };
}

function summarise(paths: readonly string[]): string {
    const shown = paths.slice(0, 3).join(", ");
    return paths.length > 3 ? `${shown} (+${paths.length - 3} more)` : shown;
}

/** Lines for `$GITHUB_OUTPUT`; JSON arrays feed `fromJSON(...)` in a job matrix. */
export function githubOutputLines(a: Affected): string {
    return [`stacks=${JSON.stringify(a.stacks)}`, `removed=${JSON.stringify(a.removed)}`, `count=${a.stacks.length}`].join("\n") + "\n";
}
