// A suspended tenant (`frontbase:suspended: true`), judged: the key validated; `status`, `verify`,
// `ls` and the dashboard's rows call it suspended, not unhealthy; a tenant with two slots keeps its
// slot while suspended. (What the program declares: tenantStackSuspended.test.ts; the commands:
// ops/suspend.test.ts.)
import { describe, expect, it } from "vitest";
import { ConfigError, parseTenantConfig } from "../../components/config";
import { LiveAppContainer, planSlot, SLOT_JOB, SlotMember } from "../../components/slots";
import type { TenantContainer } from "../../docker/containers";
import { renderStatus } from "../../cli/ops/status";
import { verdictOf } from "../../cli/ops/verify";
import { tenantsReport } from "../../cli/ops/tenantsList";
import { tenantRows } from "../../tenants/rows";
import { assessTenant } from "../../tenants/status";
import { pinsOf } from "../../project/stackPins";

const parse = (raw: Record<string, string>) => parseTenantConfig(raw, { stack: "acme", secretKeys: new Set() });
function problemsOf(raw: Record<string, string>): readonly string[] {
    try {
        parse(raw);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    throw new Error("expected a ConfigError");
}

describe("frontbase:suspended", () => {
    it("is false unless set, true or false when set", () => {
        expect([parse({}).suspended, parse({ "frontbase:suspended": "true" }).suspended]).toEqual([false, true]);
        expect(parse({ "frontbase:suspended": "false" }).suspended).toBe(false);
    });
    it.each(["yes", "1", '"true"', "on", "{}"])("refuses %s, naming the key and what is allowed", (value) => {
        expect(problemsOf({ "frontbase:suspended": value })).toEqual([
            "frontbase:suspended: must be true or false (`npm run tenant -- suspend|resume <tenant>` writes it)",
        ]);
    });
});

const ctr = (service: string, state: string, over: Partial<TenantContainer> = {}): TenantContainer => ({
    id: `id-${service}`,
    name: `acme_frontbase-${service}-1`,
    tenant: "acme",
    service,
    state,
    health: state === "running" ? "healthy" : "none",
    ports: [],
    tty: false,
    restarts: 0,
    ...over,
});
const SERVICES = ["redis", "redis-http", "backend", "edge", "frontend"];
const JOB = (state: string, exitCode?: number) => ctr("redis-token (job)", state, { job: "redis-token", exitCode });
const SUSPENDED = { "frontbase:database": "sqlite", "frontbase:suspended": "true" };
const assess = (containers: TenantContainer[], stackConfig: Record<string, string> = SUSPENDED) =>
    assessTenant({ tenant: "acme", host: "unix:///var/run/docker.sock", stackConfig, containers });
const verdict = (containers: TenantContainer[], stackConfig?: Record<string, string>) =>
    verdictOf(assess(containers, stackConfig), { stack: "acme", project: "frontbase", tenant: "acme" });

describe("a suspended tenant's status and verify", () => {
    it("is suspended and passes when no service runs (created, exited), the job exited 0 or never started", () => {
        for (const job of [JOB("exited", 0), JOB("created")]) {
            const containers = [...SERVICES.map((s) => ctr(s, s === "redis" ? "exited" : "created")), job];
            const s = assess(containers);
            expect([s.healthy, s.suspended, s.problems]).toEqual([true, true, []]);
            expect(renderStatus(s).split("\n").at(-1)).toBe(
                "suspended: no service runs; volumes, ports and credentials kept (npm run tenant -- resume acme)",
            );
            expect(verdict(containers)).toMatchObject({ healthy: true, broken: [], failedJobs: [], recovery: undefined });
        }
    });
    it("passes a suspended swarm tenant, whose services have no task at all", () => {
        expect(assess([JOB("exited", 0)])).toMatchObject({ healthy: true, suspended: true, problems: [] });
        expect(verdict([JOB("exited", 0)]).healthy).toBe(true);
    });
    it("is not healthy while a service still runs (the suspension not deployed yet): verify names it, the recovery is a plain up", () => {
        const containers = [...SERVICES.map((s) => ctr(s, s === "backend" ? "running" : "created")), JOB("exited", 0)];
        expect(assess(containers).problems).toEqual([
            "backend: running, but the stack file says suspended (not deployed yet: npm run deploy -- <stack>)",
        ]);
        expect(verdict(containers)).toMatchObject({ healthy: false, broken: ["backend"], recovery: "pulumi up --stack acme" });
    });
    it("still fails a job that failed", () => {
        expect(verdict([...SERVICES.map((s) => ctr(s, "created")), JOB("exited", 7)])).toMatchObject({
            healthy: false,
            failedJobs: ["redis-token"],
        });
    });
    it("without the key, the same stopped containers are unhealthy, as before", () => {
        const containers = [...SERVICES.map((s) => ctr(s, "created")), JOB("exited", 0)];
        const s = assess(containers, { "frontbase:database": "sqlite" });
        expect([s.healthy, s.suspended, s.problems[0]]).toEqual([false, false, "redis: created"]);
        expect(verdict(containers, { "frontbase:database": "sqlite" }).broken).toEqual(SERVICES);
    });
});

describe("ls and the dashboard's rows", () => {
    it("say suspended, with the ports its stack file pins", () => {
        const ports = { backend: 8001, edge: 3003, frontend: 8081, redisHttp: 8082 };
        const file = (suspended: boolean) =>
            pinsOf({
                stack: "acme",
                file: "/p/Pulumi.acme.yaml",
                config: { "frontbase:ports": JSON.stringify(ports), ...(suspended ? { "frontbase:suspended": "true" } : {}) },
                secureKeys: new Set(),
                secure: new Map(),
            });
        const rows = tenantRows(
            [file(true)],
            SERVICES.map((s) => ctr(s, "created")),
        );
        expect([rows[0].suspended, rows[0].ports]).toEqual([true, ports]);
        expect(tenantsReport(rows, "h").split("\n")[1]).toMatch(/^acme\s+sqlite\s+8001\s+3003\s+8081\s+8082\s+suspended \(0 running\)\s/);
        expect(tenantRows([file(false)], [])[0].suspended).toBe(false);
    });
});

describe("planSlot for a suspended tenant with two slots", () => {
    const R = "rev-suspended";
    const tier = (slot: 1 | 2, revision: string, running: boolean): LiveAppContainer[] =>
        (["backend", "edge", "frontend", SLOT_JOB] as SlotMember[]).map((member) => ({
            member,
            slot,
            revision,
            running,
            healthy: running,
            created: 1,
        }));
    it("stays in the slot whose containers are at the revision, though none runs (so the drift check is clean)", () => {
        expect(planSlot(tier(2, R, false), R, { suspended: true })).toMatchObject({ slot: 2, deleteFirst: { backend: true } });
        // Not suspended, containers that do not run are no serving slot: the tier goes to the other.
        expect(planSlot(tier(2, R, false), R).slot).toBe(1);
    });
    it("moves a running tier to the other slot when the suspension changes its revision", () => {
        expect(planSlot(tier(1, "rev-running", true), R, { suspended: true })).toMatchObject({ slot: 2, deleteFirst: { backend: false } });
    });
});
