// The realizer's mapping of @pulumi/docker and @pulumi/random inputs, without an engine.
import { describe, expect, it } from "vitest";
import Docker from "dockerode";
import { createOptions } from "../../../engine/realizer/containerCreate";
import { CONTAINER_SCHEMA, stateFromInspect } from "../../../engine/realizer/containers";
import { durationNs, goDurationString } from "../../../engine/realizer/durations";
import { diffAgainstState } from "../../../engine/realizer/schema";
import { check } from "../../../engine/realizer/index";
import { generatePassword } from "../../../engine/realizer/random";

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
        expect(o).toMatchObject({
            name: inputs.name,
            Image: "sha256:abc",
            Hostname: "backend",
            Env: ["A=1"],
            Labels: { "frontbase.tenant": "t" },
            ExposedPorts: { "8000/tcp": {} },
        });
        expect(o.Healthcheck).toEqual({
            Test: ["CMD", "true"],
            Interval: 10e9,
            Timeout: 5e9,
            Retries: 5,
            StartPeriod: 90e9,
            StartInterval: 0,
        });
        expect(o.HostConfig).toMatchObject({
            PortBindings: { "8000/tcp": [{ HostIp: "127.0.0.1", HostPort: "18000" }] },
            Mounts: [{ Type: "volume", Source: "t_data", Target: "/app/data", ReadOnly: false }],
            RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
            Memory: 512 * 1024 * 1024,
            LogConfig: { Type: "json-file", Config: { "max-size": "10m" } },
            SecurityOpt: ["no-new-privileges:true"],
            // Created on network_mode's default, then moved onto networks_advanced with its aliases.
            NetworkMode: "bridge",
        });
        expect(o.NetworkingConfig).toBeUndefined();
    });

    it("rejects fields it does not implement rather than dropping them", () => {
        expect(() => createOptions({ ...inputs, networksAdvanced: [{ name: "n", ipv4Address: "10.0.0.2" }] })).toThrow(
            /networksAdvanced field\(s\) ipv4Address/,
        );
        expect(() => check("docker:index/container:Container", { name: "x", gpus: "all" })).toThrow(/input\(s\) gpus not implemented/);
        expect(() => check("docker:index/service:Service", { name: "x", secretsMap: {} })).toThrow(/input\(s\) secretsMap not implemented/);
        expect(() => check("docker:index/plugin:Plugin", {})).toThrow(/no provider for resource type docker:index\/plugin:Plugin/);
    });

    it("parses Go durations", () => {
        expect([durationNs("500ms"), durationNs("1h2m3s"), durationNs("0s"), durationNs(undefined)]).toEqual([5e8, 3723e9, 0, undefined]);
        expect(() => durationNs("10")).toThrow(/not a duration/);
        expect(() => durationNs("10x")).toThrow(/not a duration/);
    });
});

