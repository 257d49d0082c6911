// `affected (--base <rev> [--head <rev>] | --all) [--json] [--github-output]`: the tenant stacks a
// change affects, as the job matrix of .github/workflows/{preview,deploy,drift}.yml.
import { execFile } from "child_process";
import { appendFileSync } from "fs";
import { promisify } from "util";
import { Affected, affectedStacks, allStacks, githubOutputLines } from "../../gitops/affected";
import { programFilesBetween } from "../../gitops/programFiles";
import { projectConfigEffects, Side } from "../../gitops/projectConfigChange";
import { listStackFiles, stackNameOf } from "../../project/stackFiles";
import { Check, invalid, UsageError } from "../args";
import { defineCommand } from "../command";

// A revision, never an option: a value starting with "-" would be read by git as a flag.
const REV = /^[A-Za-z0-9_][A-Za-z0-9._/~^@{}-]*$/;
const NULL_SHA = /^0{40}$/;
const rev: Check<string> = (value, what) => {
    if (!REV.test(value)) throw invalid(what, value, "must be a git revision (a commit SHA, branch or tag)");
    return value;
};

export const command = defineCommand({
    name: "affected",
    summary: "the tenant stacks a change affects: the CI job matrix of preview, deploy and drift",
    readOnly: true,
    args: [],
    flags: {
        base: {
            kind: "value",
            arg: "<rev>",
            help: "a git revision",
            about: "compare with this commit (what the head side changed since it forked)",
            parse: rev,
        },
        head: { kind: "value", arg: "<rev>", help: "a git revision", about: "the changed side, default HEAD", parse: rev },
        all: { kind: "boolean", about: "every stack" },
        json: { kind: "boolean", about: "print one JSON object (stacks, reasons, removed, sharedChanges)" },
        "github-output": { kind: "boolean", about: "also append stacks=, removed= and count= to $GITHUB_OUTPUT" },
    },
    exactlyOne: ["base", "all"],
    async run({ flags }, ctx) {
        const base = flags.base;
        const head = flags.head ?? "HEAD";
        const outFile = ctx.env.GITHUB_OUTPUT;
        if (flags["github-output"] && !outFile)
            throw new UsageError("--github-output: GITHUB_OUTPUT is not set (it is set inside GitHub Actions)");

        const stacks = (await listStackFiles(ctx.projectDir)).map(stackNameOf);
        let result: Affected;
        if (base === undefined) result = allStacks(stacks, "every stack (--all)");
        // GitHub sends an all-zero "before" for the first push of a branch: there is nothing to diff.
        else if (NULL_SHA.test(base)) result = allStacks(stacks, "no base commit to compare with (first push)");
        else {
            const changed = await changedPaths(ctx.projectDir, base, head);
            // A change to Pulumi.yaml's config alone (a release bump) reaches only the stacks it changes.
            const viaProject = changed.includes("Pulumi.yaml") ? await projectEffects(ctx.projectDir, base, head, stacks) : undefined;
            result = affectedStacks(changed, stacks, await programFilesBetween(ctx.projectDir, base, head), viaProject);
        }

        if (flags["github-output"]) appendFileSync(outFile!, githubOutputLines(result));
        ctx.io.out(flags.json ? JSON.stringify(result) : describe(result));
        return 0;
    },
});

async function changedPaths(cwd: string, base: string, head: string): Promise<string[]> {
    try {
        // Three dots: what the head side changed since it forked from base (a PR's own changes).
        const { stdout } = await promisify(execFile)("git", ["diff", "--name-only", "--no-renames", "-z", `${base}...${head}`, "--"], {
            cwd,
            maxBuffer: 64 * 1024 * 1024,
        });
        return stdout.split("\0").filter((p) => p.length > 0);
    } catch (e) {
        const detail = ((e as { stderr?: string }).stderr ?? (e as Error).message).trim();
        throw new Error(
            `git diff ${base}...${head} failed: ${detail} (in CI, check out with fetch-depth: 0 so that the base commit exists)`,
            { cause: e },
        );
    }
}

async function projectEffects(cwd: string, base: string, head: string, stacks: readonly string[]) {
    const mergeBase = (await gitOut(cwd, ["merge-base", base, head])).trim();
    const side = async (rev: string): Promise<Side> => {
        const texts = new Map(await Promise.all(stacks.map(async (s) => [s, await fileAt(cwd, rev, `Pulumi.${s}.yaml`)] as const)));
        return { project: await fileAt(cwd, rev, "Pulumi.yaml"), stackText: (s) => texts.get(s) };
    };
    return projectConfigEffects(await side(mergeBase), await side(head), stacks);
}

/** A file's text at a commit, or undefined when it has none there. */
async function fileAt(cwd: string, rev: string, file: string): Promise<string | undefined> {
    return gitOut(cwd, ["show", `${rev}:${file}`]).catch(() => undefined);
}

async function gitOut(cwd: string, args: string[]): Promise<string> {
    return (await promisify(execFile)("git", args, { cwd, maxBuffer: 16 * 1024 * 1024 })).stdout;
}

function describe(a: Affected): string {
    const lines = a.stacks.length === 0 ? ["no stack affected"] : a.stacks.map((s) => `${s}: ${a.reasons[s]}`);
    for (const s of a.removed)
        lines.push(`${s}: stack file deleted; not previewed or deployed, destroy it deliberately (pulumi destroy --stack ${s})`);
    return lines.join("\n");
}
