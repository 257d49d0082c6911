import { describe, expect, it } from "vitest";
import { apiAtLeast, START_INTERVAL_API } from "../../docker/engineApi";

describe("apiAtLeast: Docker API versions compared as numbers, not text", () => {
    it.each([
        ["1.41", false],
        ["1.43", false],
        ["1.44", true],
        ["1.45", true],
        ["1.100", true],
        ["2.0", true],
        ["1.9", false],
    ])("%s against the start interval's %s", (v, ok) => {
        expect(apiAtLeast(v, START_INTERVAL_API)).toBe(ok);
    });

    it("refuses what is not a version", () => {
        expect(() => apiAtLeast("v1.44", "1.44")).toThrow(/not a Docker API version/);
    });
});