describe("container state read back from docker inspect, and the diff against it", () => {
    const MB = 1024 * 1024;
    const inspect = (over: { running?: boolean; swap?: number; startPeriod?: number; startInterval?: number } = {}) =>
        ({
            Name: "/t_frontbase-backend-1",
            Image: "sha256:abc",
            State: { Running: over.running ?? true },
            Config: {
                Image: "sha256:abc",
                Hostname: "backend",
                Domainname: "",
                User: "",
                WorkingDir: "/app",
                Cmd: ["uvicorn"],
                Entrypoint: null,
                Env: ["A=1", "PATH=/usr/bin"],
                Labels: { "frontbase.tenant": "t", "from.image": "x" },
                Healthcheck: {
                    Test: ["CMD", "true"],
                    Interval: 10e9,
                    Timeout: 5e9,
                    Retries: 5,
                    StartPeriod: over.startPeriod ?? 60e9,
                    ...(over.startInterval === undefined ? {} : { StartInterval: over.startInterval }),
                },
            },
            HostConfig: {
                Memory: 512 * MB,
                MemorySwap: over.swap ?? 1024 * MB,
                RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 },
                LogConfig: { Type: "json-file", Config: { "max-size": "10m", "max-file": "3" } },
                SecurityOpt: ["no-new-privileges:true"],
                Mounts: [{ Type: "volume", Source: "t_data", Target: "/app/data" }],
                NetworkMode: "bridge",
                ReadonlyRootfs: false,
                Init: false,
            },
            NetworkSettings: {
                Ports: over.running === false ? {} : { "8000/tcp": [{ HostIp: "127.0.0.1", HostPort: "18000" }] },
                Networks: { t_net: { IPAddress: "172.20.0.2" } },
            },
        }) as unknown as Docker.ContainerInspectInfo;
    const program = {
        name: "t_frontbase-backend-1",
        image: "sha256:abc",
        hostname: "backend",
        envs: ["A=1"],
        labels: [{ label: "frontbase.tenant", value: "t" }],
        ports: [{ internal: 8000, external: 18000, ip: "127.0.0.1", protocol: "tcp" }],
        mounts: [{ type: "volume", source: "t_data", target: "/app/data" }],
        networksAdvanced: [{ name: "t_net", aliases: ["backend"] }],
        restart: "unless-stopped",
        memory: 512,
        logDriver: "json-file",
        logOpts: { "max-size": "10m", "max-file": "3" },
        securityOpts: ["no-new-privileges:true"],
        wait: true,
        waitTimeout: 180,
        healthcheck: { tests: ["CMD", "true"], interval: "10s", timeout: "5s", retries: 5, startPeriod: "1m0s" },
    };
    const diff = (state: Record<string, unknown>, inputs = program) =>
        diffAgainstState(CONTAINER_SCHEMA, state, inputs).map((d) => [d.key, d.old, d.new]);

    it("prints durations as Go does", () => {
        expect([0, 3e9, 60e9, 90e9, 3600e9, 1.5e9, 5e8].map(goDurationString)).toEqual([
            "0s",
            "3s",
            "1m0s",
            "1m30s",
            "1h0m0s",
            "1.5s",
            "500ms",
        ]);
    });
    it("keeps what Read never reads (env, labels, aliases, wait) from the prior state", () => {
        const st = stateFromInspect(inspect(), program);
        expect(st).toMatchObject({
            envs: ["A=1"],
            labels: program.labels,
            networksAdvanced: program.networksAdvanced,
            wait: true,
            waitTimeout: 180,
        });
    });
    it("reads memorySwap back: Docker's 2x memory is a diff against an unset memorySwap, none against the same value", () => {
        const st = stateFromInspect(inspect(), program);
        expect(st.memorySwap).toBe(1024);
        expect(diff(st)).toEqual([["memorySwap", 1024, undefined]]);
        expect(diff(st, { ...program, memorySwap: 1024 } as typeof program)).toEqual([]);
        // -1 (no swap accounting, or unlimited) is stored as it is.
        expect(stateFromInspect(inspect({ swap: -1 }), program).memorySwap).toBe(-1);
    });
    it("reads health check durations in Go's form: 60s is a diff, 1m0s is not", () => {
        const st = stateFromInspect(inspect({ swap: 512 * MB }), program);
        expect(st.healthcheck.startPeriod).toBe("1m0s");
        expect(diff(st, { ...program, memorySwap: 512 } as typeof program)).toEqual([]);
        const sixty = { ...program, memorySwap: 512, healthcheck: { ...program.healthcheck, startPeriod: "60s" } };
        expect(diff(st, sixty as typeof program).map(([k]) => k)).toEqual(["healthcheck"]);
    });
    it("start interval: sent to Docker as declared; read back as 0s where the engine has none (20.10), so declaring one there is a diff on every run", () => {
        const declared = { ...program, memorySwap: 512, healthcheck: { ...program.healthcheck, startInterval: "1s" } };
        expect(createOptions(declared).Healthcheck).toMatchObject({ StartInterval: 1e9, StartPeriod: 60e9 });
        expect((createOptions({ ...program }).Healthcheck as { StartInterval?: number }).StartInterval).toBe(0);
        // An engine of API 1.44+ keeps it: no diff.
        const modern = stateFromInspect(inspect({ swap: 512 * MB, startInterval: 1e9 }), declared);
        expect(modern.healthcheck.startInterval).toBe("1s");
        expect(diff(modern, declared as typeof program)).toEqual([]);
        // 20.10 returns none: undeclared is no diff (the schema's default 0s), declared is one.
        const old = stateFromInspect(inspect({ swap: 512 * MB }), declared);
        expect(old.healthcheck.startInterval).toBe("0s");
        expect(diff(old, { ...program, memorySwap: 512 } as typeof program)).toEqual([]);
        expect(diff(old, declared as typeof program).map(([k]) => k)).toEqual(["healthcheck"]);
    });
    it("reads a stopped container with no ports and must_run false: a replacement", () => {
        const st = stateFromInspect(inspect({ running: false, swap: 512 * MB }), { ...program, memorySwap: 512 });
        const d = diffAgainstState(CONTAINER_SCHEMA, st, { ...program, memorySwap: 512 });
        expect(d.map((x) => [x.key, x.replaces])).toEqual([
            ["ports", true],
            ["mustRun", false],
        ]);
    });
    it("reads a stopped container declared must_run false and start false (a suspended tenant's) with its ports kept: no diff", () => {
        const suspended = { ...program, memorySwap: 512, start: false, mustRun: false };
        const st = stateFromInspect(inspect({ running: false, swap: 512 * MB }), suspended);
        expect([st.ports, st.mustRun, st.start]).toEqual([program.ports, false, false]);
        expect(diffAgainstState(CONTAINER_SCHEMA, st, suspended)).toEqual([]);
        // Resumed: start and must_run back to their defaults, a change of `start` (which the program replaces on).
        expect(diffAgainstState(CONTAINER_SCHEMA, st, { ...program, memorySwap: 512 }).map((x) => [x.key, x.replaces])).toEqual([
            ["start", false],
            ["mustRun", false],
        ]);
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
