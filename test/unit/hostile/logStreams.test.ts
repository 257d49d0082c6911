// Issue 20, beyond the examples: very long log lines and binary output through the log stream.
// The framing is the Engine's (moby api/server/httputils/write_log_stream.go: one frame per log
// message, its timestamp first; the log drivers cut a long line into 16 KiB messages), checked
// against the real Engine in test/integration/logStreams.test.ts. Here the parser's rows, and the
// dashboard's stream over real HTTP with a stand-in Engine whose stream turns bad.
import type * as http from "http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContainerLogParser, LineSplitter, MAX_LINE_CHARS } from "../../../tenants/logStream";
import type { FakeEngine } from "../../support/fakeEngine";
import { dashboardOnFakeEngine } from "../../support/dashboardServer";

const TS = "2026-12-04T14:35:07.174052032Z";

/** One frame of the Engine's multiplexed stream (1 stdout, 2 stderr). */
function frame(text: string | Buffer, stream = 1, size?: number): Buffer {
    const data = Buffer.isBuffer(text) ? text : Buffer.from(text);
    const header = Buffer.from([stream, 0, 0, 0, 0, 0, 0, 0]);
    header.writeUInt32BE(size ?? data.length, 4);
    return Buffer.concat([header, data]);
}

describe("log lines, round two: long, endless, binary", () => {
    it("a 40 000-character line the Engine cut into three messages comes back as its own text, without the timestamps the Engine put inside", () => {
        const line = "a".repeat(40_000);
        const parser = new ContainerLogParser("backend", false);
        const chunks = [line.slice(0, 16_384), line.slice(16_384, 32_768), `${line.slice(32_768)}\n`].map((m) => frame(`${TS} ${m}`));
        const lines = [...chunks.flatMap((c) => parser.push(c)), ...parser.end()];
        expect(lines.map((l) => l.text).join("")).toBe(line);
        expect(lines.every((l) => l.text.length <= MAX_LINE_CHARS)).toBe(true);
        expect(lines[0].time).toBe(TS);
    });

    it("an endless line (no newline, ever) is passed on in pieces as it comes: at most one piece is held", () => {
        const splitter = new LineSplitter();
        let passed = 0;
        for (let i = 0; i < 64; i++) passed += splitter.push(Buffer.alloc(16_384, 0x62)).reduce((n, l) => n + l.length, 0);
        expect(passed).toBeGreaterThanOrEqual(64 * 16_384 - MAX_LINE_CHARS);
        expect(splitter.flush().join("").length + passed).toBe(64 * 16_384);
    });

    it("binary output (NULs, invalid UTF-8, escape sequences) is lines of text, every byte accounted for", () => {
        const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x1b, 0x5b, 0x32, 0x4a, 0x0a, 0xc3, 0x28, 0x0a]);
        const parser = new ContainerLogParser("edge", false);
        const lines = [...parser.push(frame(Buffer.concat([Buffer.from(`${TS} `), bytes]))), ...parser.end()];
        expect(lines.map((l) => l.text)).toEqual(["\u0000\ufffd\ufffd\u001b[2J", "\ufffd("]);
    });

    it("a frame that claims 4 GiB is refused at once, not waited for in memory", () => {
        const parser = new ContainerLogParser("edge", false);
        expect(() => parser.push(frame("x", 1, 0xfffffff0))).toThrow("this is not a container log stream");
    });
});

const TOKEN = "log streams test token, 0123456789abcdef012";
let engine: FakeEngine;
let base: string;
let close: () => Promise<void>;
const held: http.ServerResponse[] = [];

beforeAll(async () => {
    ({ engine, base, close } = await dashboardOnFakeEngine(
        [
            {
                name: "bad_frontbase-backend-1",
                state: "running",
                labels: { "frontbase.tenant": "bad", "com.docker.compose.service": "backend" },
                // One good line, then bytes that are no frame (a TTY's raw output, say), then nothing: the stream stays open.
                logs: (res) => (
                    held.push(res),
                    res.write(Buffer.concat([frame(`${TS} fine\n`), Buffer.from("\x1b[31mraw tty output\r\n")]))
                ),
            },
        ],
        { "Pulumi.bad.yaml": "config: {}\n" },
        TOKEN,
    ));
});
afterAll(() => close());

/** Until `ok()` or 10 s (a bound for the failure, not a speed to meet). */
async function eventually(ok: () => boolean): Promise<boolean> {
    for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
    return ok();
}

describe("the dashboard's log stream, round two", () => {
    it("a stream that turns bad: the client is told, and the Engine's stream is closed, not left open", async () => {
        const res = await fetch(`${base}/api/v1/tenants/bad/logs/stream?tail=10`, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(res.status).toBe(200);
        const text = await res.text();
        expect(text).toContain('"text":"fine"');
        expect(text).toMatch(/event: error\ndata: \{"message":"log stream: bad frame header/);
        expect(await eventually(() => engine.openLogStreams() === 0)).toBe(true);
    });
});
