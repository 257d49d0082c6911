// Alerts to a webhook: each event is POSTed as JSON, signed with an HMAC-SHA256 of the exact body
// under FRONTBASE_ALERTS_SECRET (header X-Frontbase-Signature-256: sha256=<hex>, as GitHub signs
// its webhooks), and retried with back-off until it is taken (any 2xx) or a day has passed. The
// body carries the event's id (the same on every attempt, for the receiver to drop repeats) and
// when it was sent (for the receiver to refuse old replays). Pure, but for `post`.
import { createHmac, timingSafeEqual } from "crypto";
import type { AlertEvent } from "./alertState";

export const SECRET_ENV = "FRONTBASE_ALERTS_SECRET";
export const SIGNATURE_HEADER = "X-Frontbase-Signature-256";
export const EVENT_HEADER = "X-Frontbase-Event";
export const DELIVERY_HEADER = "X-Frontbase-Delivery";

/** Waits after failed attempts: 30 s, 1 min, 2 min, ... at most an hour; given up a day after the first try. */
export const FIRST_BACKOFF_MS = 30_000;
export const MAX_BACKOFF_MS = 3_600_000;
export const GIVE_UP_AFTER_MS = 86_400_000;

export function backoffMs(attempts: number): number {
    return Math.min(FIRST_BACKOFF_MS * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

export function signature(body: string, secret: string): string {
    return `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;
}

/** Whether `header` is the signature of `body` under `secret` (for receivers; constant-time). */
export function verifySignature(body: string, header: string | undefined, secret: string): boolean {
    const want = Buffer.from(signature(body, secret));
    const got = Buffer.from(header ?? "");
    return got.length === want.length && timingSafeEqual(got, want);
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The JSON body of one delivery attempt. */
export function payload(e: AlertEvent, o: { machine: string; sentAt: number; attempt: number }): string {
    const a = e.alert;
    return JSON.stringify({
        id: e.id,
        event: e.event,
        alert: {
            key: a.key,
            check: a.check,
            tenant: a.tenant ?? null,
            subject: a.subject,
            message: a.message,
            since: iso(a.since),
            firedAt: iso(a.firedAt),
            ...(a.resolvedAt !== undefined ? { resolvedAt: iso(a.resolvedAt) } : {}),
        },
        machine: o.machine,
        sentAt: iso(o.sentAt),
        attempt: o.attempt,
    });
}

/** A webhook URL: http or https, nothing else; checked before anything runs. */
export function webhookProblem(value: string): string | undefined {
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return "must be an http:// or https:// URL";
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") return `must be an http:// or https:// URL, not ${url.protocol}`;
    return undefined;
}

/** The URL without its path, query or credentials: how a webhook is named in output (its path may hold a token). */
export function webhookOrigin(value: string): string {
    return new URL(value).origin;
}

export interface PostResult {
    readonly ok: boolean;
    /** The HTTP status, or the transport error. */
    readonly said: string;
}

/** One attempt: POST `body`, signed, within `timeoutMs`. Never throws. */
export async function post(url: string, e: AlertEvent, body: string, secret: string, timeoutMs: number): Promise<PostResult> {
    try {
        const res = await fetch(url, {
            method: "POST",
            headers: {
                "content-type": "application/json",
                "user-agent": "frontbase-tenants-alerts",
                [SIGNATURE_HEADER]: signature(body, secret),
                [EVENT_HEADER]: e.event,
                [DELIVERY_HEADER]: e.id,
            },
            body,
            redirect: "manual",
            signal: AbortSignal.timeout(timeoutMs),
        });
        await res.arrayBuffer().catch(() => undefined);
        return { ok: res.status >= 200 && res.status < 300, said: `HTTP ${res.status}` };
    } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        return { ok: false, said: cause?.code ?? cause?.message ?? (err as Error).message };
    }
}
