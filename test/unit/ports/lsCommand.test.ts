// `tenant ls`: tenants from stack files and from container labels, with states and health.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempLockDir, tempProject, tenant } from "../../support/cliRun";
import { FakeEngine, startFakeEngine } from "../../support/fakeEngine";

const labels = (t: string, service: string) => ({ "frontbase.tenant": t, "com.docker.compose.service": service });
const bind = (port: number) => [{ HostIp: "", HostPort: String(port) }];
let engine: FakeEngine;
beforeAll(async () => {
    engine = await startFakeEngine([
        {
            name: "acme_frontbase-frontend-1",
            state: "running",
            health: "healthy",
            labels: labels("acme", "frontend"),
            bindings: { "80/tcp": bind(8081) },
        },
        {
            name: "acme_frontbase-backend-1",
            state: "running",
            health: "starting",
            labels: labels("acme", "backend"),
            bindings: { "8000/tcp": bind(8005) },
        },
        { name: "acme_frontbase-redis-1", state: "exited", labels: labels("acme", "redis") },
        { name: "ghost_frontbase-edge-1", state: "exited", labels: labels("ghost", "edge"), bindings: { "3002/tcp": bind(3010) } },
        { name: "not-a-tenant", state: "running", bindings: { "80/tcp": bind(9999) } },
    ]);
});
afterAll(async () => {
    await engine.close();
});

const ACME =
    "config:\n  frontbase:tenant: acme\n  frontbase:database: postgres\n  frontbase:publicHost: vps.example.com\n  frontbase:ports:\n    backend: 8001\n    edge: 3003\n    frontend: 8081\n    redisHttp: 8082\n";

describe("tenant ls", () => {
    it("--json: one object listing tenants from stack files and from labels, with ports, states, health, URLs", async () => {
        const dir = tempProject({ "Pulumi.acme.yaml": ACME });
        const r = await tenant(["ls", "--json"], {
            FRONTBASE_PROJECT_DIR: dir,
            FRONTBASE_LOCK_DIR: tempLockDir(),
            DOCKER_HOST: engine.host,
        });
        expect(r.code).toBe(0);
        const { dockerHost, tenants } = JSON.parse(r.out);
        expect(dockerHost).toBe(engine.host);
        expect(tenants.map((t: { tenant: string }) => t.tenant)).toEqual(["acme", "ghost"]);
        const [acme, ghost] = tenants;
        expect(acme).toMatchObject({
            stackFiles: ["Pulumi.acme.yaml"],
            database: "postgres",
            ports: { backend: 8001, edge: 3003, frontend: 8081, redisHttp: 8082 },
        });
        expect(acme.urls.frontend).toBe("http://vps.example.com:8081");
        expect(acme.containers).toEqual([
            { name: "acme_frontbase-backend-1", service: "backend", state: "running", health: "starting", ports: [8005] },
            { name: "acme_frontbase-frontend-1", service: "frontend", state: "running", health: "healthy", ports: [8081] },
            { name: "acme_frontbase-redis-1", service: "redis", state: "exited", ports: [] },
        ]);
        expect(acme.problems).toEqual(["ports.backend is pinned to 8001 but its container publishes 8005; `pulumi up` will move it"]);
        expect(ghost).toMatchObject({ stackFiles: [], ports: { edge: 3010 }, urls: { edge: "http://localhost:3010" } });
    });

    it("prints a table of tenants, then each tenant's containers", async () => {
        const dir = tempProject({ "Pulumi.acme.yaml": ACME });
        const r = await tenant(["ls"], { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: tempLockDir(), DOCKER_HOST: engine.host });
        expect(r.code).toBe(0);
        const lines = r.out.split("\n");
        expect(lines[0]).toMatch(/^TENANT\s+DB\s+BACKEND\s+EDGE\s+FRONTEND\s+REDIS-HTTP\s+CONTAINERS\s+URL\s+STACK FILE$/);
        expect(lines[1]).toMatch(
            /^acme\s+postgres\s+8001\s+3003\s+8081\s+8082\s+2\/3 running, 1 healthy\s+http:\/\/vps\.example\.com:8081\s+Pulumi\.acme\.yaml$/,
        );
        expect(lines[2]).toMatch(/^ghost\s+-\s+-\s+3010\s+-\s+-\s+0\/1 running\s+-\s+-$/);
        expect(r.out).toMatch(/^ {2}acme_frontbase-redis-1\s+exited\s+-\s+-$/m);
        expect(r.out).toContain("  ! ports.backend is pinned to 8001");
    });

    it("shows a tenant with domains at https://<first domain>, as its stack's urls output, not at its loopback port", async () => {
        const withDomains = ACME.replace(
            "config:\n",
            "config:\n  frontbase:domains:\n    - acme.example.com\n    - www.acme.example.com\n",
        );
        const dir = tempProject({ "Pulumi.acme.yaml": withDomains });
        const json = await tenant(["ls", "--json"], {
            FRONTBASE_PROJECT_DIR: dir,
            FRONTBASE_LOCK_DIR: tempLockDir(),
            DOCKER_HOST: engine.host,
        });
        expect(json.code).toBe(0);
        const [acme] = JSON.parse(json.out).tenants;
        expect(acme.urls).toEqual({
            backend: "http://vps.example.com:8001",
            edge: "http://vps.example.com:3003",
            frontend: "https://acme.example.com",
            redisHttp: "http://vps.example.com:8082",
        });
        const text = await tenant(["ls"], { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: tempLockDir(), DOCKER_HOST: engine.host });
        expect(text.out.split("\n")[1]).toMatch(
            /^acme\s+postgres\s+8001\s+3003\s+8081\s+8082\s+2\/3 running, 1 healthy\s+https:\/\/acme\.example\.com\s+Pulumi\.acme\.yaml$/,
        );
    });

    it("fails clearly when the Docker Engine does not answer", async () => {
        const r = await tenant(["ls"], {
            FRONTBASE_PROJECT_DIR: tempProject(),
            FRONTBASE_LOCK_DIR: tempLockDir(),
            DOCKER_HOST: "unix:///nonexistent/docker.sock",
        });
        expect(r.code).toBe(1);
        expect(r.out).toBe("");
        expect(r.err).toContain("tenant ls: the Docker Engine at unix:///nonexistent/docker.sock does not answer");
    });
});
