// Docker Engine log streams -> lines. Pure (buffers in, lines out), so the framing is tested
// without an engine.
//
// A container without a TTY sends its logs multiplexed: frames of an 8-byte header (byte 0 =
// stream: 1 stdout, 2 stderr; bytes 4-7 = payload size, big-endian) and the payload. Frames and
// UTF-8 characters may be split across chunks at any byte, so both are reassembled here.
import { StringDecoder } from "string_decoder";

export type StreamName = "stdout" | "stderr";

export interface Frame {
    readonly stream: StreamName;
    readonly data: Buffer;
}

/** Docker splits log messages at 16 KiB; a frame this large is not a log stream. */
export const MAX_FRAME_BYTES = 8 * 1024 * 1024;
/** A line longer than this (a binary blob without newlines, say) is passed on in pieces of this length, none lost. */
export const MAX_LINE_CHARS = 16 * 1024;

export class Demuxer {
    private buf: Buffer = Buffer.alloc(0);
    private bad: string | undefined;

    /**
     * Complete frames, in order. Bytes that are no frame throw; when good frames came before
     * them in the same chunk, those are returned first and `problem` says what follows.
     */
    push(chunk: Buffer): Frame[] {
        this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
        const frames: Frame[] = [];
        while (this.buf.length >= 8) {
            const type = this.buf[0];
            const size = this.buf.readUInt32BE(4);
            const bad =
                type > 2 || this.buf[1] !== 0 || this.buf[2] !== 0 || this.buf[3] !== 0
                    ? `log stream: bad frame header ${this.buf.subarray(0, 8).toString("hex")} (is the container a TTY?)`
                    : size > MAX_FRAME_BYTES
                      ? `log stream: a frame of ${size} bytes (over ${MAX_FRAME_BYTES}); this is not a container log stream`
                      : undefined;
            if (bad !== undefined) {
                if (frames.length === 0) throw new Error(bad);
                this.bad = bad;
                break;
            }
            if (this.buf.length < 8 + size) break;
            frames.push({ stream: type === 2 ? "stderr" : "stdout", data: this.buf.subarray(8, 8 + size) });
            this.buf = this.buf.subarray(8 + size);
        }
        return frames;
    }

    /** Bytes of an incomplete frame still waiting for the rest. */
    get pending(): number {
        return this.buf.length;
    }

    /** What came after the last frames returned, when it was no frame: the stream is broken from there on. */
    get problem(): string | undefined {
        return this.bad;
    }
}

/** Bytes -> complete lines, keeping a partial last line (and a split UTF-8 character) for later. */
export class LineSplitter {
    private decoder = new StringDecoder("utf8");
    private rest = "";
    private open = false;

    /** The last data pushed ended inside a line (the Engine's next message may continue it). */
    get midLine(): boolean {
        return this.open;
    }

    push(data: Buffer): string[] {
        if (data.length > 0) this.open = data[data.length - 1] !== 0x0a;
        const parts = (this.rest + this.decoder.write(data)).split("\n");
        this.rest = parts.pop()!;
        const lines = parts.map((l) => l.replace(/\r$/, ""));
        // A line that does not end (binary output, a runaway writer) must not grow without bound.
        while (this.rest.length > MAX_LINE_CHARS) {
            lines.push(this.rest.slice(0, MAX_LINE_CHARS));
            this.rest = this.rest.slice(MAX_LINE_CHARS);
        }
        return lines.flatMap((l) => (l.length > MAX_LINE_CHARS ? pieces(l) : [l]));
    }

    /** The last line when the stream ended without a newline. */
    flush(): string[] {
        const last = this.rest + this.decoder.end();
        this.rest = "";
        return last.length > 0 ? [last] : [];
    }
}

function pieces(line: string): string[] {
    const out: string[] = [];
    for (let i = 0; i < line.length; i += MAX_LINE_CHARS) out.push(line.slice(i, i + MAX_LINE_CHARS));
    return out;
}

export interface LogLine {
    readonly service: string;
    readonly stream: StreamName;
    /** RFC 3339 time the Engine recorded (requested with `timestamps: true`). */
    readonly time?: string;
    readonly text: string;
}

const TIMESTAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) ?(.*)$/s;

export function splitTimestamp(line: string): { time?: string; text: string } {
    const m = TIMESTAMPED.exec(line);
    return m ? { time: m[1], text: m[2] } : { text: line };
}

/** Nanoseconds since the epoch, as a bigint: Date keeps only milliseconds. */
function epochNanos(time: string): bigint {
    const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(time)!;
    const seconds = BigInt(Math.floor(Date.parse(`${m[1]}${m[3]}`) / 1000));
    return seconds * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0").slice(0, 9) || "0");
}

/** Lines of several containers in time order; a stable sort keeps each container's own order. */
export function mergeByTime(lines: readonly LogLine[]): LogLine[] {
    const keyed = lines.map((l) => ({ l, t: l.time ? epochNanos(l.time) : -1n }));
    keyed.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    return keyed.map((k) => k.l);
}

export function formatLogLine(l: LogLine, opts: { prefixWidth?: number; timestamps?: boolean }): string {
    const prefix = opts.prefixWidth === undefined ? "" : `${l.service.padEnd(opts.prefixWidth)} | `;
    return `${prefix}${opts.timestamps && l.time ? `${l.time} ` : ""}${l.text}`;
}

/** The Engine's timestamp in front of a message (RFC 3339 with nine fraction digits, jsonmessage.RFC3339NanoFixed). */
const MESSAGE_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(?:Z|[+-]\d\d:\d\d) /;

function withoutTimestamp(data: Buffer): Buffer {
    const m = MESSAGE_TIMESTAMP.exec(data.subarray(0, 40).toString("latin1"));
    return m ? data.subarray(m[0].length) : data;
}

/** Turns one container's log bytes into lines, multiplexed or raw (TTY). */
export class ContainerLogParser {
    private demux = new Demuxer();
    private splitters: Record<StreamName, LineSplitter> = { stdout: new LineSplitter(), stderr: new LineSplitter() };

    constructor(
        private readonly service: string,
        private readonly tty: boolean,
    ) {}

    push(chunk: Buffer): LogLine[] {
        const frames: Frame[] = this.tty ? [{ stream: "stdout", data: chunk }] : this.demux.push(chunk);
        return frames.flatMap((f) => {
            const splitter = this.splitters[f.stream];
            // The Engine writes each log message as one frame, its timestamp first
            // (moby api/server/httputils/write_log_stream.go, WriteLogStream), and its log
            // drivers cut a long line into messages of 16 KiB: a frame that continues a line
            // carries a timestamp that is not part of the line's text. A TTY's stream has no
            // frames to tell a message's start by, so its long lines keep them.
            const data = !this.tty && splitter.midLine ? withoutTimestamp(f.data) : f.data;
            return splitter.push(data).map((line) => this.line(f.stream, line));
        });
    }

    /** The stream broke after the lines returned last (see Demuxer.problem). */
    get problem(): string | undefined {
        return this.demux.problem;
    }

    end(): LogLine[] {
        return (["stdout", "stderr"] as const).flatMap((s) => this.splitters[s].flush().map((line) => this.line(s, line)));
    }

    private line(stream: StreamName, raw: string): LogLine {
        return { service: this.service, stream, ...splitTimestamp(raw) };
    }
}
