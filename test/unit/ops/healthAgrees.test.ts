// `ls` and `status` read a tenant's containers through one reader (docker/containers.ts), with
// state and health from the inspect's State.Health: they cannot disagree about one container,
// even when the list's Status text says otherwise (here: a list a moment older than the inspect).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempLockDir, tempProject, tenant } from "../../support/cliRun";
import { FakeEngine, startFakeEngine } from "../../support/fakeEngine";

const labels = (service: string) => ({ "frontbase.tenant": "acme", "com.docker.compose.service": service });
const bind = (port: number) => [{ HostIp: "", HostPort: String(port) }];
let engine: FakeEngine;
beforeAll(async () => {
    engine = await startFakeEngine(
        [
            {
                name: "acme_frontbase-backend-1",
                state: "running",
                health: "unhealthy",
                status: "Up 5 minutes (healthy)",
                labels: labels("backend"),
                bindings: { "8000/tcp": bind(8001) },
            },
            {
                name: "acme_frontbase-edge-1",
                state: "running",
                health: "starting",
                status: "Up 2 seconds",
                labels: labels("edge"),
                bindings: { "3002/tcp": bind(3003) },
            },
            {
                name: "acme_frontbase-frontend-1",
                state: "running",
                health: "healthy",
                labels: labels("frontend"),
                bindings: { "80/tcp": bind(8081) },
            },
            { name: "acme_frontbase-redis-http-1", state: "running", labels: labels("redis-http"), bindings: { "80/tcp": bind(8082) } },
            { name: "acme_frontbase-redis-1", state: "exited", status: "Up 1 second (healthy)", labels: labels("redis") },
        ],
        [{ name: "acme_frontbase_redis_data", labels: { "frontbase.tenant": "acme" } }],
    );
});
afterAll(async () => {
    await engine.close();
});

describe("ls and status", () => {
    it("report the same state and health for every container, from State.Health", async () => {
        const env = {
            FRONTBASE_PROJECT_DIR: tempProject({ "Pulumi.acme.yaml": "config:\n  frontbase:publicHost: vps.example.com\n" }),
            FRONTBASE_LOCK_DIR: tempLockDir(),
            DOCKER_HOST: engine.host,
        };
        const ls = await tenant(["ls", "--json"], env);
        const status = await tenant(["status", "acme", "--json"], env);
        expect([ls.code, status.code]).toEqual([0, 3]);
        const listed = JSON.parse(ls.out).tenants[0].containers as { name: string; state: string; health?: string }[];
        const reported = JSON.parse(status.out).services as { container: string; state: string; health: string }[];
        const byLs = Object.fromEntries(listed.map((c) => [c.name, `${c.state}/${c.health ?? "-"}`]));
        const byStatus = Object.fromEntries(reported.map((s) => [s.container, `${s.state}/${s.health}`]));
        expect(byLs).toEqual({
            "acme_frontbase-backend-1": "running/unhealthy",
            "acme_frontbase-edge-1": "running/starting",
            "acme_frontbase-frontend-1": "running/healthy",
            "acme_frontbase-redis-http-1": "running/-",
            "acme_frontbase-redis-1": "exited/-",
        });
        expect(byStatus).toEqual(byLs);
        expect(JSON.parse(status.out).volumes).toEqual(["acme_frontbase_redis_data"]);
    });

    it("the ls table says the same", async () => {
        const r = await tenant(["ls"], {
            FRONTBASE_PROJECT_DIR: tempProject(),
            FRONTBASE_LOCK_DIR: tempLockDir(),
            DOCKER_HOST: engine.host,
        });
        expect(r.out).toMatch(/^acme\s+-\s+8001\s+3003\s+8081\s+8082\s+4\/5 running, 1 healthy\s+http:\/\/localhost:8081\s+-$/m);
        expect(r.out).toMatch(/^ {2}acme_frontbase-backend-1\s+running\s+unhealthy\s+8001$/m);
    });
});
