// The port allocator: ranges + ports taken + this tenant's previous ports -> one port per
// service. Pure: no Docker, no Pulumi, no file system, so every rule is property-tested.
//
// Rules, in order of precedence:
//   1. pinned   - a port pinned in the tenant's config is used as given (config wins);
//   2. previous - a port the tenant already had (its containers, its stack file) is kept while
//                 it is inside the service's range and nobody else holds it (sticky), so
//                 re-running allocation or `pulumi up` never moves a deployed tenant;
//   3. lowest   - otherwise the lowest port of the range that nobody holds and no other
//                 service of this tenant got (deterministic; overlapping ranges never share).
import type { PortRange } from "../components/config";
import { AnyPortKey, baseKeyOf, PORT_KEYS, PortKey, SlotPortKey, TenantPorts } from "../components/naming";

export type Ports = TenantPorts;
export type PortSource = "pinned" | "previous" | "allocated";
export type PortSources = Record<PortKey, PortSource> & Partial<Record<SlotPortKey, PortSource>>;

/** Anything that can say whether a port is held by someone else (a Set, a Map). */
export interface TakenPorts {
    has(port: number): boolean;
}

export interface AllocationInput {
    /** Inclusive range per service; ranges may overlap. A second slot's key uses its service's. */
    readonly ranges: Readonly<Record<PortKey, PortRange>>;
    /** The keys to give ports to: the four, plus the second slot's for a tenant that has one. */
    readonly keys?: readonly AnyPortKey[];
    /** Ports held by anyone but this tenant: other tenants, containers, listeners, reserved. */
    readonly taken: TakenPorts;
    /** Ports pinned in this tenant's config; used as given. */
    readonly pinned?: Readonly<Partial<Ports>>;
    /** Ports this tenant held before; kept when still in range and free. */
    readonly previous?: Readonly<Partial<Ports>>;
}

export interface Allocation {
    readonly ports: Ports;
    readonly sources: PortSources;
}

/** How a full range is held, for the error: counts only, never a list of holders (there may be thousands). */
export interface RangeUse {
    /** Ports of the range held by others: tenants, containers, listeners, reservations. */
    readonly held: number;
    /** Ports of the range given to this tenant's other services. */
    readonly mine: number;
    /** `held` split by who holds them, e.g. "996 by listening processes, 2 by frontbase:reservedPorts". */
    readonly breakdown?: string;
}

export class PortExhaustedError extends Error {
    constructor(
        readonly service: AnyPortKey,
        readonly range: PortRange,
        readonly use: RangeUse,
    ) {
        const size = range.to - range.from + 1;
        const parts = [
            use.held > 0
                ? `${use.held} held (${use.breakdown || "by other tenants, containers, listening processes or frontbase:reservedPorts"})`
                : "",
            use.mine > 0 ? `${use.mine} given to this tenant's other services` : "",
        ].filter(Boolean);
        super(
            `no free port for ${service} in its range ${range.from}-${range.to}: all ${size} port(s) are taken, ${parts.join(" and ")}; widen frontbase:portRanges.${baseKeyOf(service)} or free a port`,
        );
        this.name = "PortExhaustedError";
    }
}

function rangeUse(range: PortRange, taken: TakenPorts, mine: ReadonlySet<number>): RangeUse {
    let held = 0;
    let given = 0;
    for (let p = range.from; p <= range.to; p++) {
        if (mine.has(p)) given++;
        else if (taken.has(p)) held++;
    }
    return { held, mine: given };
}

export function inRange(port: number, range: PortRange): boolean {
    return port >= range.from && port <= range.to;
}

export function allocatePorts(input: AllocationInput): Allocation {
    const { taken, pinned = {}, previous = {}, keys = PORT_KEYS } = input;
    const rangeOf = (key: AnyPortKey) => input.ranges[baseKeyOf(key)];
    const ports: Partial<Ports> = {};
    const sources: Partial<Record<AnyPortKey, PortSource>> = {};
    const mine = new Set<number>();
    const give = (key: AnyPortKey, port: number, source: PortSource) => {
        ports[key] = port;
        sources[key] = source;
        mine.add(port);
    };

    for (const key of keys) {
        const p = pinned[key];
        if (p !== undefined) give(key, p, "pinned");
    }
    // Sticky before fresh: a fresh pick must never take a port another service of this
    // tenant already owns, whatever the order of the keys.
    for (const key of keys) {
        const p = previous[key];
        if (ports[key] !== undefined || p === undefined) continue;
        if (inRange(p, rangeOf(key)) && !taken.has(p) && !mine.has(p)) give(key, p, "previous");
    }
    for (const key of keys) {
        if (ports[key] !== undefined) continue;
        const range = rangeOf(key);
        let p = range.from;
        while (p <= range.to && (taken.has(p) || mine.has(p))) p++;
        if (p > range.to) throw new PortExhaustedError(key, range, rangeUse(range, taken, mine));
        give(key, p, "allocated");
    }
    // In the keys' order, whatever order they were decided in.
    const ordered = <T>(m: Partial<Record<AnyPortKey, T>>) => Object.fromEntries(keys.map((k) => [k, m[k]]));
    return { ports: ordered(ports) as Ports, sources: ordered(sources) as PortSources };
}
