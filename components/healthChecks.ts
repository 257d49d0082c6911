// A service's health check as Docker runs it, shaped by what the tenant's Docker host can do.
// Pure data; services.ts declares each service's own check, and docs/speed.md ("Fleet") has the
// measurements the intervals come from.
import type { TenantConfig } from "./config";

/** Durations in Go's `time.Duration` text, the form the provider reads back (`1m0s`, not `60s`). */
export interface Healthcheck {
    readonly tests: readonly string[];
    readonly interval: string;
    readonly timeout: string;
    readonly retries: number;
    readonly startPeriod: string;
    /** Only on engines that have it (API 1.44+): the interval during the start period. */
    readonly startInterval?: string;
}

/** A service's own check: its command and times in seconds, before the host's shape is applied. */
export interface Probe {
    readonly tests: readonly string[];
    readonly own: { readonly interval: number; readonly retries: number; readonly startPeriod?: number; readonly timeout?: number };
}

/** With a start interval: one check a second while a service starts, so `up` moves on as soon as it answers. */
export const START_INTERVAL = 1;
/**
 * With a start interval, the interval between checks once a service is up. Each check is a process
 * that Docker starts inside the container: the fleet bench prices one at about 150 ms of the host's
 * CPU on Docker 26 (docs/speed.md, "Fleet"), so four checked services cost a tenant about 0.5% of
 * one core at 120 s, as much as the idle application itself, and 0.2% at 300 s. With MIN_RETRIES,
 * a service that stops answering is unhealthy within 10 minutes (two failed checks in a row); a
 * container that exits or restarts is seen at once, without a check.
 */
export const MONITOR_INTERVAL = 300;

/** At long intervals, one failed check is not enough to call a service unhealthy: at least two in a row. */
export const MIN_RETRIES = 2;

/**
 * Seconds -> Go's `time.Duration.String()` text ("1m0s", "1h30m0s", "0s"). The provider
 * reads health check durations back from Docker in this form (flattenHealthcheck), so any
 * other spelling of the same duration is a diff on every refresh.
 */
export function goDuration(seconds: number): string {
    if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`goDuration: ${seconds} is not a whole number of seconds`);
    if (seconds === 0) return "0s";
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    if (h > 0) return `${h}h${m}m${s}s`;
    if (m > 0) return `${m}m${s}s`;
    return `${s}s`;
}

/**
 * The check Docker runs. Two shapes, by what the Docker host can do:
 *  - with a start interval (`cfg.healthStartInterval`, API 1.44+): a check every second during a
 *    start period as long as `up` waits for the service (`waitTimeout`), then every
 *    MONITOR_INTERVAL (or `healthInterval`): fast deploys, cheap idle;
 *  - without (older engines: Docker runs the first check one interval after start, and every
 *    interval after that): the service's own interval, or `healthInterval`. The interval is then
 *    a trade between how fast `up` is and what an idle tenant costs.
 * Retries follow the interval, so that a service is declared unhealthy after a run of failures at
 * least as long as with its own interval and retries, and of at least MIN_RETRIES checks: a short
 * interval speeds up `up` without making a slow moment fatal; a long one (MONITOR_INTERVAL) does
 * not wait five of its intervals to say so.
 */
export function healthcheckOf(
    { tests, own }: Probe,
    cfg: Pick<TenantConfig, "healthInterval" | "healthStartInterval">,
    waitTimeout: number,
): Healthcheck {
    const retriesAt = (interval: number) => Math.max(MIN_RETRIES, Math.ceil((own.interval * own.retries) / interval));
    const base = { tests: ["CMD", ...tests], timeout: goDuration(own.timeout ?? 5) };
    if (cfg.healthStartInterval) {
        const interval = cfg.healthInterval ?? MONITOR_INTERVAL;
        return {
            ...base,
            interval: goDuration(interval),
            retries: retriesAt(interval),
            startPeriod: goDuration(Math.max(own.startPeriod ?? 0, waitTimeout)),
            startInterval: goDuration(START_INTERVAL),
        };
    }
    const interval = cfg.healthInterval ?? own.interval;
    return { ...base, interval: goDuration(interval), retries: retriesAt(interval), startPeriod: goDuration(own.startPeriod ?? 0) };
}
