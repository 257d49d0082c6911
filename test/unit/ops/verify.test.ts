import { describe, expect, it } from "vitest";
import { assessTenant } from "../../../tenants/status";
import type { TenantContainer } from "../../../docker/containers";
import { containerUrn, jobUrn, verdictOf } from "../../../cli/ops/verify";

const c = (service: string, state: string, health: TenantContainer["health"]): TenantContainer => ({
    id: service,
    name: `t1_frontbase-${service}-1`,
    tenant: "t1",
    service,
    state,
    health,
    ports: [],
    tty: false,
    restarts: 0,
});
const healthySqlite = ["redis", "redis-http", "backend", "edge", "frontend"].map((s) =>
    c(s, "running", s === "redis-http" ? "none" : "healthy"),
);
const config = { "frontbase:tenant": "t1", "frontbase:database": "sqlite" };
const who = { stack: "prod-t1", project: "frontbase", tenant: "t1" };

function verdict(containers: TenantContainer[]) {
    return verdictOf(assessTenant({ tenant: "t1", host: "unix:///x", stackConfig: config, containers }), who);
}

describe("verify: a deploy is green only when Docker says every service is", () => {
    it("names the URN pulumi gives the tenant's container (TenantStack t1 parents it)", () => {
        expect(containerUrn({ ...who, service: "backend" })).toBe(
            "urn:pulumi:prod-t1::frontbase::frontbase:index:TenantStack$docker:index/container:Container::t1-backend-container",
        );
    });

    it("is healthy when every expected service runs healthy (redis-http has no check)", () => {
        expect(verdict(healthySqlite)).toMatchObject({ healthy: true, broken: [], replaceUrns: [] });
    });

    it("names an unhealthy backend and the command that re-creates it", () => {
        const v = verdict(healthySqlite.map((x) => (x.service === "backend" ? c("backend", "running", "unhealthy") : x)));
        expect(v.healthy).toBe(false);
        expect(v.broken).toEqual(["backend"]);
        expect(v.recovery).toBe(
            "pulumi up --stack prod-t1 --replace 'urn:pulumi:prod-t1::frontbase::frontbase:index:TenantStack$docker:index/container:Container::t1-backend-container'",
        );
    });

    it("counts an exited and a missing container as broken, in start order; only the existing one is replaced", () => {
        const v = verdict(
            healthySqlite.filter((x) => x.service !== "redis").map((x) => (x.service === "edge" ? c("edge", "exited", "none") : x)),
        );
        expect(v.broken).toEqual(["redis", "edge"]);
        expect(v.missing).toEqual(["redis"]);
        expect(v.replaceUrns).toEqual([containerUrn({ ...who, service: "edge" })]);
    });

    it("recovers missing containers with a plain up: pulumi creates what is in the program and not in state", () => {
        const v = verdict(healthySqlite.filter((x) => x.service !== "frontend"));
        expect([v.healthy, v.replaceUrns, v.recovery]).toEqual([false, [], "pulumi up --stack prod-t1"]);
    });

    it("counts a crash loop as broken: health reads 'starting' again after every restart", () => {
        const v = verdict(
            healthySqlite.map((x) => (x.service === "backend" ? { ...c("backend", "running", "starting"), restarts: 4 } : x)),
        );
        expect([v.healthy, v.broken, v.starting]).toEqual([false, ["backend"], []]);
        expect(v.replaceUrns).toEqual([containerUrn({ ...who, service: "backend" })]);
    });

    it("is not healthy but not broken while a service is still starting", () => {
        const v = verdict(healthySqlite.map((x) => (x.service === "edge" ? c("edge", "running", "starting") : x)));
        expect(v).toMatchObject({ healthy: false, broken: [], starting: ["edge"], recovery: undefined });
    });
});

describe("verify: the redis-token job", () => {
    const job = (state: string, exitCode: number): TenantContainer => ({
        ...c("redis-token (job)", state, "none"),
        job: "redis-token",
        exitCode,
    });
    it("is done once exited with 0, and fails the tenant when it exited otherwise (the provider never checks)", () => {
        expect(verdict([...healthySqlite, job("exited", 0)]).healthy).toBe(true);
        const v = verdict([...healthySqlite, job("exited", 22)]);
        expect([v.healthy, v.failedJobs]).toEqual([false, ["redis-token"]]);
        expect(v.replaceUrns).toEqual([jobUrn({ ...who, job: "redis-token" })]);
        expect(v.replaceUrns[0]).toBe(
            "urn:pulumi:prod-t1::frontbase::frontbase:index:TenantStack$docker:index/container:Container::t1-redis-token-job",
        );
    });
});
