// Issue 13, items 4 and 5: a tenant claimed by two stack files, and a pinned port that another
// tenant pins or holds, are refused by `preflight` (what `npm run deploy` runs first) and by
// the commands that pick one tenant's file, before anything is created. The program's own
// refusal is in test/unit/program.test.ts. A stand-in Engine and real sockets.
import type * as net from "net";
import * as path from "path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { deployProblems } from "../../../ports/deployCheck";
import { pinsOf } from "../../../project/stackPins";
import { tempLockDir, tempProject, tenant } from "../../support/cliRun";
import { FakeEngine, startFakeEngine, thisMachine } from "../../support/fakeEngine";
import { closeAll, freeBlock, listen } from "../../support/sockets";
import { nothingWritten } from "../../support/unchanged";

const held: net.Server[] = [];
afterEach(() => closeAll(held.splice(0)));
let engine: FakeEngine;
beforeAll(async () => {
    engine = await startFakeEngine([
        {
            name: "c_frontbase-backend-1",
            state: "exited",
            labels: { "frontbase.tenant": "c", "com.docker.compose.service": "backend" },
            bindings: { "8000/tcp": [{ HostIp: "", HostPort: "9711" }] },
        },
    ]);
});
afterAll(() => engine.close());

const file = (tenantName: string | undefined, ports: Record<string, number>) =>
    `config:\n${tenantName ? `  frontbase:tenant: ${tenantName}\n` : ""}  frontbase:ports:\n${Object.entries(ports)
        .map(([k, v]) => `    ${k}: ${v}\n`)
        .join("")}`;

async function preflight(files: Record<string, string>, stack: string, machine = {}) {
    const dir = tempProject(files);
    const lockDir = tempLockDir();
    const untouched = nothingWritten({ project: dir, lockDir, engine });
    const r = await tenant(
        ["preflight", stack],
        { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: lockDir, DOCKER_HOST: engine.host },
        machine,
    );
    untouched();
    return { ...r, dir };
}

describe("preflight refuses before anything is created", () => {
    it("a tenant claimed by two stack files", async () => {
        const r = await preflight(
            { "Pulumi.a.yaml": file("b", { backend: 9701 }), "Pulumi.b.yaml": file(undefined, { backend: 9702 }) },
            "a",
        );
        expect(r.code).toBe(1);
        expect(r.err).toContain(
            `Pulumi.a.yaml: frontbase:tenant: tenant b is also claimed by ${path.join(r.dir, "Pulumi.b.yaml")} (stack b); two stacks would fight over one set of containers and volumes`,
        );
    });

    it("a pinned port another stack file pins", async () => {
        const r = await preflight(
            { "Pulumi.a.yaml": file(undefined, { backend: 9703 }), "Pulumi.b.yaml": file(undefined, { frontend: 9703 }) },
            "a",
        );
        expect([r.code, r.err]).toEqual([
            1,
            expect.stringContaining(
                `Pulumi.a.yaml: frontbase:ports.backend: 9703 is already taken by tenant b's stack file ${path.join(r.dir, "Pulumi.b.yaml")} (ports.frontend)`,
            ),
        ]);
    });

    it("a pinned port another tenant's container publishes (stopped, so Docker binds it again on start)", async () => {
        const r = await preflight({ "Pulumi.a.yaml": file(undefined, { edge: 9711 }) }, "a");
        expect([r.code, r.err]).toEqual([
            1,
            expect.stringContaining(
                "frontbase:ports.edge: 9711 is already taken by container c_frontbase-backend-1 of tenant c (backend), exited",
            ),
        ]);
    });

    it("a pinned port a process listens on (a real socket)", async () => {
        const port = await freeBlock(1);
        held.push(await listen(port));
        const r = await preflight({ "Pulumi.a.yaml": file(undefined, { redisHttp: port }) }, "a", thisMachine());
        expect([r.code, r.err]).toEqual([
            1,
            expect.stringContaining(`frontbase:ports.redisHttp: ${port} is already taken by a process listening on 127.0.0.1`),
        ]);
    });

    it("but passes those checks for a tenant of its own with free pins (images are the next thing it checks)", async () => {
        const port = await freeBlock(1);
        const r = await preflight(
            { "Pulumi.a.yaml": file(undefined, { backend: port }), "Pulumi.b.yaml": file(undefined, { backend: port + 1 }) },
            "a",
        );
        expect(r.err).not.toContain("already taken");
        expect(r.err).not.toContain("also claimed");
        expect(r.err).toContain("image frontbase-backend:latest (frontbase:images.backend) is not on the Docker host");
    });
});

describe("commands that pick one tenant's stack file", () => {
    it("refuse a tenant two files claim: nginx would otherwise proxy to the wrong tenant's port", async () => {
        const dir = tempProject({ "Pulumi.a.yaml": file("b", { frontend: 9721 }), "Pulumi.b.yaml": file(undefined, { frontend: 9722 }) });
        const r = await tenant(["nginx", "b", "--domain", "b.example.com"], {
            FRONTBASE_PROJECT_DIR: dir,
            FRONTBASE_LOCK_DIR: tempLockDir(),
            DOCKER_HOST: engine.host,
        });
        expect([r.code, r.out]).toEqual([1, ""]);
        expect(r.err).toContain(
            `tenant b is claimed by 2 stack files: ${path.join(dir, "Pulumi.a.yaml")}, ${path.join(dir, "Pulumi.b.yaml")}`,
        );
    });
});

describe("deployProblems (pure)", () => {
    const pins = (stack: string, config: Record<string, string>) =>
        pinsOf({ stack, file: `/p/Pulumi.${stack}.yaml`, config, secureKeys: new Set(), secure: new Map() });
    it("names every conflict once, and none for the tenant's own file", () => {
        const fleet = [
            pins("a", { "frontbase:ports": '{"backend":1}' }),
            pins("b", { "frontbase:ports": '{"edge":1}' }),
            pins("x", { "frontbase:tenant": "a" }),
        ];
        expect(deployProblems({ stack: "a", tenant: "a", pinned: { backend: 1 } }, fleet)).toEqual([
            expect.stringContaining("frontbase:tenant: tenant a is also claimed by /p/Pulumi.x.yaml (stack x)"),
            expect.stringContaining("frontbase:ports.backend: 1 is already taken by tenant b's stack file /p/Pulumi.b.yaml"),
        ]);
        expect(deployProblems({ stack: "b", tenant: "b", pinned: { edge: 2 } }, fleet)).toEqual([]);
    });
});
