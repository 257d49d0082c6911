// The realizer's mapping of @pulumi/docker and @pulumi/random inputs, without an engine.
import { describe, expect, it } from "vitest";
import { createOptions, durationNs } from "./containers";
import { check } from "./index";
import { generatePassword } from "./random";

describe("container inputs -> Engine API", () => {
    const inputs = {
        name: "t_frontbase-backend-1",
        image: "sha256:abc",
        hostname: "backend",
        envs: ["A=1"],
        ports: [{ internal: 8000, external: 18000, ip: "127.0.0.1", protocol: "tcp" }],
        mounts: [{ type: "volume", source: "t_data", target: "/app/data" }],
        networksAdvanced: [{ name: "t_net", aliases: ["backend"] }],
        healthcheck: { tests: ["CMD", "true"], interval: "10s", timeout: "5s", retries: 5, startPeriod: "1m30s" },
        restart: "unless-stopped",
        memory: 512,
        logDriver: "json-file",
        logOpts: { "max-size": "10m" },
        securityOpts: ["no-new-privileges:true"],
        labels: [{ label: "frontbase.tenant", value: "t" }],
    };

    it("maps each documented field to its Docker counterpart (memory MB -> bytes, durations -> ns)", () => {
        const o = createOptions(inputs);
        expect(o).toMatchObject({ name: inputs.name, Image: "sha256:abc", Hostname: "backend", Env: ["A=1"], Labels: { "frontbase.tenant": "t" }, ExposedPorts: { "8000/tcp": {} } });
        expect(o.Healthcheck).toEqual({ Test: ["CMD", "true"], Interval: 10e9, Timeout: 5e9, Retries: 5, StartPeriod: 90e9 });
        expect(o.HostConfig).toMatchObject({
            PortBindings: { "8000/tcp": [{ HostIp: "127.0.0.1", HostPort: "18000" }] },
            Mounts: [{ Type: "volume", Source: "t_data", Target: "/app/data", ReadOnly: false }],
            RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
            Memory: 512 * 1024 * 1024,
            LogConfig: { Type: "json-file", Config: { "max-size": "10m" } },
            SecurityOpt: ["no-new-privileges:true"],
            NetworkMode: "t_net",
        });
        expect(o.NetworkingConfig).toEqual({ EndpointsConfig: { t_net: { Aliases: ["backend"] } } });
    });

    it("rejects fields it does not implement rather than dropping them", () => {
        expect(() => createOptions({ ...inputs, networksAdvanced: [{ name: "n", ipv4Address: "10.0.0.2" }] })).toThrow(/networksAdvanced field\(s\) ipv4Address/);
        expect(() => check("docker:index/container:Container", { name: "x", gpus: "all" })).toThrow(/input\(s\) gpus not implemented/);
        expect(() => check("docker:index/service:Service", {})).toThrow(/no provider for resource type docker:index\/service:Service/);
    });

    it("parses Go durations", () => {
        expect([durationNs("500ms"), durationNs("1h2m3s"), durationNs("0s"), durationNs(undefined)]).toEqual([5e8, 3723e9, 0, undefined]);
        expect(() => durationNs("10")).toThrow(/not a duration/);
        expect(() => durationNs("10x")).toThrow(/not a duration/);
    });
});

describe("RandomPassword", () => {
    it("honours length, disabled classes and minimum counts", () => {
        for (let i = 0; i < 50; i++) {
            const p = generatePassword({ length: 24, special: false, minLower: 2, minUpper: 2, minNumeric: 2 });
            expect(p).toMatch(/^[A-Za-z0-9]{24}$/);
            expect(p.replace(/[^a-z]/g, "").length).toBeGreaterThanOrEqual(2);
            expect(p.replace(/[^A-Z]/g, "").length).toBeGreaterThanOrEqual(2);
            expect(p.replace(/[^0-9]/g, "").length).toBeGreaterThanOrEqual(2);
        }
        expect(generatePassword({ length: 8, lower: false, upper: false, numeric: false, overrideSpecial: "#" })).toBe("########");
    });
    it("draws a different value each time", () => {
        const seen = new Set(Array.from({ length: 20 }, () => generatePassword({ length: 32 })));
        expect(seen.size).toBe(20);
    });
    it("refuses impossible rules", () => {
        expect(() => generatePassword({ length: 3, minLower: 2, minUpper: 2 })).toThrow(/exceed length/);
        expect(() => generatePassword({ length: 3, lower: false, upper: false, numeric: false, special: false })).toThrow(/disabled/);
    });
});
