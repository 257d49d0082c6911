import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ContainerLogParser, Demuxer, formatLogLine, LineSplitter, mergeByTime, splitTimestamp } from "../../../tenants/logStream";

function frame(stream: 1 | 2, text: string | Buffer): Buffer {
    const payload = typeof text === "string" ? Buffer.from(text) : text;
    const head = Buffer.alloc(8);
    head[0] = stream;
    head.writeUInt32BE(payload.length, 4);
    return Buffer.concat([head, payload]);
}

/** Cut a buffer at the given offsets. */
function cut(buf: Buffer, offsets: number[]): Buffer[] {
    const points = [...new Set(offsets.map((o) => o % (buf.length + 1)))].sort((a, b) => a - b);
    const parts: Buffer[] = [];
    let last = 0;
    for (const p of [...points, buf.length]) {
        parts.push(buf.subarray(last, p));
        last = p;
    }
    return parts;
}

describe("Demuxer", () => {
    it("splits stdout and stderr frames", () => {
        const d = new Demuxer();
        const frames = d.push(Buffer.concat([frame(1, "out\n"), frame(2, "err\n")]));
        expect(frames.map((f) => [f.stream, f.data.toString()])).toEqual([
            ["stdout", "out\n"],
            ["stderr", "err\n"],
        ]);
        expect(d.pending).toBe(0);
    });

    it("waits for the rest of a frame split anywhere, even inside the header", () => {
        const d = new Demuxer();
        const all = frame(2, "hello");
        expect(d.push(all.subarray(0, 3))).toEqual([]);
        expect(d.push(all.subarray(3, 10))).toEqual([]);
        expect(d.pending).toBe(10);
        expect(d.push(all.subarray(10)).map((f) => f.data.toString())).toEqual(["hello"]);
    });

    it("rejects bytes that are not a multiplexed stream", () => {
        expect(() => new Demuxer().push(Buffer.from("plain text, a TTY log\n"))).toThrow(/bad frame header .*TTY/);
    });

    it("yields the same lines however the stream is chunked (property)", () => {
        fc.assert(
            fc.property(
                fc.array(fc.tuple(fc.constantFrom(1 as const, 2 as const), fc.array(fc.string({ unit: "grapheme" }), { maxLength: 4 })), {
                    maxLength: 6,
                }),
                fc.array(fc.nat(), { maxLength: 12 }),
                (spec, offsets) => {
                    const bytes = Buffer.concat(
                        spec.map(([s, lines]) => frame(s, lines.map((l) => l.replace(/[\r\n]/g, "") + "\n").join(""))),
                    );
                    const whole = new ContainerLogParser("svc", false);
                    const expected = [...whole.push(bytes), ...whole.end()];
                    const chunked = new ContainerLogParser("svc", false);
                    const got = [...cut(bytes, offsets).flatMap((c) => chunked.push(c)), ...chunked.end()];
                    expect(got).toEqual(expected);
                    expect(got.map((l) => l.text)).toEqual(spec.flatMap(([, lines]) => lines.map((l) => l.replace(/[\r\n]/g, ""))));
                },
            ),
        );
    });
});

describe("LineSplitter", () => {
    it("keeps a partial line and a split UTF-8 character until the rest arrives", () => {
        const s = new LineSplitter();
        const euro = Buffer.from("€"); // 3 bytes
        expect(s.push(Buffer.concat([Buffer.from("a\r\nb"), euro.subarray(0, 1)]))).toEqual(["a"]);
        expect(s.push(Buffer.concat([euro.subarray(1), Buffer.from("c\n")]))).toEqual(["b€c"]);
        expect(s.push(Buffer.from("tail"))).toEqual([]);
        expect(s.flush()).toEqual(["tail"]);
        expect(s.flush()).toEqual([]);
    });
});

describe("timestamps and merging", () => {
    it("splits the Engine's RFC 3339 timestamp off a line", () => {
        expect(splitTimestamp("2024-05-01T10:00:00.123456789Z hello world")).toEqual({
            time: "2024-05-01T10:00:00.123456789Z",
            text: "hello world",
        });
        expect(splitTimestamp("2024-05-01T10:00:00Z ")).toEqual({ time: "2024-05-01T10:00:00Z", text: "" });
        expect(splitTimestamp("no time here")).toEqual({ text: "no time here" });
    });

    it("orders several containers' lines by time to the nanosecond, keeping ties in order", () => {
        const l = (service: string, time: string, text: string) => ({ service, stream: "stdout" as const, time, text });
        const merged = mergeByTime([
            l("backend", "2024-05-01T10:00:00.000000002Z", "b2"),
            l("backend", "2024-05-01T10:00:01.5Z", "b3"),
            l("edge", "2024-05-01T10:00:00.000000001Z", "e1"),
            l("edge", "2024-05-01T10:00:00.000000002Z", "e2-tie"),
            l("edge", "2024-05-01T11:00:00.5+01:00", "e-offset"), // 10:00:00.5 UTC
        ]);
        expect(merged.map((x) => x.text)).toEqual(["e1", "b2", "e2-tie", "e-offset", "b3"]);
    });

    it("prefixes by service when asked, timestamps only when asked", () => {
        const line = { service: "redis", stream: "stdout" as const, time: "2024-05-01T10:00:00Z", text: "ready" };
        expect(formatLogLine(line, {})).toBe("ready");
        expect(formatLogLine(line, { prefixWidth: 10 })).toBe("redis      | ready");
        expect(formatLogLine(line, { prefixWidth: 5, timestamps: true })).toBe("redis | 2024-05-01T10:00:00Z ready");
    });

    it("reads a TTY container's raw stream as stdout", () => {
        const p = new ContainerLogParser("frontend", true);
        expect(p.push(Buffer.from("2024-05-01T10:00:00Z one\ntwo"))).toEqual([
            { service: "frontend", stream: "stdout", time: "2024-05-01T10:00:00Z", text: "one" },
        ]);
        expect(p.end()).toEqual([{ service: "frontend", stream: "stdout", text: "two" }]);
    });
});
