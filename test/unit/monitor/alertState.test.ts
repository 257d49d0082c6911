// The alerts' state machine and what it is fed: each finding fires once when it has lasted its
// hold time, stays quiet while it lasts, resolves once; what could not be looked at stays as it
// was; and the checks turn observations into findings by their thresholds.
import { describe, expect, it } from "vitest";
import { advance, Alert } from "../../../monitor/alertState";
import { Finding, look, Observation, Thresholds } from "../../../monitor/findings";
import type { TenantContainer } from "../../../docker/containers";

const MIN = 60_000;
const T0 = Date.parse("2026-01-10T03:00:00Z");
const down = (subject = "backend", o: Partial<Finding> = {}): Finding => ({
    key: `service:acme:${subject}`,
    check: "service",
    tenant: "acme",
    subject,
    message: `${subject} is exited`,
    holdMs: 5 * MIN,
    ...o,
});

describe("advance: fire once, resolve once", () => {
    it("holds a new finding as pending until it has lasted its hold time, then fires it once and stays quiet while it lasts", () => {
        const first = advance({}, { findings: [down()], unknown: [] }, T0);
        expect(first.events).toEqual([]);
        expect(first.pending.map((a) => a.key)).toEqual(["service:acme:backend"]);
        const early = advance(first.alerts, { findings: [down()], unknown: [] }, T0 + 4 * MIN);
        expect(early.events).toEqual([]);
        const fires = advance(early.alerts, { findings: [down()], unknown: [] }, T0 + 5 * MIN);
        expect(fires.events).toEqual([
            {
                id: `fired:service:acme:backend:${T0 + 5 * MIN}`,
                event: "fired",
                alert: expect.objectContaining({ key: "service:acme:backend", since: T0, firedAt: T0 + 5 * MIN }),
            },
        ]);
        expect(fires.firing).toHaveLength(1);
        const still = advance(
            fires.alerts,
            { findings: [down("backend", { message: "backend is exited (exit 137)" })], unknown: [] },
            T0 + 60 * MIN,
        );
        expect(still.events).toEqual([]);
        expect(still.firing[0]).toMatchObject({ message: "backend is exited (exit 137)", firedAt: T0 + 5 * MIN });
        const gone = advance(still.alerts, { findings: [], unknown: [] }, T0 + 61 * MIN);
        expect(gone.events).toEqual([
            {
                id: `resolved:service:acme:backend:${T0 + 5 * MIN}`,
                event: "resolved",
                alert: expect.objectContaining({ key: "service:acme:backend", resolvedAt: T0 + 61 * MIN }),
            },
        ]);
        expect(gone.alerts).toEqual({});
        expect(advance(gone.alerts, { findings: [], unknown: [] }, T0 + 62 * MIN).events).toEqual([]);
    });

    it("counts the hold from when the condition began when the observation knows it, so one run is enough", () => {
        const a = advance({}, { findings: [down("backend", { since: T0 - 10 * MIN })], unknown: [] }, T0);
        expect(a.events.map((e) => e.event)).toEqual(["fired"]);
        expect(a.firing[0].since).toBe(T0 - 10 * MIN);
        const atOnce = advance({}, { findings: [down("x", { holdMs: 0 })], unknown: [] }, T0);
        expect(atOnce.events).toHaveLength(1);
    });

    it("forgets a finding that goes away before it fired, without an event", () => {
        const pending = advance({}, { findings: [down()], unknown: [] }, T0);
        const gone = advance(pending.alerts, { findings: [], unknown: [] }, T0 + MIN);
        expect(gone.events).toEqual([]);
        expect(gone.alerts).toEqual({});
    });

    it("keeps what could not be looked at as it was: no resolution because a check failed", () => {
        const fired = advance(
            {},
            {
                findings: [down("backend", { holdMs: 0 }), down("x", { key: "backup:acme:last backup", check: "backup", holdMs: 0 })],
                unknown: [],
            },
            T0,
        );
        const blind = advance(fired.alerts, { findings: [], unknown: ["service:acme:"] }, T0 + MIN);
        expect(blind.events.map((e) => `${e.event} ${e.alert.key}`)).toEqual(["resolved backup:acme:last backup"]);
        expect(Object.keys(blind.alerts)).toEqual(["service:acme:backend"]);
        expect(blind.firing.map((a: Alert) => a.key)).toEqual(["service:acme:backend"]);
    });

    it("orders a run's events: resolutions first, then new alerts, each by key", () => {
        const before = advance({}, { findings: [down("a", { holdMs: 0 })], unknown: [] }, T0);
        const next = advance(before.alerts, { findings: [down("c", { holdMs: 0 }), down("b", { holdMs: 0 })], unknown: [] }, T0 + MIN);
        expect(next.events.map((e) => `${e.event} ${e.alert.subject}`)).toEqual(["resolved a", "fired b", "fired c"]);
    });
});

const ctr = (service: string, o: Partial<TenantContainer> = {}): TenantContainer => ({
    id: service,
    name: `acme_frontbase-${service}-1`,
    tenant: "acme",
    service,
    state: "running",
    health: "healthy",
    ports: [],
    tty: false,
    restarts: 0,
    ...o,
});

