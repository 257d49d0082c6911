// How the engine double starts the runner: the language host's arguments and environment.
import { promises as fs, realpathSync } from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readProject, runnerConfig } from "../../engine/project";
import { runnerCommand, splitNodeArgs } from "../../engine/runner";

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

    // pulumi/pulumi v3.259 sdk/nodejs/cmd/pulumi-language-nodejs/main.go execRuntime (nodeargs
    // first, split by shlex) and constructArguments (every flag only when set; no --query-mode
    // since v3.161); pkg/engine/project.go getPwdMain (no `main`: the root and ".").
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
            "-r",
            "./scripts/pulumi-register.js",
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
            "--root-directory",
            ROOT,
            "--stack",
            "t1",
            "--pwd",
            ROOT,
            "--dry-run",
            "--parallel",
            "16",
            ".",
        ]);
        expect(env.PULUMI_CONFIG).toBe('{"frontbase:config:tenant":"t1"}');
        expect(env.PULUMI_CONFIG_SECRET_KEYS).toBe('["frontbase:dbPassword"]');
        // Pulumi.yaml: typescript false (scripts/pulumi-register.js loads the .ts program itself).
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

    it("main as a directory becomes the program directory; as a file, its directory does, and its bare name is the entry (getPwdMain)", async () => {
        await fs.mkdir(path.join(dir, "src"));
        await fs.writeFile(path.join(dir, "src", "app.js"), "");
        await fs.writeFile(path.join(dir, "app.ts"), "");
        await fs.writeFile(
            path.join(dir, "Pulumi.yaml"),
            "name: p\nruntime:\n  name: nodejs\n  options: { typescript: false, nodeargs: '--a --b' }\nmain: src/\n",
        );
        expect(readProject(dir)).toMatchObject({
            name: "p",
            rootDir: dir,
            programDir: path.join(dir, "src"),
            entryPoint: ".",
            typescript: false,
            nodeargs: "--a --b",
        });
        await fs.writeFile(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: nodejs\nmain: app.ts\n");
        expect(readProject(dir)).toMatchObject({ rootDir: dir, programDir: dir, entryPoint: "app.ts", typescript: true });
        // What this project's Pulumi.yaml once said (main: scripts/pulumi-program.js): scripts/ became
        // the program directory, where the plugin scan found no @pulumi/docker.
        await fs.writeFile(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: nodejs\nmain: src/app.js\n");
        expect(readProject(dir)).toMatchObject({ rootDir: dir, programDir: path.join(dir, "src"), entryPoint: "app.js" });
        await fs.writeFile(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: nodejs\n");
        expect(readProject(dir)).toMatchObject({ programDir: dir, entryPoint: "." });
    });
    it("refuses a main that does not exist before anything runs, as the CLI does", async () => {
        await fs.writeFile(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: nodejs\nmain: bin/index.js\n");
        expect(() => readProject(dir)).toThrow(`project 'main' could not be read: ${path.join(dir, "bin/index.js")} does not exist`);
    });
    it("refuses a project that is not a Node.js one", async () => {
        await fs.writeFile(path.join(dir, "Pulumi.yaml"), "name: p\nruntime: python\n");
        expect(() => readProject(dir)).toThrow(/runtime must be nodejs/);
    });
});

describe("nodeargs, split as the language host splits them (google/shlex Split)", () => {
    it.each([
        ["-r ./scripts/pulumi-register.js", ["-r", "./scripts/pulumi-register.js"]],
        ["  --max-old-space-size=4096\t-r x  ", ["--max-old-space-size=4096", "-r", "x"]],
        [`--title 'a b' "c \\" d" e\\ f`, ["--title", "a b", 'c " d', "e f"]],
        [`"" ''`, ["", ""]],
        ["a#b #c d\ne", ["a#b", "e"]],
        ["", []],
    ])("%j", (text, words) => expect(splitNodeArgs(text)).toEqual(words));
    it.each([
        ["'open", "EOF found when expecting closing quote"],
        ['"open', "EOF found when expecting closing quote"],
        ["end\\", "EOF found after escape character"],
    ])("refuses %j", (text, message) => expect(() => splitNodeArgs(text)).toThrow(message));
});
