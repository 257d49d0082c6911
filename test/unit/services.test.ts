import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { parseTenantConfig } from "../../components/config";
import { goDuration, MIN_RETRIES, MONITOR_INTERVAL, START_INTERVAL } from "../../components/healthChecks";
import { tenantServices } from "../../components/services";
import { durationNs } from "../engine/realizer/durations";
import { tempDir } from "../support/temp";

describe("goDuration: seconds in Go's time.Duration text, as the provider reads them back", () => {
    it.each([
        [0, "0s"],
        [3, "3s"],
        [59, "59s"],
        [60, "1m0s"],
        [90, "1m30s"],
        [3600, "1h0m0s"],
        [3661, "1h1m1s"],
    ])("%i s -> %s", (seconds, text) => {
        expect(goDuration(seconds)).toBe(text);
    });

    it("parses back to the same number of seconds", () => {
        fc.assert(fc.property(fc.integer({ min: 0, max: 10 * 86400 }), (s) => durationNs(goDuration(s)) === s * 1e9));
    });

    it.each([-1, 1.5, Number.NaN])("refuses %s", (bad) => {
        expect(() => goDuration(bad)).toThrow(/whole number of seconds/);
    });
});

describe("the redis-token job's script", () => {
    it("PUTs valid JSON with the token from its environment to the backend's sync settings", async () => {
        const { execFileSync } = await import("child_process");
        const { writeFileSync, readFileSync, chmodSync } = await import("fs");
        const path = await import("path");
        const { REDIS_TOKEN_JOB } = await import("../../components/jobs");
        const dir = tempDir("fake-curl");
        // A fake curl that records its arguments, one per line.
        writeFileSync(path.join(dir, "curl"), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done > "${dir}/args"\n`);
        chmodSync(path.join(dir, "curl"), 0o755);
        const [sh, flag, script] = REDIS_TOKEN_JOB.entrypoint;
        const out = execFileSync(sh, [flag, script], { env: { PATH: `${dir}:/usr/bin:/bin`, REDIS_TOKEN: "tok.EN_0~9-x" } }).toString();
        expect(out).toContain("redis-http token set");
        const args = readFileSync(path.join(dir, "args"), "utf8").trim().split("\n");
        expect(args.slice(-1)).toEqual(["http://backend:8000/api/sync/settings/redis/"]);
        expect(args[args.indexOf("-X") + 1]).toBe("PUT");
        expect(JSON.parse(args[args.indexOf("--data-binary") + 1])).toEqual({
            redis_url: "http://redis-http:80",
            redis_token: "tok.EN_0~9-x",
            redis_type: "self-hosted",
            redis_enabled: true,
        });
        expect(script).not.toContain("tok.EN_0~9-x");
    });
});

describe("healthInterval: one interval for every health check", () => {
    const ports = { backend: 8000, edge: 3002, frontend: 8080, redisHttp: 8079 };
    const checks = (raw: Record<string, string>) =>
        Object.fromEntries(
            tenantServices(
                parseTenantConfig({ "frontbase:database": "postgres", ...raw }, { stack: "t1", secretKeys: new Set() }),
                ports,
            ).flatMap((s) => (s.healthcheck ? [[s.service, s.healthcheck]] : [])),
        );

    it("unset, each service keeps its own interval and retries", () => {
        const own = checks({});
        expect(Object.fromEntries(Object.entries(own).map(([s, h]) => [s, [h.interval, h.retries]]))).toEqual({
            postgres: ["10s", 5],
            redis: ["10s", 5],
            backend: ["10s", 5],
            edge: ["15s", 3],
            frontend: ["10s", 3],
        });
    });

    it("set, every service checks at that interval, and is unhealthy only after at least as long a run of failures as before", () => {
        const own = checks({});
        const fast = checks({ "frontbase:healthInterval": "2" });
        expect(Object.keys(fast)).toEqual(Object.keys(own));
        for (const [service, h] of Object.entries(fast)) {
            expect({ service, interval: h.interval }).toEqual({ service, interval: "2s" });
            const window = (h: { interval: string; retries: number }) => (durationNs(h.interval)! / 1e9) * h.retries;
            // At least as long, and shorter than one more check (ceil): 45 s at 15 s x 3 is 46 s at 2 s x 23.
            expect({ service, window: window(h) >= window(own[service]!) && window(h) < window(own[service]!) + 2 }).toEqual({
                service,
                window: true,
            });
            expect({ service, startPeriod: h.startPeriod, tests: h.tests }).toEqual({
                service,
                startPeriod: own[service]!.startPeriod,
                tests: own[service]!.tests,
            });
        }
    });

    it("at a longer interval than a service's own, as long a run of failures in fewer checks, never fewer than MIN_RETRIES", () => {
        const own = checks({});
        const window = (h: { interval: string; retries: number }) => (durationNs(h.interval)! / 1e9) * h.retries;
        // 20 s: the backend's 10 s x 5 (50 s) is 20 s x 3 (60 s); the frontend's 10 s x 3 (30 s) is 20 s x 2.
        const mid = checks({ "frontbase:healthInterval": "20" });
        expect(Object.fromEntries(Object.entries(mid).map(([s, h]) => [s, h.retries]))).toEqual({
            postgres: 3,
            redis: 3,
            backend: 3,
            edge: 3,
            frontend: 2,
        });
        for (const [service, h] of Object.entries(mid))
            expect({ service, atLeast: window(h) >= window(own[service]!) }).toEqual({ service, atLeast: true });
        // 300 s: one check would be a long enough run for every service; two are required.
        const slow = checks({ "frontbase:healthInterval": "300" });
        expect(Object.values(slow).map((h) => h.retries)).toEqual(Array(5).fill(MIN_RETRIES));
        // The longest allowed, an hour: still two checks in a row.
        const hourly = checks({ "frontbase:healthInterval": "3600" });
        expect(Object.values(hourly).map((h) => [h.interval, h.retries])).toEqual(Array(5).fill(["1h0m0s", MIN_RETRIES]));
        expect(MIN_RETRIES).toBe(2);
    });
});

describe("a Docker host with health checks' start interval (API 1.44+)", () => {
    const ports = { backend: 8000, edge: 3002, frontend: 8080, redisHttp: 8079 };
    const specs = (raw: Record<string, string>, healthStartInterval: boolean) =>
        tenantServices(
            {
                ...parseTenantConfig({ "frontbase:database": "postgres", ...raw }, { stack: "t1", secretKeys: new Set() }),
                healthStartInterval,
            },
            ports,
        ).filter((s) => s.healthcheck);

    it("checks every second while a service starts, for as long as `up` waits for it, then every MONITOR_INTERVAL", () => {
        const checked = specs({}, true);
        expect(checked.map((s) => s.service)).toEqual(["postgres", "redis", "backend", "edge", "frontend"]);
        for (const s of checked)
            expect({ service: s.service, ...s.healthcheck }).toMatchObject({
                service: s.service,
                startInterval: goDuration(START_INTERVAL),
                interval: goDuration(MONITOR_INTERVAL),
                startPeriod: goDuration(s.waitTimeout),
                retries: MIN_RETRIES,
            });
        // The bench's price of a check (docs/speed.md, "Fleet"): four services at 300 s cost a tenant 0.2% of one core.
        expect(MONITOR_INTERVAL).toBe(300);
    });

    it("takes healthInterval as the interval after start; an older engine gets no start interval at all", () => {
        expect(specs({ "frontbase:healthInterval": "2" }, true).map((s) => s.healthcheck!.interval)).toEqual(Array(5).fill("2s"));
        const old = specs({}, false);
        expect(old.filter((s) => "startInterval" in s.healthcheck!)).toEqual([]);
        expect(old.map((s) => s.healthcheck!.interval)).toEqual(["10s", "10s", "10s", "15s", "10s"]);
    });
});
