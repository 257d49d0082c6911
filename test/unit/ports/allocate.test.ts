// Property tests of the pure allocator: unique, in range, lowest free, deterministic,
// sticky, and adding a tenant never moves another tenant's ports.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PortRange } from "../../../components/config";
import { DEFAULT_PORT_RANGES } from "../../../components/config";
import { PORT_KEYS, PortKey } from "../../../components/naming";
import { allocatePorts, inRange, PortExhaustedError, Ports } from "../../../ports/allocate";

// Small, heavily overlapping ranges inside a small universe, so collisions and exhaustion
// are common in the generated cases rather than rare.
const LOW = 100;
const HIGH = 160;
const rangeArb = fc
    .tuple(fc.integer({ min: LOW, max: HIGH }), fc.integer({ min: 0, max: 30 }))
    .map(([from, len]): PortRange => ({ from, to: Math.min(from + len, HIGH) }));
const rangesArb = fc.record(Object.fromEntries(PORT_KEYS.map((k) => [k, rangeArb])) as Record<PortKey, fc.Arbitrary<PortRange>>);
/** Arbitrary "previous" ports: often taken by now, out of range, or shared between services. */
const previousArb = fc.record(
    Object.fromEntries(PORT_KEYS.map((k) => [k, fc.integer({ min: LOW - 5, max: HIGH + 5 })])) as Record<PortKey, fc.Arbitrary<number>>,
    { requiredKeys: [] },
);
const takenArb = fc.uniqueArray(fc.integer({ min: LOW, max: HIGH }), { maxLength: 40 }).map((a) => new Set(a));

/** Allocate, or undefined when a range is exhausted (the error is checked separately). */
function tryAllocate(ranges: Record<PortKey, PortRange>, taken: Set<number>, previous?: Partial<Ports>) {
    try {
        return allocatePorts({ ranges, taken, previous });
    } catch (e) {
        if (e instanceof PortExhaustedError) return undefined;
        throw e;
    }
}

