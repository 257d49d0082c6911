// Load failures that vitest never sees but `pulumi up` would: the program is transpiled as it
// loads (scripts/pulumi-register.js; type errors are npm test's, no longer the runner's), the
// runner resolves the entry point from package.json's main, and require()s ESM-only packages.
// Each case is a throwaway copy of the project with one thing broken; the engine double must
// fail the preview with the runner's own error, and create nothing. And scenario 9 of issue 4:
// bad config fails the `up` with an error naming the key, before anything is created.
import { promises as fs } from "fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineError, preview, up } from "../engine/engine";
import { removeTenant, tenantObjects } from "./support/docker";
import { probeDocker } from "./support/probe";
import { copyProject, CopyOptions, PROJECT_DIR, ProjectCopy } from "./support/projectCopy";
import { freePorts, tempStateDir, tenantConfig, testTenant } from "./support/tenants";

const PROGRAM = 'import { tenantProgram } from "./stacks/tenant";\n';

const CASES: [string, CopyOptions, RegExp][] = [
    [
        "a syntax error (the loader transpiles each file as it is required)",
        { files: { "index.ts": `${PROGRAM}const port = ;\nexport = tenantProgram();\n` } },
        /SyntaxError: .*\/index\.ts:2:14: Expression expected\./,
    ],
    [
        "an ESM-only dependency that cannot be require()d (top-level await)",
        {
            modules: {
                "esm-only-dep": {
                    "package.json": JSON.stringify({
                        name: "esm-only-dep",
                        version: "1.0.0",
                        type: "module",
                        exports: "./index.js",
                        types: "./index.d.ts",
                    }),
                    "index.js": "export const ready = await Promise.resolve(true);\n",
                    "index.d.ts": "export declare const ready: boolean;\n",
                },
            },
            files: { "index.ts": `${PROGRAM}import { ready } from "esm-only-dep";\nexport = ready ? tenantProgram() : undefined;\n` },
        },
        /require\(\) cannot be used on an ESM graph with top-level await/,
    ],
    [
        // The runner warns and falls back to the directory; node then finds package.json's main missing too.
        "a package.json main that does not exist, and no index.ts",
        { packageJson: (pkg) => ({ ...pkg, main: "bin/index.js" }), remove: ["index.ts"] },
        /Cannot find module '.*\/frontbase-project-\w+\/bin\/index\.js'\. Please verify that the package\.json has a valid "main" entry/,
    ],
];

const probe = probeDocker([], "the broken-program suite");

describe.skipIf(probe.reason)("a program the runner cannot load fails the preview", () => {
    const tenant = testTenant("broken");
    const copies: ProjectCopy[] = [];
    let stateDir: string;

    beforeAll(async () => void (stateDir = await tempStateDir()));
    afterAll(async () => {
        await removeTenant(tenant);
        await Promise.all(copies.map((c) => c.remove()));
        if (stateDir) await fs.rm(stateDir, { recursive: true, force: true });
    });

    it.each(CASES)("%s", async (_, broken, message) => {
        const copy = await copyProject(broken);
        copies.push(copy);
        const error = await preview({
            projectDir: copy.dir,
            stack: tenant,
            stateDir,
            config: tenantConfig(tenant, await freePorts()),
        }).then(
            () => undefined,
            (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(EngineError);
        const e = error as EngineError;
        expect(e.message).toMatch(message);
        expect(e.result.runner?.code).not.toBe(0);
        // It failed while loading: nothing of the program reached the engine.
        expect(e.result.registrations.filter((x) => x.type !== "pulumi:pulumi:Stack")).toEqual([]);
        const o = await tenantObjects(tenant);
        expect([o.containers, o.networks, o.volumes]).toEqual([[], [], []]);
    });
});

describe.skipIf(probe.reason)("bad config", () => {
    const bad = testTenant("bad");
    let stateDir: string;

    beforeAll(async () => void (stateDir = await tempStateDir()));
    afterAll(async () => {
        await removeTenant(bad);
        if (stateDir) await fs.rm(stateDir, { recursive: true, force: true });
    });

    it("9. fails the up with an error naming the key and what is allowed, and creates nothing", async () => {
        const attempt = up({
            projectDir: PROJECT_DIR,
            stack: bad,
            stateDir,
            config: tenantConfig(bad, await freePorts(), { database: "mysql" }),
        });
        await expect(attempt).rejects.toBeInstanceOf(EngineError);
        await expect(attempt).rejects.toThrow('frontbase:database: must be "sqlite" or "postgres"');
        const result = await attempt.catch((e: EngineError) => e.result);
        expect(result.registrations.filter((r) => r.custom)).toEqual([]);
        const left = await tenantObjects(bad);
        expect([left.containers, left.networks, left.volumes]).toEqual([[], [], []]);
    });
});
