// The fleet bench's arithmetic (bench/fleetUsage.ts): what it reads off /proc and how it splits
// the host's CPU between the tenants' services and what runs outside their containers.
import { describe, expect, it } from "vitest";
import { describeIdle, hostJiffies, hostMemoryUsed, idleSplit, idleVerdicts, probesIn } from "../../bench/fleetUsage";

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
});
