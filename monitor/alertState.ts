// The alerts' memory between runs, so that a cron job or a systemd timer fires each alert once
// and resolves it once: a finding seen for the first time is pending; it fires when it has lasted
// its hold time (counted from when it began, if the observation knows, else from when it was
// first seen); a fired alert stays quiet while it lasts and resolves once when it is gone. A
// finding that disappears before it fired is forgotten without a word. What could not be looked
// at this time (`unknown`) stays exactly as it was. Pure.
import type { CheckName, Finding, Look } from "./findings";

export interface Alert {
    readonly key: string;
    readonly check: CheckName;
    readonly tenant?: string;
    readonly subject: string;
    readonly message: string;
    /** When the condition began (ms). */
    readonly since: number;
    /** When it fired (ms); absent while pending. */
    readonly firedAt?: number;
    /** Set on the alert of a `resolved` event. */
    readonly resolvedAt?: number;
}

export interface AlertEvent {
    /** `<event>:<key>:<firedAt>`: the same for every delivery attempt, so a receiver can drop repeats. */
    readonly id: string;
    readonly event: "fired" | "resolved";
    readonly alert: Alert;
}

export interface Advanced {
    readonly alerts: Readonly<Record<string, Alert>>;
    /** In the order to deliver them: resolutions first, then new alerts, each by key. */
    readonly events: readonly AlertEvent[];
    readonly firing: readonly Alert[];
    readonly pending: readonly Alert[];
}

const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);

export function advance(prev: Readonly<Record<string, Alert>>, look: Look, now: number): Advanced {
    const alerts: Record<string, Alert> = {};
    const fired: AlertEvent[] = [];
    const resolved: AlertEvent[] = [];
    const seen = new Map<string, Finding>();
    for (const f of look.findings) if (!seen.has(f.key)) seen.set(f.key, f);
    const isUnknown = (key: string) => look.unknown.some((p) => key.startsWith(p));
    for (const [key, before] of Object.entries(prev)) {
        if (seen.has(key)) continue;
        if (isUnknown(key)) alerts[key] = before;
        else if (before.firedAt !== undefined)
            resolved.push({ id: `resolved:${key}:${before.firedAt}`, event: "resolved", alert: { ...before, resolvedAt: now } });
    }
    for (const [key, f] of seen) {
        const before = prev[key];
        const since = Math.min(before?.since ?? now, f.since ?? now);
        const alert: Alert = {
            key,
            check: f.check,
            ...(f.tenant !== undefined ? { tenant: f.tenant } : {}),
            subject: f.subject,
            message: f.message,
            since,
            ...(before?.firedAt !== undefined ? { firedAt: before.firedAt } : {}),
        };
        if (alert.firedAt === undefined && now - since >= f.holdMs) {
            const firing = { ...alert, firedAt: now };
            alerts[key] = firing;
            fired.push({ id: `fired:${key}:${now}`, event: "fired", alert: firing });
        } else alerts[key] = alert;
    }
    const all = Object.values(alerts).sort(byKey);
    return {
        alerts,
        events: [...resolved.sort((a, b) => byKey(a.alert, b.alert)), ...fired.sort((a, b) => byKey(a.alert, b.alert))],
        firing: all.filter((a) => a.firedAt !== undefined),
        pending: all.filter((a) => a.firedAt === undefined),
    };
}
