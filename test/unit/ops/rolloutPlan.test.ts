// The rollout's pure parts: its waves (from --waves and the selection) and where the smoke check
// reaches a tenant. The command itself: rollout.test.ts.
import { describe, expect, it } from "vitest";
import { parseWaves, planWaves } from "../../../cli/ops/rolloutPlan";
import { entryPointOf } from "../../../tenants/smoke";

const plan = (n: number, waves: string) =>
    planWaves(
        Array.from({ length: n }, (_, i) => `s${i + 1}`),
        parseWaves(waves),
    );

describe("wave planning", () => {
    it.each<[number, string, number[]]>([
        [4, "1,100%", [1, 3]],
        [4, "1,10%,100%", [1, 3]], // 10% of 4 rounds up to 1: no new stack, no wave
        [30, "1,10%,100%", [1, 2, 27]],
        [30, "1,10%,50%", [1, 2, 12, 15]], // the last wave takes the rest
        [10, "3", [3, 7]],
        [2, "5,10", [2]], // more than there are: one wave of all
        [1, "1,10%,100%", [1]],
        [0, "1,10%,100%", []],
        [7, "33.3%,66.6%", [3, 2, 2]],
    ])("%i stacks in waves %s: %j", (n, waves, sizes) => {
        const got = plan(n, waves);
        expect(got.map((w) => w.length)).toEqual(sizes);
        expect(got.flat()).toEqual(Array.from({ length: n }, (_, i) => `s${i + 1}`)); // each once, in order
    });

    it.each([
        ["0", '"0" is not a wave'],
        ["150%", '"150%" is not a wave'],
        ["0%", '"0%" is not a wave'],
        ["1,,2", '"" is not a wave'],
        ["-1", '"-1" is not a wave'],
        ["5,3", "wave 2 is not larger than wave 1"],
        ["50%,10%", "wave 2 is not larger than wave 1"],
    ])("--waves %s is refused: %s", (value, problem) => {
        expect(() => parseWaves(value)).toThrow(`--waves "${value}": ${problem}`);
    });
});

describe("the entry point of the smoke check", () => {
    const base = {
        domains: [],
        bindAddress: "0.0.0.0",
        publicHost: "localhost",
        frontendPort: 8081,
        dockerHost: "unix:///var/run/docker.sock",
    };
    it("is the first domain through the proxy, else the frontend's host port where this machine reaches it", () => {
        expect(entryPointOf({ ...base, domains: ["acme.example.com", "www.acme.example.com"] })).toEqual({
            url: "https://acme.example.com",
        });
        expect(entryPointOf({ ...base, domains: ["a.test"] }, { FRONTBASE_PROXY_ADDRESS: "127.0.0.1" })).toEqual({
            url: "https://a.test",
            connectTo: "127.0.0.1",
        });
        expect(entryPointOf(base)).toEqual({ url: "http://localhost:8081" });
        expect(entryPointOf({ ...base, bindAddress: "127.0.0.1" })).toEqual({ url: "http://127.0.0.1:8081" });
        expect(entryPointOf({ ...base, dockerHost: "ssh://ops@vps.example.com" })).toEqual({ url: "http://vps.example.com:8081" });
        expect(entryPointOf({ ...base, bindAddress: "127.0.0.1", dockerHost: "tcp://10.0.0.5:2376" })).toMatchObject({
            unreachable: expect.stringContaining("published on 127.0.0.1 of tcp://10.0.0.5:2376, which this machine cannot reach"),
        });
        expect(entryPointOf({ ...base, frontendPort: undefined })).toEqual({ unreachable: "its frontend publishes no host port" });
    });
});
