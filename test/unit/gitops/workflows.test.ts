// Static checks of .github: every script, file and secret the workflows use exists, and each
// job matrix is fed by the `affected` command (gitops/affected.ts), not inline shell.
import { existsSync, readFileSync, readdirSync } from "fs";
import { docFiles, readDoc } from "../../support/docs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { command as affectedCommand } from "../../../cli/commands/affected";
import { allStacks, githubOutputLines, PULUMI_WORKFLOWS } from "../../../gitops/affected";
import { parseWaves } from "../../../cli/ops/rolloutPlan";

const root = path.resolve(__dirname, "../../..");
const read = (p: string) => readFileSync(path.join(root, p), "utf8");
const pkg = JSON.parse(read("package.json"));
type Step = { id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; if?: string };
type Job = {
    needs?: string | string[];
    if?: string;
    outputs?: Record<string, string>;
    steps: Step[];
    strategy?: { matrix?: Record<string, unknown>; "max-parallel"?: number; "fail-fast"?: boolean };
};
type Workflow = { on: Record<string, unknown>; jobs: Record<string, Job>; concurrency?: { group: string; "cancel-in-progress": boolean } };

const workflowFiles = readdirSync(path.join(root, ".github/workflows")).map((f) => `.github/workflows/${f}`);
const actionFiles = readdirSync(path.join(root, ".github/actions")).map((d) => `.github/actions/${d}/action.yml`);
const workflow = (f: string) => YAML.parse(read(f)) as Workflow;
const allSteps = (): { file: string; step: Step }[] => [
    ...workflowFiles.flatMap((file) => Object.values(workflow(file).jobs).flatMap((j) => j.steps.map((step) => ({ file, step })))),
    ...actionFiles.flatMap((file) => (YAML.parse(read(file)).runs.steps as Step[]).map((step) => ({ file, step }))),
];
/** Shell run by the workflows, including scripts they start with `bash <file>` (one level deep). */
function shellTexts(): { file: string; text: string }[] {
    const runs = allSteps()
        .filter((s) => s.step.run)
        .map((s) => ({ file: s.file, text: s.step.run! }));
    const scripts = runs.flatMap((r) => [...r.text.matchAll(/\bbash\s+([\w./-]+)/g)].map((m) => m[1]));
    return [...runs, ...[...new Set(scripts)].filter((f) => existsSync(path.join(root, f))).map((f) => ({ file: f, text: read(f) }))];
}
const expr = (s: string) => /^\$\{\{\s*(.*?)\s*\}\}$/.exec(s)?.[1];

