// Issue 20, beyond the examples: many slow clients on the dashboard, a bounded number, on
// loopback. Clients that follow a tenant's logs and read nothing, clients that trickle their
// request a byte at a time, and more streams than the server takes: the server stays responsive
// to others, drops a reader that leaves 1 MiB unread (and ends the Engine's stream it held), and
// refuses a stream beyond MAX_STREAMS. Real sockets; the stand-in Engine streams without end.
import type * as http from "http";
import * as net from "net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_STREAMS } from "../../../dashboard/server";
import type { FakeEngine } from "../../support/fakeEngine";
import { dashboardOnFakeEngine } from "../../support/dashboardServer";

const TOKEN = "slow clients test token, 0123456789abcdef01";
const TS = "2026-12-04T14:35:07.174052032Z";
let engine: FakeEngine;
let port: number;
let close: () => Promise<void>;

/** A container whose log never ends: 16 KiB of lines every 10 ms, until the client goes. */
function endless(res: http.ServerResponse): void {
    const line = Buffer.from(`${TS} ${"x".repeat(4095)}\n`);
    const header = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
    header.writeUInt32BE(line.length, 4);
    const chunk = Buffer.concat(Array.from({ length: 4 }, () => Buffer.concat([header, line])));
    const timer = setInterval(() => res.write(chunk), 10);
    res.once("close", () => clearInterval(timer));
}

beforeAll(async () => {
    ({ engine, port, close } = await dashboardOnFakeEngine(
        [
            {
                name: "busy_frontbase-backend-1",
                state: "running",
                labels: { "frontbase.tenant": "busy", "com.docker.compose.service": "backend" },
                logs: endless,
            },
        ],
        { "Pulumi.busy.yaml": "config: {}\n" },
        TOKEN,
    ));
});
afterAll(() => close());

const STREAM = `GET /api/v1/tenants/busy/logs/stream?tail=0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`;

/** A client that sends its request and then reads nothing: its socket is paused from the start. */
async function nonReader(): Promise<net.Socket> {
    const s = net.connect(port, "127.0.0.1");
    s.pause();
    s.on("error", () => undefined); // the server may reset it
    await new Promise((r) => s.once("connect", r));
    s.write(STREAM);
    return s;
}

/** A client that sends its request one byte every 50 ms: slower than anyone would. */
function trickler(): net.Socket {
    const s = net.connect(port, "127.0.0.1");
    s.on("error", () => undefined);
    const bytes = Buffer.from(`GET /api/v1/tenants HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`);
    let i = 0;
    const timer = setInterval(() => (i < bytes.length ? s.write(bytes.subarray(i, ++i)) : clearInterval(timer)), 50);
    s.once("close", () => clearInterval(timer));
    return s;
}

/** Until `ok()` or 20 s (a bound for the failure, not a speed to meet). */
async function eventually(ok: () => boolean): Promise<boolean> {
    for (let i = 0; i < 400 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
    return ok();
}

const answers = async () =>
    (await fetch(`http://127.0.0.1:${port}/api/v1/tenants`, { headers: { authorization: `Bearer ${TOKEN}` } })).status;

describe("slow clients on the dashboard, round two", () => {
    it("8 followers that read nothing are dropped once 1 MiB waits for each, their Engine streams end, and others are answered meanwhile", async () => {
        const slow = await Promise.all(Array.from({ length: 8 }, nonReader));
        const tricklers = Array.from({ length: 20 }, trickler);
        try {
            expect(await eventually(() => engine.openLogStreams() === 8)).toBe(true);
            expect(await answers()).toBe(200);
            // Each one's unread output reaches the bound; the server lets it go, and the Engine's stream with it.
            expect(await eventually(() => engine.openLogStreams() === 0)).toBe(true);
            expect(await answers()).toBe(200);
        } finally {
            for (const s of [...slow, ...tricklers]) s.destroy();
        }
    }, 60_000);

    it(`refuses a log stream beyond ${MAX_STREAMS} open ones with 503, and takes one again when one ends`, async () => {
        const readers = await Promise.all(
            Array.from({ length: MAX_STREAMS }, async () => {
                const abort = new AbortController();
                const res = await fetch(`http://127.0.0.1:${port}/api/v1/tenants/busy/logs/stream?tail=0`, {
                    headers: { authorization: `Bearer ${TOKEN}` },
                    signal: abort.signal,
                });
                const reader = res.body!.getReader();
                void (async () => {
                    for (;;) if ((await reader.read().catch(() => ({ done: true }))).done) return;
                })();
                return { status: res.status, abort };
            }),
        );
        try {
            expect(readers.map((r) => r.status)).toEqual(Array(MAX_STREAMS).fill(200));
            const more = await fetch(`http://127.0.0.1:${port}/api/v1/tenants/busy/logs/stream?tail=0`, {
                headers: { authorization: `Bearer ${TOKEN}` },
            });
            expect([more.status, ((await more.json()) as { error: { code: string } }).error.code]).toEqual([503, "too_many_streams"]);
            readers[0].abort.abort();
            expect(await eventually(() => engine.openLogStreams() === MAX_STREAMS - 1)).toBe(true);
            const again = await fetch(`http://127.0.0.1:${port}/api/v1/tenants/busy/logs/stream?tail=0`, {
                headers: { authorization: `Bearer ${TOKEN}` },
            });
            expect(again.status).toBe(200);
            await again.body!.cancel();
        } finally {
            for (const r of readers) r.abort.abort();
        }
        expect(await eventually(() => engine.openLogStreams() === 0)).toBe(true);
    }, 60_000);
});