describe("allocatePorts", () => {
    it("gives the design document's defaults to the first tenant on an empty host", () => {
        expect(allocatePorts({ ranges: DEFAULT_PORT_RANGES, taken: new Set() }).ports).toEqual({
            backend: 8000,
            edge: 3002,
            frontend: 8080,
            redisHttp: 8079,
        });
    });

    it("gives every service its own port inside its range, never a taken one, even where ranges overlap or previous ports are stale", () => {
        fc.assert(
            fc.property(rangesArb, takenArb, previousArb, (ranges, taken, previous) => {
                const a = tryAllocate(ranges, taken, previous);
                fc.pre(a !== undefined); // an exhausted range is another test's case; too many skips fail the property
                const ports = PORT_KEYS.map((k) => a.ports[k]);
                expect(new Set(ports).size).toBe(PORT_KEYS.length);
                for (const k of PORT_KEYS) {
                    expect(inRange(a.ports[k], ranges[k])).toBe(true);
                    expect(taken.has(a.ports[k])).toBe(false);
                }
            }),
            { numRuns: 500 },
        );
    });

    it("picks the lowest port that is neither taken nor already given to another service", () => {
        fc.assert(
            fc.property(rangesArb, takenArb, (ranges, taken) => {
                const a = tryAllocate(ranges, taken);
                fc.pre(a !== undefined);
                const mine = new Set(Object.values(a.ports));
                for (const k of PORT_KEYS) {
                    for (let p = ranges[k].from; p < a.ports[k]; p++) expect(taken.has(p) || mine.has(p)).toBe(true);
                }
            }),
            { numRuns: 300 },
        );
    });

    it("is deterministic: the same inputs give the same ports", () => {
        fc.assert(
            fc.property(rangesArb, takenArb, (ranges, taken) => {
                expect(tryAllocate(ranges, new Set(taken))?.ports).toEqual(tryAllocate(ranges, new Set([...taken].reverse()))?.ports);
            }),
        );
    });

    it("fails only when a range has no port left, naming the service and its range", () => {
        fc.assert(
            fc.property(rangesArb, takenArb, (ranges, taken) => {
                try {
                    allocatePorts({ ranges, taken });
                } catch (e) {
                    expect(e).toBeInstanceOf(PortExhaustedError);
                    const { service, range, use } = e as PortExhaustedError;
                    const size = range.to - range.from + 1;
                    expect((e as Error).message).toContain(
                        `${service} in its range ${range.from}-${range.to}: all ${size} port(s) are taken`,
                    );
                    expect(use.held + use.mine).toBe(size);
                    // The named range really is full: every port taken, or in this tenant's own use (at most 3 others).
                    let free = 0;
                    for (let p = range.from; p <= range.to; p++) if (!taken.has(p)) free++;
                    expect(free).toBeLessThanOrEqual(PORT_KEYS.length - 1);
                }
            }),
            { numRuns: 300 },
        );
    });

    it("says how a full range is used, in counts: held by others, given to this tenant's other services", () => {
        const ranges = {
            backend: { from: 10, to: 12 },
            edge: { from: 10, to: 12 },
            frontend: { from: 10, to: 12 },
            redisHttp: { from: 30, to: 31 },
        };
        const err = (() => {
            try {
                allocatePorts({ ranges, taken: new Set([10]) });
            } catch (e) {
                return e as PortExhaustedError;
            }
        })();
        expect(err?.use).toEqual({ held: 1, mine: 2 });
        expect(err?.message).toBe(
            "no free port for frontend in its range 10-12: all 3 port(s) are taken, 1 held (by other tenants, containers, listening processes or frontbase:reservedPorts) " +
                "and 2 given to this tenant's other services; widen frontbase:portRanges.frontend or free a port",
        );
    });

    it("is sticky: a tenant that allocates again with its own ports as previous keeps them, whatever was freed meanwhile", () => {
        fc.assert(
            fc.property(rangesArb, takenArb, fc.uniqueArray(fc.integer({ min: LOW, max: HIGH })), (ranges, taken, freed) => {
                const first = tryAllocate(ranges, taken);
                fc.pre(first !== undefined);
                const later = new Set([...taken].filter((p) => !freed.includes(p)));
                const again = allocatePorts({ ranges, taken: later, previous: first.ports });
                expect(again.ports).toEqual(first.ports);
                expect(Object.values(again.sources)).toEqual(PORT_KEYS.map(() => "previous"));
            }),
            { numRuns: 300 },
        );
    });

    it("adding a tenant never moves another tenant's ports, and the two never share one", () => {
        fc.assert(
            fc.property(rangesArb, takenArb, (ranges, taken) => {
                const a = tryAllocate(ranges, taken);
                fc.pre(a !== undefined);
                const b = tryAllocate(ranges, new Set([...taken, ...Object.values(a.ports)]));
                fc.pre(b !== undefined);
                const bPorts = new Set(Object.values(b.ports));
                for (const p of Object.values(a.ports)) expect(bPorts.has(p)).toBe(false);
                // A re-runs after B exists: B's ports are now taken for A, A keeps its own.
                const aAgain = allocatePorts({ ranges, taken: new Set([...taken, ...bPorts]), previous: a.ports });
                expect(aAgain.ports).toEqual(a.ports);
            }),
            { numRuns: 300 },
        );
    });

    it("moves a previous port that someone else now holds or that left its range, and keeps pinned ports as given", () => {
        const ranges = {
            backend: { from: 10, to: 20 },
            edge: { from: 10, to: 20 },
            frontend: { from: 30, to: 40 },
            redisHttp: { from: 10, to: 20 },
        };
        const a = allocatePorts({
            ranges,
            taken: new Set([12]),
            previous: { backend: 12, edge: 25, frontend: 33 },
            pinned: { redisHttp: 99 },
        });
        expect(a.ports).toEqual({ backend: 10, edge: 11, frontend: 33, redisHttp: 99 });
        expect(a.sources).toEqual({ backend: "allocated", edge: "allocated", frontend: "previous", redisHttp: "pinned" });
    });

    it("never hands a fresh port that another service keeps as previous, whatever the service order", () => {
        const ranges = {
            backend: { from: 10, to: 20 },
            edge: { from: 10, to: 20 },
            frontend: { from: 10, to: 20 },
            redisHttp: { from: 10, to: 20 },
        };
        const a = allocatePorts({ ranges, taken: new Set(), previous: { redisHttp: 10 } });
        expect(a.ports).toEqual({ backend: 11, edge: 12, frontend: 13, redisHttp: 10 });
    });
});