describe("workflow files", () => {
    it("are the three Pulumi workflows the affected module knows about", () => {
        expect(workflowFiles.sort()).toEqual([...PULUMI_WORKFLOWS].sort());
    });

    it("call only npm scripts that package.json defines", () => {
        const calls = shellTexts().flatMap(({ file, text }) =>
            [...text.matchAll(/\bnpm\s+(?:run(?:-script)?\s+(?:--?[\w-]+\s+)*([\w:.-]+)|(test)\b)/g)].map((m) => ({
                file,
                script: m[1] ?? m[2],
            })),
        );
        expect(calls.map((c) => c.script)).toEqual(expect.arrayContaining(["test", "tenant"]));
        for (const c of calls) expect({ ...c, defined: c.script in pkg.scripts }).toEqual({ ...c, defined: true });
    });

    it("reference only files and local actions that exist", () => {
        const refs = [
            ...shellTexts().flatMap(({ text }) => [...text.matchAll(/\bbash\s+([\w./-]+)/g)].map((m) => m[1])),
            ...allSteps()
                .filter((s) => s.step.uses?.startsWith("./"))
                .map((s) => path.join(s.step.uses!, "action.yml")),
        ];
        expect(refs).toEqual(
            expect.arrayContaining([".ci/run", ".github/actions/setup/action.yml", ".github/actions/docker-host/action.yml"]),
        );
        for (const ref of refs) expect({ ref, exists: existsSync(path.join(root, ref)) }).toEqual({ ref, exists: true });
    });

    it("check out the whole history where `affected --base` runs: the diff and the program's files at the merge base need the base commit", () => {
        const diffing = workflowFiles.flatMap((file) =>
            Object.entries(workflow(file).jobs)
                .filter(([, job]) => job.steps.some((s) => affectedInvocations(s.run ?? "").some((args) => args.includes("--base"))))
                .map(([name, job]) => ({
                    file,
                    name,
                    fetchDepth: job.steps.find((s) => s.uses?.startsWith("actions/checkout@"))?.with?.["fetch-depth"],
                })),
        );
        expect(diffing.map((j) => j.file).sort()).toEqual([".github/workflows/deploy.yml", ".github/workflows/preview.yml"]);
        for (const j of diffing) expect(j).toEqual({ ...j, fetchDepth: 0 });
    });

    it("install the Pulumi CLI version the project pins", () => {
        const versions = allSteps()
            .filter((s) => s.step.uses?.startsWith("pulumi/actions@"))
            .map((s) => s.step.with?.["pulumi-version"]);
        expect(versions.length).toBe(3);
        for (const v of versions) expect(v).toBe(pkg.devDependencies.pulumi);
    });

    it("document every secret and variable they read, in the docs (wherever the GitOps page is)", () => {
        const doc = docFiles().map(readDoc).join("\n");
        const names = new Set(
            [...workflowFiles, ...actionFiles].flatMap((f) => [...read(f).matchAll(/\b(?:secrets|vars)\.([A-Z0-9_]+)/g)].map((m) => m[1])),
        );
        expect([...names]).toEqual(
            expect.arrayContaining([
                "PULUMI_BACKEND_URL",
                "PULUMI_ACCESS_TOKEN",
                "PULUMI_CONFIG_PASSPHRASE",
                "DOCKER_HOST",
                "DOCKER_SSH_KEY",
                "DOCKER_SSH_KNOWN_HOSTS",
            ]),
        );
        for (const n of names) expect({ n, documented: doc.includes(`\`${n}\``) }).toEqual({ n, documented: true });
    });
});

/** The matrix job of a workflow and the step that computes its input, followed through needs/outputs. */
function matrixSource(file: string) {
    const wf = workflow(file);
    const [name, job] = Object.entries(wf.jobs).find(([, j]) => j.strategy?.matrix)!;
    const matrixExpr = expr(String(job.strategy!.matrix!.stack));
    const m = /^fromJSON\(needs\.([\w-]+)\.outputs\.stacks\)$/.exec(matrixExpr ?? "");
    expect(m, `${file}: matrix.stack must be fromJSON(needs.<job>.outputs.stacks)`).not.toBeNull();
    const sourceName = m![1];
    expect([job.needs].flat()).toContain(sourceName);
    const source = wf.jobs[sourceName];
    const stepId = /^steps\.([\w-]+)\.outputs\.stacks$/.exec(expr(source.outputs!.stacks) ?? "")![1];
    expect(expr(source.outputs!.count)).toBe(`steps.${stepId}.outputs.count`);
    const step = source.steps.find((s) => s.id === stepId)!;
    return { wf, name, job, sourceName, step, pulumi: job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))! };
}

function affectedInvocations(run: string): string[][] {
    return [...run.matchAll(/npm run tenant -- affected([^\n]*)/g)].map((m) => m[1].trim().split(/\s+/));
}

