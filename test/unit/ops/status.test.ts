import { describe, expect, it } from "vitest";
import { renderStatus } from "../../../cli/ops/status";
import { assessTenant, expectedServices } from "../../../tenants/status";
import type { TenantContainer } from "../../../docker/containers";

const ctr = (service: string, state = "running", health: TenantContainer["health"] = "healthy", hostPort?: number): TenantContainer => ({
    id: `id-${service}`,
    name: `acme_frontbase-${service}-1`,
    tenant: "acme",
    service,
    state,
    health,
    ports: hostPort ? [{ hostIp: "0.0.0.0", hostPort, containerPort: 80, protocol: "tcp" }] : [],
    tty: false,
    restarts: 0,
});
const sqlite = { "frontbase:database": "sqlite", "frontbase:publicHost": "vps.example.com" };
const healthySet = () => [
    ctr("redis"),
    ctr("redis-http", "running", "none", 8079),
    ctr("backend", "running", "healthy", 8000),
    ctr("edge", "running", "healthy", 3002),
    ctr("frontend", "running", "healthy", 8080),
];

describe("expectedServices", () => {
    it("includes postgres only for postgres tenants, nothing without a stack file", () => {
        expect(expectedServices({})).toEqual(["redis", "redis-http", "backend", "edge", "frontend"]);
        expect(expectedServices({ "frontbase:database": "postgres" })).toEqual([
            "postgres",
            "redis",
            "redis-http",
            "backend",
            "edge",
            "frontend",
        ]);
        expect(expectedServices(undefined)).toEqual([]);
    });
});

describe("assessTenant", () => {
    it("is healthy when every expected service runs healthy or has no check, with URLs on the public host", () => {
        const s = assessTenant({ tenant: "acme", host: "unix:///var/run/docker.sock", stackConfig: sqlite, containers: healthySet() });
        expect(s.healthy).toBe(true);
        expect(s.problems).toEqual([]);
        expect(s.services.find((x) => x.service === "frontend")).toMatchObject({
            ports: ["0.0.0.0:8080->80/tcp"],
            urls: ["http://vps.example.com:8080"],
        });
        expect(s.services.find((x) => x.service === "redis")).toMatchObject({ ports: [], urls: [], health: "healthy" });
    });

    it.each([
        [[ctr("redis", "exited", "none")], "redis: exited"],
        [[ctr("redis", "running", "unhealthy")], "redis: running, unhealthy"],
        [[ctr("redis", "running", "starting")], "redis: running, starting"],
        [[], "redis: no container"],
    ])("reports what is wrong: %#", (redis, problem) => {
        const others = healthySet().filter((c) => c.service !== "redis");
        const s = assessTenant({ tenant: "acme", host: "h", stackConfig: sqlite, containers: [...redis, ...others] });
        expect(s.healthy).toBe(false);
        expect(s.problems).toEqual([problem]);
    });

    it("a postgres tenant without its postgres container is not healthy", () => {
        const s = assessTenant({ tenant: "acme", host: "h", stackConfig: { "frontbase:database": "postgres" }, containers: healthySet() });
        expect(s.problems).toEqual(["postgres: no container"]);
        expect(s.services.at(-1)).toMatchObject({ service: "postgres", state: "missing" });
    });

    it("renders a table and a verdict", () => {
        const s = assessTenant({
            tenant: "acme",
            host: "h",
            stackFile: "/p/Pulumi.acme.yaml",
            stackConfig: sqlite,
            containers: [ctr("backend", "exited", "unhealthy", 8000)],
        });
        const text = renderStatus(s);
        expect(text.split("\n")[0]).toBe("tenant acme on h (stack file /p/Pulumi.acme.yaml)");
        expect(text).toMatch(
            /^backend\s+acme_frontbase-backend-1\s+exited\s+unhealthy\s+0\.0\.0\.0:8000->80\/tcp\s+http:\/\/vps\.example\.com:8000$/m,
        );
        expect(text).toMatch(/^frontend\s+-\s+missing\s+-\s+-\s+-$/m);
        expect(text.split("\n").at(-1)).toBe(
            "NOT healthy: backend: exited, unhealthy; redis: no container; redis-http: no container; edge: no container; frontend: no container",
        );
    });
});
