// How the engine double starts the runner: the language host's arguments and environment.
import { promises as fs, realpathSync } from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readProject, runnerConfig } from "../../engine/project";
import { runnerCommand } from "../../engine/runner";

const ROOT = path.resolve(__dirname, "..", "..", "..");

describe("the runner's command line", () => {
    let saved: string | undefined;
    beforeAll(() => {
        saved = process.env.TS_NODE_TRANSPILE_ONLY;
        process.env.TS_NODE_TRANSPILE_ONLY = "true";
    });
    afterAll(() => {
        if (saved === undefined) delete process.env.TS_NODE_TRANSPILE_ONLY;
        else process.env.TS_NODE_TRANSPILE_ONLY = saved;
    });

    it("is what pulumi-language-nodejs runs, flags in its order, for this project", () => {
        const project = readProject(ROOT);
        const { args, env } = runnerCommand({
            project,
            stack: "t1",
            organization: "organization",
            monitorAddress: "127.0.0.1:1",
            engineAddress: "127.0.0.1:2",
            dryRun: true,
            config: { "frontbase:tenant": "t1" },
            secretKeys: ["frontbase:dbPassword"],
        });
        expect(args).toEqual([
            // node resolves through a symlinked node_modules (a git worktree's) to the real file.
            realpathSync(path.join(ROOT, "node_modules/@pulumi/pulumi/cmd/run/index.js")),
            "--monitor",
            "127.0.0.1:1",
            "--engine",
            "127.0.0.1:2",
            "--organization",
            "organization",
            "--project",
            "frontbase",
            "--stack",
            "t1",
            "--pwd",
            ROOT,
            "--dry-run",
            "--query-mode",
            "false",
            "--parallel",
            "16",
            "scripts/pulumi-program.js",
        ]);
        expect(env.PULUMI_CONFIG).toBe('{"frontbase:config:tenant":"t1"}');
        expect(env.PULUMI_CONFIG_SECRET_KEYS).toBe('["frontbase:dbPassword"]');
        // Pulumi.yaml: typescript false, main scripts/pulumi-program.js (it loads the .ts program itself).
        expect(env.PULUMI_NODEJS_TYPESCRIPT).toBeUndefined();
        // A harness's ts-node settings must not leak into the program.
        expect(env.TS_NODE_TRANSPILE_ONLY).toBeUndefined();
        // Nor may vitest's own settings leak into the program.
        expect([env.VITEST, env.NODE_ENV]).toEqual([undefined, undefined]);
    });

    it("qualifies config keys the way the language host does, and refuses bare keys", () => {
        expect(runnerConfig({ "frontbase:ports": "{}", "docker:host": "unix:///x" })).toEqual({
            "frontbase:config:ports": "{}",
            "docker:config:host": "unix:///x",
        });
        expect(() => runnerConfig({ tenant: "x" })).toThrow(/must be namespaced/);
    });
});

describe("Pulumi.yaml", () => {
    let dir: string;
    beforeAll(async () => void (dir = await fs.mkdtemp(path.join(os.tmpdir(), "frontbase-yaml-"))));
    afterAll(() => fs.rm(dir, { recursive: true, force: true }));

    it("main as a directory becomes the program directory; as a file, the entry point", async () => {
        await fs.mkdir(path.join(dir, "src"));
        await fs.writeFile(
            path.join(dir, "Pulumi.yaml"),
            "name: p\nruntime:\n  name: nodejs\n  options: { typescript: false, nodeargs: '--a --b' }\nmain: src/\n",
        );
        expect(readProject(dir)).toMatchObject({
            name: "p",
            programDir: path.join(dir, "src"),
            entryPoint: ".",
            typescript: false,
            nodeargs: "--a --b",
        });
        await fs.writeFile(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: nodejs\nmain: app.ts\n");
        expect(readProject(dir)).toMatchObject({ programDir: dir, entryPoint: "app.ts", typescript: true });
    });
    it("refuses a project that is not a Node.js one", async () => {
        await fs.writeFile(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: python\n");
        expect(() => readProject(dir)).toThrow(/runtime must be nodejs/);
    });
});