const thresholds: Thresholds = {
    downForMs: 5 * MIN,
    backupAgeMs: 26 * 60 * MIN,
    certWithinMs: 14 * 24 * 60 * MIN,
    volumeBytes: 1024 ** 3,
    drillAgeMs: 8 * 24 * 60 * MIN,
};
const observation = (o: Partial<Observation> = {}): Observation => ({
    now: T0,
    hosts: [
        {
            dockerHost: "unix:///d.sock",
            containers: [ctr("redis"), ctr("backend"), ctr("edge"), ctr("frontend"), ctr("redis-http", { health: "none" })],
            volumes: [],
            stackTenants: ["acme"],
            isDefault: true,
        },
    ],
    expected: { acme: ["redis", "redis-http", "backend", "edge", "frontend"] },
    backups: { last: { acme: new Date(T0 - 60 * MIN).toISOString() } },
    drills: { acme: { at: new Date(T0 - 24 * 60 * MIN).toISOString(), tenant: "acme", drillTenant: "d", passed: true, totalMs: 1 } },
    unreadable: [],
    ...o,
});

describe("look: observations to findings", () => {
    it("finds nothing in a healthy, backed-up, drilled fleet", () => {
        expect(look(observation(), thresholds)).toEqual({ findings: [], unknown: [] });
    });

    it("finds each service down, unhealthy, restarting, still starting or missing, with when it began when Docker says", () => {
        const host = observation().hosts[0];
        const o = observation({
            hosts: [
                {
                    ...host,
                    containers: [
                        ctr("redis", { state: "exited", stateSince: "2026-01-10T02:50:00Z" }),
                        ctr("backend", { health: "unhealthy", restarts: 2 }),
                        ctr("edge", { state: "restarting", restarts: 7 }),
                        ctr("frontend", { health: "starting", stateSince: "2026-01-10T02:59:00Z" }),
                        ctr("redis-token (job)", { job: "redis-token", state: "exited", exitCode: 0 }),
                    ],
                },
            ],
        });
        const found = look(o, thresholds).findings;
        expect(found.map((f) => [f.key, f.message, f.since ?? null])).toEqual([
            ["service:acme:redis", "redis (acme_frontbase-redis-1) is exited", Date.parse("2026-01-10T02:50:00Z")],
            ["service:acme:backend", "backend (acme_frontbase-backend-1) is unhealthy (restarted 2 times)", null],
            ["service:acme:edge", "edge (acme_frontbase-edge-1) is restarting (restarted 7 times)", null],
            ["service:acme:frontend", "frontend (acme_frontbase-frontend-1) is still starting", Date.parse("2026-01-10T02:59:00Z")],
            ["service:acme:redis-http", "redis-http has no container", null],
        ]);
        expect(found.every((f) => f.holdMs === 5 * MIN)).toBe(true);
    });

    it("fires backups, drills, certificates and volumes by their thresholds, at once; a threshold that is off checks nothing", () => {
        const o = observation({
            backups: { last: { acme: new Date(T0 - 27 * 60 * MIN).toISOString() } },
            drills: {
                acme: {
                    at: new Date(T0 - MIN).toISOString(),
                    tenant: "acme",
                    drillTenant: "d",
                    passed: false,
                    reason: "login: HTTP 401",
                    totalMs: 1,
                },
            },
            certificates: [
                { domain: "acme.example.com", notAfter: T0 + 13 * 24 * 60 * MIN },
                { domain: "fine.example.com", notAfter: T0 + 60 * 24 * 60 * MIN },
            ],
            hosts: [
                {
                    ...observation().hosts[0],
                    volumes: [{ name: "acme_frontbase_backend_data", labels: { "frontbase.tenant": "acme" }, bytes: 2 * 1024 ** 3 }],
                },
            ],
        });
        const found = look(o, thresholds).findings;
        expect(found.map((f) => [f.key, f.holdMs])).toEqual([
            ["volume:acme:acme_frontbase_backend_data", 0],
            ["backup:acme:last backup", 0],
            ["drill:acme:last drill", 0],
            ["certificate:acme.example.com", 0],
        ]);
        expect(found.map((f) => f.message)).toEqual([
            "volume acme_frontbase_backend_data holds 2.00 GiB, above 1.00 GiB",
            `acme last backup 27.0h ago (${new Date(T0 - 27 * 60 * MIN).toISOString()}), older than 26.0h`,
            `acme last restore drill failed (${new Date(T0 - MIN).toISOString()}): login: HTTP 401`,
            `the certificate for acme.example.com expires in 13.0d (${new Date(T0 + 13 * 24 * 60 * MIN).toISOString()})`,
        ]);
        const off = look(o, { downForMs: 5 * MIN });
        expect(off.findings).toEqual([]);
        const never = look(observation({ backups: { last: {} }, drills: {} }), thresholds).findings.map((f) => f.message);
        expect(never).toEqual(["acme has never been backed up", "acme has never had a restore drill"]);
    });

    it("says what it could not look at, as a finding, and leaves those alerts alone", () => {
        const l = look(
            observation({
                hosts: [
                    {
                        dockerHost: "ssh://h",
                        problem: "connect ECONNREFUSED",
                        containers: [],
                        volumes: [],
                        stackTenants: ["acme"],
                        isDefault: false,
                    },
                ],
                backups: { problem: "wrong password" },
            }),
            thresholds,
        );
        expect(l.findings.map((f) => f.key)).toEqual(["check:engine ssh://h", "check:backups"]);
        expect(l.unknown).toEqual(["service:acme:", "volume:acme:", "backup:acme:", "drill:acme:", "backup:"]);
    });
});
