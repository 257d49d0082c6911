// One run of `alerts`: look at the fleet, advance the alerts' state under its lock (events to
// deliver are queued in the same step, so each is queued exactly once), and, apart from that,
// deliver what the webhook is owed. Delivery never holds up a check: `check` has finished and
// saved its result before `deliver` sends anything, and `deliver` is bounded (a few short tries
// per event now, the rest left for later runs with back-off).
import { randomBytes } from "crypto";
import type { Context } from "../tenants/context";
import { advance, Advanced, AlertEvent } from "./alertState";
import { AlertStore, Outgoing, withStore } from "./alertStore";
import { look, Thresholds } from "./findings";
import { observe } from "./observe";
import { backoffMs, GIVE_UP_AFTER_MS, payload, post } from "./webhook";

export interface Webhook {
    readonly url: string;
    readonly secret: string;
}

type Files = { state: string; lock: string };

/** Looks, fires and resolves; queues the events when there is a webhook to tell. */
export async function check(ctx: Context, files: Files, t: Thresholds, queue: boolean): Promise<Advanced> {
    const seen = look(await observe(ctx, t), t);
    const now = ctx.now();
    return withStore(files, (s) => {
        const a = advance(s.alerts, seen, now);
        const queued: Outgoing[] = queue ? a.events.map((event) => ({ event, attempts: 0, nextAt: now, firstAt: now })) : [];
        return { next: { version: 1, alerts: { ...a.alerts }, outbox: [...s.outbox, ...queued] }, result: a };
    });
}

export interface Delivered {
    readonly sent: readonly AlertEvent[];
    /** The event that could not be delivered (the ones after it wait their turn), and what the receiver said. */
    readonly failed?: { readonly event: AlertEvent; readonly said: string; readonly nextAt: number };
    readonly gaveUp: readonly AlertEvent[];
    readonly waiting: number;
}

export interface DeliveryOptions {
    readonly machine: string;
    /** Tries per event in this run, 1 s then 2 s apart. */
    readonly tries: number;
    readonly timeoutMs: number;
    /** At most this many events per run. */
    readonly batch: number;
}

export const DELIVERY: DeliveryOptions = { machine: "", tries: 3, timeoutMs: 10_000, batch: 10 };

/** Sends what is due, in order, stopping at the first event the receiver does not take. */
export async function deliver(ctx: Context, files: Files, hook: Webhook, o: DeliveryOptions): Promise<Delivered> {
    const token = randomBytes(6).toString("hex");
    const claimMs = o.batch * o.tries * (o.timeoutMs + 2000) + 60_000;
    const start = ctx.now();
    const due = await withStore(files, (s) => {
        const ids = new Set(
            s.outbox
                .filter((x) => x.nextAt <= start && !((x.claimedUntil ?? 0) > start))
                .slice(0, o.batch)
                .map((x) => x.event.id),
        );
        const outbox = s.outbox.map((x) => (ids.has(x.event.id) ? { ...x, claimedUntil: start + claimMs, claimedBy: token } : x));
        return { next: { ...s, outbox }, result: s.outbox.filter((x) => ids.has(x.event.id)) };
    });
    const tried = new Map<string, { ok: boolean; said: string; attempts: number }>();
    for (const item of due) {
        let r = { ok: false, said: "" };
        let attempts = 0;
        while (!r.ok && attempts < o.tries) {
            if (attempts > 0) await ctx.sleep(1000 * 2 ** (attempts - 1));
            attempts++;
            const body = payload(item.event, { machine: o.machine, sentAt: ctx.now(), attempt: item.attempts + attempts });
            r = await post(hook.url, item.event, body, hook.secret, o.timeoutMs);
        }
        tried.set(item.event.id, { ...r, attempts });
        if (!r.ok) break;
    }
    const now = ctx.now();
    return withStore(files, (s) => settle(s, token, tried, now));
}

function settle(s: AlertStore, token: string, tried: Map<string, { ok: boolean; said: string; attempts: number }>, now: number) {
    const sent: AlertEvent[] = [];
    const gaveUp: AlertEvent[] = [];
    let failed: Delivered["failed"];
    const outbox = s.outbox.flatMap((x): Outgoing[] => {
        if (x.claimedBy !== token) return [x];
        const { claimedBy: _by, claimedUntil: _until, ...rest } = x;
        const r = tried.get(x.event.id);
        if (!r) return [rest];
        if (r.ok) {
            sent.push(x.event);
            return [];
        }
        const attempts = x.attempts + r.attempts;
        if (now - x.firstAt >= GIVE_UP_AFTER_MS) {
            gaveUp.push(x.event);
            return [];
        }
        const next = { ...rest, attempts, nextAt: now + backoffMs(attempts) };
        failed = { event: x.event, said: r.said, nextAt: next.nextAt };
        return [next];
    });
    return { next: { ...s, outbox }, result: { sent, failed, gaveUp, waiting: outbox.length } };
}
