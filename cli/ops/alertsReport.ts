// What `alerts` prints after each look: what fired, what still fires, what is pending and what
// resolved, and what the webhook took. Pure.
import type { Advanced } from "../../monitor/alertState";
import type { Delivered } from "../../monitor/alerts";
import { age } from "../../tenants/checks";
import { table } from "../table";

export function renderAlerts(a: Advanced, now: number): string {
    const fired = new Set(a.events.filter((e) => e.event === "fired").map((e) => e.alert.key));
    const rows = [
        ...a.firing.map((x) => [fired.has(x.key) ? "FIRED" : "FIRING", x.key, `${x.message} (for ${age(now - x.since)})`]),
        ...a.pending.map((x) => ["pending", x.key, `${x.message} (for ${age(now - x.since)})`]),
        ...a.events.filter((e) => e.event === "resolved").map((e) => ["resolved", e.alert.key, e.alert.message]),
    ];
    if (rows.length === 0) return "no alert: every check passed";
    const summary = `${a.firing.length} firing (${fired.size} new), ${a.pending.length} pending, ${rows.length - a.firing.length - a.pending.length} resolved`;
    return `${table(["STATUS", "ALERT", "WHAT"], rows)}\n${summary}`;
}

export function renderDelivery(d: Delivered, origin: string, now: number): string {
    const parts = [`webhook ${origin}: ${d.sent.length} delivered`];
    if (d.failed) parts.push(`${d.failed.event.id} not taken (${d.failed.said}); next try in ${age(d.failed.nextAt - now)}`);
    if (d.gaveUp.length > 0) parts.push(`gave up after a day on ${d.gaveUp.map((e) => e.id).join(", ")}`);
    if (d.waiting > 0) parts.push(`${d.waiting} waiting`);
    return parts.join("; ");
}
