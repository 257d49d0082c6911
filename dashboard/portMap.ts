// The port map: each default range, port by port, as free, held by a tenant, held by another
// process, or reserved (a reservation, or an allocation whose stack file or containers do not
// exist yet). Pure: the host state is read elsewhere, as `why-port` reads it.
import type { PortRange } from "../components/config";
import { PORT_KEYS, PortKey } from "../components/naming";
import type { PortHolder } from "../ports/hostState";

export type PortUse = "tenant" | "process" | "reserved";

export interface HeldPort {
    readonly port: number;
    readonly use: PortUse;
    readonly tenant?: string;
    readonly service?: string;
    /** The holder as `why-port --json` names it: container, stack-file, ledger, listener, reserved. */
    readonly kind: string;
}

export interface RangeMap {
    readonly key: PortKey;
    readonly from: number;
    readonly to: number;
    readonly free: number;
    /** Only the ports that are not free, in order; every other port of the range is free. */
    readonly held: readonly HeldPort[];
}

export function useOf(h: PortHolder): PortUse {
    if (h.kind === "container" || h.kind === "stack-file") return "tenant";
    if (h.kind === "listener" || h.kind === "bind-check") return "process";
    return "reserved";
}

export function portMap(ranges: Readonly<Record<PortKey, PortRange>>, holders: ReadonlyMap<number, readonly PortHolder[]>): RangeMap[] {
    return PORT_KEYS.map((key) => {
        const { from, to } = ranges[key];
        const held: HeldPort[] = [];
        for (let port = from; port <= to; port++) {
            const h = holders.get(port)?.[0];
            if (h)
                held.push({
                    port,
                    use: useOf(h),
                    kind: h.kind,
                    ...(h.tenant ? { tenant: h.tenant } : {}),
                    ...(h.service ? { service: h.service } : {}),
                });
        }
        return { key, from, to, free: to - from + 1 - held.length, held };
    });
}
