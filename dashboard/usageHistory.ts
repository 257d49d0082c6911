// What the dashboard shows of usage: the host read every 15 s (monitor/hostStats.ts, the reading
// `stats` makes), the last hour of each tenant's and the host's CPU and memory kept in memory (no
// database: a restarted dashboard starts a new hour), and the latest reading's rows. The keeping is
// pure (`addSample`); the sampler is the only timer.
import { connect, Context } from "../tenants/context";
import { readHostStats } from "../monitor/hostStats";
import { bytes, hostLine, percent, ServiceStats, Stats } from "../monitor/stats";

export const SAMPLE_EVERY_MS = 15_000;
export const KEEP_MS = 3_600_000;

export interface Point {
    /** When (ms). */
    readonly t: number;
    readonly cpu: number;
    readonly memory: number;
    /** The limits' sum: what `memory` is drawn against. */
    readonly limit: number;
}

export interface History {
    readonly tenants: Map<string, Point[]>;
    readonly host: Point[];
}

const sum = (xs: readonly (number | undefined)[]) => xs.reduce<number>((n, x) => n + (x ?? 0), 0);

/** Adds a reading's totals at `at` and forgets what is older than an hour (pure but for `h`). */
export function addSample(h: History, s: Stats, at: number): void {
    const keep = (list: Point[], p: Point) => {
        list.push(p);
        while (list.length > 0 && list[0].t < at - KEEP_MS) list.shift();
    };
    for (const t of s.tenants) {
        const list = h.tenants.get(t.tenant) ?? [];
        h.tenants.set(t.tenant, list);
        const services = t.services;
        keep(list, {
            t: at,
            cpu: sum(services.map((x) => x.cpuPercent)),
            memory: sum(services.map((x) => x.memoryUsed)),
            limit: sum(services.map((x) => x.memoryLimit)),
        });
    }
    for (const name of [...h.tenants.keys()]) if (!s.tenants.some((t) => t.tenant === name)) h.tenants.delete(name);
    keep(h.host, { t: at, cpu: s.host.cpuPercent, memory: s.host.memoryUsed, limit: s.host.memoryTotal });
}

/** A service's figures as `stats` words them, for the page (which has no formatting of its own). */
function shown(x: ServiceStats) {
    return {
        ...x,
        shown: {
            cpu: percent(x.cpuPercent),
            memory: x.memoryUsed === undefined ? "-" : `${bytes(x.memoryUsed)} / ${x.memoryLimit ? bytes(x.memoryLimit) : "no limit"}`,
            network: x.network ? `${bytes(x.network.rx)} / ${bytes(x.network.tx)}` : "-",
            disk: x.volume ? bytes(x.volume.bytes) : "-",
        },
    };
}

export interface UsageSampler {
    /** Reads the host now and keeps the reading. */
    sample(): Promise<void>;
    /** What GET /api/v1/stats answers; a first reading is made when there is none yet. */
    view(): Promise<unknown>;
    stop(): void;
}

export function usageSampler(ctx: Context, everyMs = SAMPLE_EVERY_MS): UsageSampler {
    const history: History = { tenants: new Map(), host: [] };
    let latest: { stats: Stats; at: number } | undefined;
    let problem: string | undefined;
    let running: Promise<void> | undefined;
    const sample = () =>
        (running ??= (async () => {
            try {
                const stats = await readHostStats(ctx, await connect(ctx));
                const at = ctx.now();
                addSample(history, stats, at);
                latest = { stats, at };
                problem = undefined;
            } catch (e) {
                problem = (e as Error).message;
            }
        })().finally(() => (running = undefined)));
    const timer = setInterval(() => void sample(), everyMs);
    timer.unref();
    void sample();
    return {
        sample,
        stop: () => clearInterval(timer),
        async view() {
            if (!latest) await sample();
            const s = latest?.stats;
            return {
                sampledAt: latest ? new Date(latest.at).toISOString() : null,
                everyMs,
                keepMs: KEEP_MS,
                ...(problem ? { problem } : {}),
                host: s ? { ...s.host, line: hostLine(s.host), history: history.host } : null,
                tenants: (s?.tenants ?? []).map((t) => ({
                    tenant: t.tenant,
                    cpu: percent(sum(t.services.map((x) => x.cpuPercent))),
                    memory: `${bytes(sum(t.services.map((x) => x.memoryUsed)))} / ${bytes(sum(t.services.map((x) => x.memoryLimit)))}`,
                    services: t.services.map(shown),
                    history: history.tenants.get(t.tenant) ?? [],
                })),
            };
        },
    };
}