describe("job matrices come from `npm run tenant -- affected`", () => {
    const outputKeys = githubOutputLines(allStacks(["a"], "x"))
        .trim()
        .split("\n")
        .map((l) => l.split("=")[0]);

    // deploy.yml rolls its stacks out in one job (below); the others preview one stack per job.
    it.each(PULUMI_WORKFLOWS.filter((f) => !f.endsWith("deploy.yml")).map((f) => [f]))("%s", (file) => {
        const { job, sourceName, step, pulumi } = matrixSource(file);
        const invocations = affectedInvocations(step.run ?? "");
        expect(invocations.length).toBeGreaterThan(0);
        for (const args of invocations) {
            expect(args).toContain("--github-output");
            for (const flag of args.filter((a) => a.startsWith("--"))) expect(affectedCommand.usage).toContain(flag);
        }
        // The keys the workflow reads are the keys the module writes.
        expect(outputKeys).toEqual(expect.arrayContaining(["stacks", "count"]));
        expect(job.if).toContain(`needs.${sourceName}.outputs.count != '0'`);
        expect(pulumi.with!["stack-name"]).toContain("matrix.stack");
        expect(pulumi.env!.DOCKER_HOST).toBe("${{ secrets.DOCKER_HOST }}");
    });

    it("preview: every PR, preview --diff per affected stack, one comment per stack edited in place", () => {
        const { wf, step, pulumi } = matrixSource(".github/workflows/preview.yml");
        expect(Object.keys(wf.on)).toEqual(["pull_request"]);
        expect(step.run).toMatch(/--base "\$BASE_SHA"/);
        expect(step.env!.BASE_SHA).toBe("${{ github.event.pull_request.base.sha }}");
        expect(pulumi.with).toMatchObject({ command: "preview", diff: true, "comment-on-pr": true, "edit-pr-comment": true });
        // Previews wait for npm test (typecheck, unit tests, fleet check); the full CI runs beside them.
        expect(wf.jobs.test.steps.some((s) => /^(sudo -E env "PATH=\$PATH" )?npm test$/.test(s.run ?? ""))).toBe(true);
        expect([wf.jobs.preview.needs].flat()).toContain("test");
        expect(wf.jobs.ci.steps.some((s) => /\bbash \.ci\/run$/.test(s.run ?? ""))).toBe(true);
    });

    it("deploy: push to main, the affected stacks rolled out in waves through the rollout's gates, never two deployments at once", () => {
        const wf = workflow(".github/workflows/deploy.yml");
        const job = wf.jobs.rollout;
        expect(wf.on.push).toEqual({ branches: ["main"] });
        expect(wf.concurrency).toEqual({ group: "deploy-main", "cancel-in-progress": false });
        // Nothing is deployed unless the whole local CI entry point passed; the stacks are `affected`'s.
        expect([job.needs].flat()).toEqual(["ci", "affected"]);
        expect(job.if).toContain("needs.affected.outputs.count != '0'");
        expect(wf.jobs.ci.steps.some((s) => /\bbash \.ci\/run$/.test(s.run ?? ""))).toBe(true);
        const affected = wf.jobs.affected.steps.find((s) => s.id === "affected")!;
        for (const args of affectedInvocations(affected.run!)) expect(args).toContain("--github-output");
        // The rollout: the affected tenant stacks, in waves, no question asked; the DOCKER_HOST and passphrase it needs.
        const step = job.steps.find((s) => /npm run rollout -- /.test(s.run ?? ""))!;
        const argv = /npm run rollout -- (.*)/.exec(step.run!)![1].split(/\s+/);
        expect(argv).toEqual(['"${tenants[@]}"', "--waves", "1,10%,100%", "--yes"]);
        expect(() => parseWaves(argv[2])).not.toThrow();
        expect(step.env).toMatchObject({
            STACKS: "${{ needs.affected.outputs.stacks }}",
            DOCKER_HOST: "${{ secrets.DOCKER_HOST }}",
            PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
        });
        // The rollout runs the Pulumi CLI itself: installed (pinned) and logged in before it.
        const at = (pred: (s: Step) => boolean) => job.steps.findIndex(pred);
        expect(at((s) => s.uses?.startsWith("pulumi/actions@") === true)).toBeLessThan(at((s) => s === step));
        expect(at((s) => /pulumi login/.test(s.run ?? ""))).toBeLessThan(at((s) => s === step));
        // The proxy has no release: pulumi up after the tenants its routes serve.
        const proxy = job.steps.find((s) => /pulumi up --stack proxy/.test(s.run ?? ""))!;
        expect(at((s) => s === proxy)).toBeGreaterThan(at((s) => s === step));
    });

    it("drift: scheduled preview --refresh --expect-no-changes over every stack", () => {
        const { wf, step, pulumi } = matrixSource(".github/workflows/drift.yml");
        expect(wf.on.schedule).toEqual([{ cron: expect.stringMatching(/^\S+ \S+ \S+ \S+ \S+$/) }]);
        expect(affectedInvocations(step.run!)).toEqual([["--all", "--github-output"]]);
        expect(pulumi.with).toMatchObject({ command: "preview", refresh: true, "expect-no-changes": true });
    });
});
