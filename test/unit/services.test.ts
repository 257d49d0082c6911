import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { goDuration } from "../../components/services";
import { durationNs } from "../engine/realizer/containers";

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
