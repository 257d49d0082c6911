// Start-up without type checking (issue 15): under Pulumi's runner the program is loaded by
// scripts/pulumi-register.js (which node preloads: Pulumi.yaml's nodeargs), and `npm run tenant` by
// scripts/ts-register.js; both transpile only,
// through a cache that can never serve stale or planted code. Children are real node processes.
import { execFileSync, spawnSync } from "child_process";
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { requiredPackages } from "../engine/plugins";
import { readProject } from "../engine/project";
import { NEEDS_ROOT, NOT_ROOT, OTHER_UID } from "../support/otherUser";
import { tempDir } from "../support/temp";

const ROOT = path.resolve(__dirname, "../..");
const REGISTER = path.join(ROOT, "scripts/ts-register.js");
const json = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), "utf8"));

describe("the program under Pulumi's runner", () => {
    it("is index.ts, loaded through scripts/pulumi-register.js, which node preloads, with the runner's own TypeScript support (ts-node, type checking) off", () => {
        const project = YAML.parse(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
        expect(project.runtime.options).toEqual({ typescript: false, nodeargs: "-r ./scripts/pulumi-register.js" });
        // No main: the project root is the program directory, package.json's main the entry.
        expect(project.main).toBeUndefined();
        expect(json("package.json").main).toBe("index.ts");
    });

    it("runs from the project root, where the language host's plugin scan finds @pulumi/docker and @pulumi/random", () => {
        const project = readProject(ROOT);
        expect([project.programDir, project.entryPoint]).toEqual([ROOT, "."]);
        const plugins = new Set(requiredPackages(project.programDir).map((p) => `${p.name} ${p.version}`));
        const version = (pkg: string) => json(`node_modules/@pulumi/${pkg}/package.json`).version;
        expect([...plugins].sort()).toEqual([`docker v${version("docker")}`, `random v${version("random")}`]);
    });

    it("leaves type checking to npm test: tsc with tsconfig.json, which has no noCheck", () => {
        expect(json("tsconfig.json").compilerOptions.noCheck).toBeUndefined();
        expect(json("package.json").scripts.test).toMatch(/^tsc --noEmit -p \. && /);
    });

    // What scripts/pulumi-register.js does before the runner requires the program.
    const PREPARED = `
const register = require(${JSON.stringify(REGISTER)});
const load = require(${JSON.stringify(path.join(ROOT, "scripts/lazy-modules.js"))});
const deferred = () => [load.isDeferred("typescript", load.SDK), load.isDeferred("@npmcli/arborist", load.SDK)];`;
    const node = (script: string, ...args: string[]) =>
        execFileSync(process.execPath, ["-e", `${PREPARED}\n${script}`, ...args], { cwd: ROOT, encoding: "utf8" });

    it("loads @pulumi/pulumi without the TypeScript compiler and arborist, and each whole on first use (function serialization still works)", () => {
        const out = node(`
const pulumi = require("@pulumi/pulumi");
const before = deferred();
(async () => {
    const f = await pulumi.runtime.serializeFunction(() => 42); // parses with the TypeScript compiler
    const paths = await pulumi.runtime.computeCodePaths(); // walks node_modules with arborist
    console.log(JSON.stringify({ before, after: deferred(), serialized: f.text.includes("42"), paths: paths.size > 0, ts: typeof require("typescript").createSourceFile }));
})();`);
        expect(JSON.parse(out)).toEqual({ before: [true, true], after: [false, false], serialized: true, paths: true, ts: "function" });
    });

    it("maps stack traces into the .ts files for the runner's source-map-support", () => {
        const thrower = path.join(tempDir("src"), "throws.ts");
        writeFileSync(
            thrower,
            "interface A {\n    x: number;\n}\n\nexport function f(a: A): never {\n    throw new Error(`boom ${a.x}`);\n}\n",
        );
        // As the language host starts the runner: node -r <preload> <run>, whose index.js installs source-map-support.
        const out = execFileSync(
            process.execPath,
            [
                "-r",
                "./scripts/pulumi-register.js",
                "-e",
                `require(require.resolve("source-map-support/register", { paths: [require("./scripts/lazy-modules").SDK] }));
try { require(process.argv[1]).f({ x: 1 }); } catch (e) { console.log(e.stack); }`,
                thrower,
            ],
            { cwd: ROOT, encoding: "utf8" },
        );
        expect(out).toContain(`f (${thrower}:6:11)`);
    });

    it("leaves unmapped only the stack @pulumi/pulumi records on each promise, unless PULUMI_DEBUG_PROMISE_LEAKS asks to print them", () => {
        const file = path.join(tempDir("src"), "records.ts");
        writeFileSync(
            file,
            [
                "// Types and comments, which the JavaScript lacks: a frame's line differs once mapped.",
                "interface B {",
                "    y: string;",
                "}",
                "interface A {",
                "    x: number;",
                "}",
                "",
                "type Debuggable = { debuggablePromise(p: Promise<void>, ctx: string): Promise<void> };",
                "export function record(d: Debuggable, a: A): string {",
                "    const p = Promise.resolve(); d.debuggablePromise(p, `ctx ${a.x}`); return (p as unknown as { _debugStackTrace: string })._debugStackTrace;",
                "}",
                "export function fail(a: A): never {",
                "    throw new Error(`boom ${a.x}`);",
                "}",
                "",
            ].join("\n"),
        );
        // As the language host starts the runner: node -r <preload> <run>, whose index.js installs source-map-support.
        const run = (env: NodeJS.ProcessEnv) =>
            JSON.parse(
                execFileSync(
                    process.execPath,
                    [
                        "-r",
                        "./scripts/pulumi-register.js",
                        "-e",
                        `const sdk = require("./scripts/lazy-modules").SDK;
require(require.resolve("source-map-support/register", { paths: [sdk] }));
const m = require(process.argv[1]);
let thrown;
try { m.fail({ x: 1 }); } catch (e) { thrown = e.stack; }
console.log(JSON.stringify({ promise: m.record(require(require("path").join(sdk, "runtime", "debuggable.js")), { x: 1 }), thrown }));`,
                        file,
                    ],
                    { cwd: ROOT, encoding: "utf8", env },
                ),
            ) as { promise: string; thrown: string };
        const env = { ...process.env };
        delete env.PULUMI_DEBUG_PROMISE_LEAKS;
        const quiet = run(env);
        expect(quiet.promise).toMatch(/^Error\n {4}at Object.debuggablePromise \(/);
        expect(quiet.promise).toContain(`record (${file}:`);
        expect(quiet.promise).toContain(`debuggable.js:85:`); // @pulumi/pulumi's own frame, unmapped too
        expect(quiet.promise).not.toContain(`record (${file}:11:`);
        expect(quiet.thrown).toContain(`fail (${file}:14:11)`);
        const leaks = run({ ...env, PULUMI_DEBUG_PROMISE_LEAKS: "1" });
        expect(leaks.promise).toContain(`record (${file}:11:`);
        expect(leaks.promise).not.toContain(`debuggable.js:85:`);
        expect(leaks.thrown).toContain(`fail (${file}:14:11)`);
    });

    it("loads dockerode without its BuildKit session (gRPC) and SSH transport, which load when used", () => {
        const out = node(`
const path = require("path");
const Docker = require("dockerode");
const lib = path.join(path.dirname(require.resolve("dockerode/package.json")), "lib");
const modemLib = path.join(path.dirname(require.resolve("docker-modem/package.json", { paths: [lib] })), "lib");
const before = [load.isDeferred("@grpc/grpc-js", lib), load.isDeferred("@grpc/proto-loader", lib), load.isDeferred("./ssh", modemLib)];
new Docker({ socketPath: "/nonexistent.sock" });
const agent = require(path.join(modemLib, "ssh"))({ host: "example.invalid" }); // as docker-modem calls it for an ssh:// host
console.log(JSON.stringify({ before, agent: agent instanceof require("http").Agent, after: load.isDeferred("./ssh", modemLib) }));`);
        expect(JSON.parse(out)).toEqual({ before: [true, true, true], agent: true, after: false });
    });

    it("loads the runner without the tracing SDK and @pulumi/pulumi without the Automation API, each whole on first use", () => {
        const out = node(`
const path = require("path");
const run = path.join(load.SDK, "cmd", "run");
const tracing = ["@opentelemetry/resources", "@opentelemetry/sdk-trace-node", "@opentelemetry/instrumentation-grpc"];
const pulumi = require("@pulumi/pulumi");
require(path.join(run, "tracing.js"));
const before = [...tracing.map((m) => load.isDeferred(m, run)), load.isDeferred("./automation", load.SDK)];
const resource = require(require.resolve("@opentelemetry/resources", { paths: [run] })).Resource.default();
const workspace = typeof pulumi.automation.LocalWorkspace.create;
console.log(JSON.stringify({ before, resource: typeof resource.merge, workspace, after: [load.isDeferred("@opentelemetry/resources", run), load.isDeferred("./automation", load.SDK)] }));`);
        expect(JSON.parse(out)).toEqual({
            before: [true, true, true, true],
            resource: "function",
            workspace: "function",
            after: [false, false],
        });
    });

    it("loads zod without its translations, which load whole when z.locales is used; its English messages as before", () => {
        const out = node(`
const path = require("path");
const locales = path.join(path.dirname(require.resolve("zod/package.json")), "v4", "locales");
const { z } = require("zod");
const before = load.isDeferred("./index.cjs", locales);
const english = z.string().safeParse(1).error.issues[0].message;
z.config(z.locales.de());
const german = z.string().safeParse(1).error.issues[0].message;
z.config(z.locales.en());
console.log(JSON.stringify({ before, english, german, after: load.isDeferred("./index.cjs", locales) }));`);
        expect(JSON.parse(out)).toEqual({
            before: true,
            english: "Invalid input: expected string, received number",
            german: "Ungültige Eingabe: erwartet string, erhalten Zahl",
            after: false,
        });
    });

    it("defers a module faithfully: properties, keys, `in`, calls and `new` all reach the real module, loaded once", () => {
        const dir = tempDir("mod");
        mkdirSync(path.join(dir, "node_modules", "m"), { recursive: true });
        writeFileSync(
            path.join(dir, "node_modules", "m", "index.js"),
            "global.loads = (global.loads || 0) + 1;\nclass M { constructor(v) { this.v = v; } }\nM.answer = 42;\nmodule.exports = M;\n",
        );
        const out = node(
            `
load.deferUntilUsed("m", process.argv[1]);
const M = require(require.resolve("m", { paths: [process.argv[1]] }));
const seen = { loadsAtRequire: global.loads || 0 };
Object.assign(seen, { answer: M.answer, keys: Object.keys(M), has: "answer" in M, made: new M(7).v, instance: new M(1) instanceof require(require.resolve("m", { paths: [process.argv[1]] })), loads: global.loads });
console.log(JSON.stringify(seen));`,
            dir,
        );
        expect(JSON.parse(out)).toEqual({ loadsAtRequire: 0, answer: 42, keys: ["answer"], has: true, made: 7, instance: true, loads: 1 });
    });
});

/** Run `file` through the loader (or `node -e script file`) with its cache in `cache`; stdout, stderr (with the cache's counts) and status. */
function load(file: string, cache: string, uid?: number, script?: string) {
    const r = spawnSync(process.execPath, script ? ["-e", script, file] : ["-r", REGISTER, file], {
        encoding: "utf8",
        env: { ...process.env, FRONTBASE_TS_CACHE: cache, FRONTBASE_TS_DEBUG: "1" },
        ...(uid !== undefined ? { uid, gid: uid } : {}),
    });
    return {
        out: r.stdout.trim(),
        err: r.stderr,
        status: r.status,
        counts: /ts-cache: (\d+) cached, (\d+) transpiled/.exec(r.stderr)?.slice(1).map(Number),
    };
}

function source(dir: string, value: string): string {
    const file = path.join(dir, "a.ts");
    writeFileSync(file, `const v: string = ${JSON.stringify(value)};\nconsole.log(v);\n`);
    return file;
}

describe("scripts/ts-register.js", () => {
    it("transpiles with tsconfig.json's module, target and interop", () => {
        const opts = JSON.parse(
            execFileSync(
                process.execPath,
                ["-e", `process.stdout.write(JSON.stringify(require(process.argv[1]).COMPILER_OPTIONS))`, REGISTER],
                { encoding: "utf8" },
            ),
        );
        const base = json("tsconfig.json").compilerOptions;
        expect([opts.module, opts.target, opts.esModuleInterop]).toEqual([
            base.module.toLowerCase(),
            base.target.toLowerCase(),
            base.esModuleInterop,
        ]);
    });

    it("is what npm run tenant, bench and harness start with", () => {
        const scripts = json("package.json").scripts;
        for (const s of ["tenant", "bench", "harness"]) expect(scripts[s]).toMatch(/^node -r \.\/scripts\/ts-register\.js \S+\.ts$/);
    });

    it("caches by content: a second run transpiles nothing, an edit runs the new code even with the old size and time", () => {
        const dir = tempDir("src");
        const cache = path.join(tempDir("cache"), "ts");
        const file = source(dir, "one");
        expect(load(file, cache)).toMatchObject({ out: "one", counts: [0, 1] });
        expect(load(file, cache)).toMatchObject({ out: "one", counts: [1, 0] });
        source(dir, "two");
        utimesSync(file, new Date(0), new Date(0));
        expect(load(file, cache)).toMatchObject({ out: "two", counts: [0, 1] });
        source(dir, "one");
        utimesSync(file, new Date(0), new Date(0));
        expect(load(file, cache)).toMatchObject({ out: "one", counts: [1, 0] });
        expect(readdirSync(cache).filter((f) => f.endsWith(".json"))).toHaveLength(2);
    });

    /** A private cache directory and the entry `load` would run for `file`, planted by `plant()`. */
    function plantable(file: string): { cache: string; entry: string; plant: () => void } {
        const cache = path.join(tempDir("cache"), "ts");
        mkdirSync(cache, { recursive: true, mode: 0o700 });
        // The cache is code: an entry under the right key runs as is. That is why it must be private.
        const key = execFileSync(
            process.execPath,
            [
                "-e",
                `process.stdout.write(require(process.argv[1]).keyOf(process.argv[2], require("fs").readFileSync(process.argv[2], "utf8")))`,
                REGISTER,
                file,
            ],
            { encoding: "utf8" },
        );
        const entry = path.join(cache, `${key}.json`);
        return { cache, entry, plant: () => writeFileSync(entry, JSON.stringify({ outputText: 'console.log("planted");\n' })) };
    }

    it("never runs a cached entry from a directory others can write, or a link: it transpiles instead", () => {
        const dir = tempDir("src");
        const file = source(dir, "real");
        const { cache, entry, plant } = plantable(file);
        plant();
        expect(load(file, cache)).toMatchObject({ out: "planted", counts: [1, 0] });

        chmodSync(cache, 0o777);
        expect(load(file, cache)).toMatchObject({ out: "real", counts: [0, 1] });
        chmodSync(cache, 0o700);

        const planted = path.join(dir, "planted.json");
        writeFileSync(planted, JSON.stringify({ outputText: 'console.log("planted");\n' }));
        unlinkSync(entry);
        symlinkSync(planted, entry);
        expect(load(file, cache)).toMatchObject({ out: "real", counts: [0, 1] });
    });

    it.skipIf(NOT_ROOT)(`never runs a cached entry another user owns: it transpiles instead (${NEEDS_ROOT})`, () => {
        const file = source(tempDir("src"), "real");
        const { cache, entry, plant } = plantable(file);
        plant();
        expect(load(file, cache)).toMatchObject({ out: "planted", counts: [1, 0] });
        chownSync(entry, OTHER_UID, OTHER_UID);
        expect(load(file, cache)).toMatchObject({ out: "real", counts: [0, 1] });
    });

    it.skipIf(NOT_ROOT)(`works without a cache when it may not write one (another user's checkout) (${NEEDS_ROOT})`, () => {
        const dir = tempDir("src");
        chmodSync(dir, 0o755);
        const file = source(dir, "fine");
        chmodSync(file, 0o644);
        const cache = path.join(dir, "no-access", "ts");
        mkdirSync(path.dirname(cache), { mode: 0o755 });
        expect(load(file, cache, OTHER_UID)).toMatchObject({ out: "fine", counts: [0, 1] });
        expect(readdirSync(path.dirname(cache))).toEqual([]);
    });

    it("reports a syntax error with its file and line, and stack traces point into the .ts file", () => {
        const dir = tempDir("src");
        const cache = path.join(tempDir("cache"), "ts");
        const bad = path.join(dir, "bad.ts");
        writeFileSync(bad, "const a: number = 1;\nconst b = ;\n");
        const r = load(bad, cache);
        expect(r.status).not.toBe(0);
        expect(r.err).toContain(`${bad}:2:11: Expression expected.`);
        const thrower = path.join(dir, "throws.ts");
        writeFileSync(
            thrower,
            "interface A {\n    x: number;\n}\n\nfunction f(a: A): never {\n    throw new Error(`boom ${a.x}`);\n}\nf({ x: 1 });\n",
        );
        expect(load(thrower, cache).err).toContain(`at f (${thrower}:6:11)`);
    });
});
