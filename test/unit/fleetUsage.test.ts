// The fleet bench's arithmetic (bench/fleetUsage.ts): what it reads off /proc and how it splits
// the host's CPU between the tenants' services and what runs outside their containers.
import { describe, expect, it } from "vitest";
import {
    checksShare,
    describeIdle,
    describeProbes,
    hostJiffies,
    hostMemoryUsed,
    idleSplit,
    idleVerdicts,
    probeCost,
    probesIn,
} from "../../bench/fleetUsage";

describe("the fleet bench's readings", () => {
    it("reads busy and total jiffies from /proc/stat (iowait idle, steal busy) and memory in use from /proc/meminfo", () => {
        expect(hostJiffies("cpu  100 5 50 1000 20 3 2 7 0 0\ncpu0 1 2 3 4\n")).toEqual({ busy: 167, total: 1187 });
        expect(() => hostJiffies("intr 1 2\n")).toThrow(/no cpu line/);
        expect(hostMemoryUsed("MemTotal:       2048 kB\nMemFree:  10 kB\nMemAvailable:   1024 kB\n")).toBe(1024 * 1024);
        expect(probesIn(300, 120e9)).toBe(2.5);
        expect(probesIn(300, undefined)).toBe(0);
    });

    it("splits two tenants' idle minute: per service, outside the containers, per probe", () => {
        const s = idleSplit({
            tenants: 2,
            seconds: 60,
            busyCoreSeconds: 9,
            baselineCoreSeconds: 3,
            containers: [
                { service: "backend", cpuNs: 1.2e9, memory: 100 * 2 ** 20, probes: 6 },
                { service: "backend", cpuNs: 0.8e9, memory: 90 * 2 ** 20, probes: 6 },
                { service: "edge", cpuNs: 1e9, memory: 40 * 2 ** 20, probes: 4 },
                { service: "edge", cpuNs: 1e9, memory: 40 * 2 ** 20, probes: 4 },
            ],
        });
        // 6 core-seconds above the baseline over 60 s and 2 tenants: 5% of a core each; 4 s of it inside.
        expect(s.perTenant).toBeCloseTo(5, 6);
        expect(s.byService).toEqual({ backend: expect.closeTo((2 / 60 / 2) * 100, 6), edge: expect.closeTo((2 / 60 / 2) * 100, 6) });
        expect(s.outside).toBeCloseTo((2 / 60 / 2) * 100, 6);
        expect(s.probesPerMinute).toBe(10);
        expect(s.msPerProbe).toBeCloseTo(2000 / 20, 6);
        expect(s.memoryMiB).toBe(135);
        expect(s.memoryByService).toEqual({ backend: 95, edge: 40 });
        expect(describeIdle("idle", s)[0]).toBe("idle: 2 tenants idle for 60 s: 5.00% of one core per tenant above the baseline");
        expect(idleVerdicts("2 idle tenants", s)).toEqual([
            "target NOT met: 2 idle tenants: CPU per tenant 5.00%, limit 0.5% of one core",
            "target met: 2 idle tenants: memory per tenant 135 MiB, limit 220 MiB",
        ]);
    });

    it("never puts a tenant below what its containers used, when the baseline was read on a busier host", () => {
        const s = idleSplit({
            tenants: 1,
            seconds: 10,
            busyCoreSeconds: 1,
            baselineCoreSeconds: 5,
            containers: [{ service: "redis", cpuNs: 0.1e9, memory: 0, probes: 1 }],
        });
        expect(s.perTenant).toBeCloseTo(1, 6);
        expect(s.outside).toBe(0);
        expect(() => idleSplit({ tenants: 0, seconds: 10, busyCoreSeconds: 1, baselineCoreSeconds: 0, containers: [] })).toThrow();
    });

    it("prices one health probe: the window's busy time above the idle rate, minus the bench's own CPU, per probe", () => {
        // 30 s at 0.2 core idle = 6 core-s; the window took 16.5, the bench 1.5 of it: 9 core-s for 100 probes.
        const ms = probeCost({ seconds: 30, busyCoreSeconds: 16.5, idleCoreSecondsPerSecond: 0.2, clientCoreSeconds: 1.5, probes: 100 });
        expect(ms).toBeCloseTo(90, 6);
        expect(probeCost({ seconds: 30, busyCoreSeconds: 5, idleCoreSecondsPerSecond: 0.2, clientCoreSeconds: 0, probes: 10 })).toBe(0);
        expect(() =>
            probeCost({ seconds: 30, busyCoreSeconds: 5, idleCoreSecondsPerSecond: 0, clientCoreSeconds: 0, probes: 0 }),
        ).toThrow();
        // 4 services, 90 ms each every 120 s: 0.36 s in 120 s = 0.3% of one core.
        expect(checksShare(90, 4, 120)).toBeCloseTo(0.3, 6);
        expect(checksShare(90, 4, 300)).toBeCloseTo(0.12, 6);
    });

    it("says what the checks cost a tenant and what it costs without them", () => {
        const idle = idleSplit({ tenants: 1, seconds: 60, busyCoreSeconds: 0.6, baselineCoreSeconds: 0, containers: [] });
        const lines = describeProbes({ msPerProbe: 90, probes: 100, seconds: 30, checked: 4, interval: 120, idle });
        expect(lines).toEqual([
            "health checks alone: 90 ms of the host's CPU per probe (100 probes in 30 s, run by the bench as Docker's health monitor runs them: an exec of the check's command in the container)",
            "  4 checked services per tenant every 120 s: 0.30% of one core per tenant; the idle tenant without them: 0.70%",
            "  the checks per tenant at other intervals: 30 s 1.20%, 60 s 0.60%, 120 s 0.30%, 300 s 0.12%",
        ]);
    });
});
