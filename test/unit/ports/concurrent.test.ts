// Ten simultaneous `tenant new` processes, in two checkouts of the project on one host:
// no port is handed out twice. Real processes, run the way `npm run tenant` runs them.
import { execFile } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkFleet } from "../../../ports/fleetCheck";
import { readStackPins } from "../../../project/stackPins";
import { BASE_ENV, tempProject } from "../../support/cliRun";
import { FakeEngine, startFakeEngine } from "../../support/fakeEngine";
import { tempDir } from "../../support/temp";

const run = promisify(execFile);
const REPO = path.resolve(__dirname, "../../..");
const N = 10;
/** `npm run tenant`'s command from package.json (`node <args>`), run as npm runs it, minus npm. */
const TENANT_ARGS = (JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")).scripts.tenant as string)
    .replace(/^node /, "")
    .split(" ");

let engine: FakeEngine;
beforeAll(async () => {
    engine = await startFakeEngine([]);
});
afterAll(async () => {
    await engine.close();
});

describe("concurrent tenant new", () => {
    it(`${N} processes at once, across two checkouts sharing the host: every port distinct, every file as printed`, async () => {
        const checkouts = [tempProject(), tempProject()];
        const lockDir = tempDir("lock");
        const results = await Promise.all(
            Array.from({ length: N }, (_, i) =>
                run(process.execPath, [...TENANT_ARGS, "new", `t${i}`, "--json"], {
                    cwd: REPO,
                    env: { ...BASE_ENV, FRONTBASE_PROJECT_DIR: checkouts[i % 2], FRONTBASE_LOCK_DIR: lockDir, DOCKER_HOST: engine.host },
                }),
            ),
        );
        const printed = results.map((r) => JSON.parse(r.stdout) as { tenant: string; ports: Record<string, number> });
        expect(printed.map((p) => p.tenant)).toEqual(Array.from({ length: N }, (_, i) => `t${i}`));
        const all = printed.flatMap((p) => Object.values(p.ports));
        expect(all).toHaveLength(4 * N);
        expect(new Set(all).size).toBe(4 * N);

        const pins = (await Promise.all(checkouts.map((d) => readStackPins(d)))).flat();
        expect(Object.fromEntries(pins.map((p) => [p.tenant, p.ports]))).toEqual(
            Object.fromEntries(printed.map((p) => [p.tenant, p.ports])),
        );
        expect(checkFleet(pins).problems).toEqual([]);
    }, 120_000);
});
