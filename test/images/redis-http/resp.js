// A tiny RESP2 client: one connection, commands written at once, replies read in order.
// Enough for a test proxy; no pooling, no pub/sub, no RESP3.
"use strict";
const net = require("node:net");

const TIMEOUT_MS = 3000;

function encode(args) {
    const parts = [`*${args.length}\r\n`];
    for (const a of args) {
        const s = Buffer.from(String(a), "utf8");
        parts.push(`$${s.length}\r\n`, s, "\r\n");
    }
    return Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
}

/** Parses one reply at `pos`; returns [value, nextPos] or undefined when more bytes are needed. */
function parse(buf, pos) {
    const eol = buf.indexOf("\r\n", pos);
    if (eol < 0) return undefined;
    const type = String.fromCharCode(buf[pos]);
    const line = buf.toString("utf8", pos + 1, eol);
    const next = eol + 2;
    switch (type) {
        case "+":
            return [line, next];
        case "-":
            return [new Error(line), next];
        case ":":
            return [Number(line), next];
        case "$": {
            const len = Number(line);
            if (len < 0) return [null, next];
            if (buf.length < next + len + 2) return undefined;
            return [buf.toString("utf8", next, next + len), next + len + 2];
        }
        case "*": {
            const n = Number(line);
            if (n < 0) return [null, next];
            const items = [];
            let p = next;
            for (let i = 0; i < n; i++) {
                const r = parse(buf, p);
                if (!r) return undefined;
                items.push(r[0]);
                p = r[1];
            }
            return [items, p];
        }
        default:
            throw new Error(`bad reply from redis (type byte ${JSON.stringify(type)})`);
    }
}

class RedisClient {
    constructor({ host, port, password, username, db }) {
        Object.assign(this, { host, port, password, username, db });
        this.socket = undefined;
    }

    /** Connects, then AUTH and SELECT when the connection string asked for them. */
    async connect() {
        this.socket = await new Promise((resolve, reject) => {
            const s = net.connect({ host: this.host, port: this.port });
            const timer = setTimeout(() => {
                s.destroy();
                reject(new Error(`connect timed out after ${TIMEOUT_MS} ms`));
            }, TIMEOUT_MS);
            s.once("connect", () => (clearTimeout(timer), resolve(s)));
            s.once(
                "error",
                (e) => (
                    clearTimeout(timer),
                    reject(new Error(e.code === "ENOTFOUND" || e.code === "EAI_AGAIN" ? `cannot resolve ${this.host}` : e.message))
                ),
            );
        });
        // Errors after this point are reported by pipeline(); never let one crash the process.
        this.socket.on("error", () => {});
        const setup = [];
        if (this.password !== undefined) setup.push(this.username ? ["AUTH", this.username, this.password] : ["AUTH", this.password]);
        if (this.db) setup.push(["SELECT", this.db]);
        for (const r of setup.length ? await this.pipeline(setup) : []) {
            if (r instanceof Error) throw new Error(`redis refused ${setup[0][0]}: ${r.message}`);
        }
    }

    /** Sends every command and resolves with one reply per command (Error for `-ERR`). */
    pipeline(commands) {
        const s = this.socket;
        return new Promise((resolve, reject) => {
            let buf = Buffer.alloc(0);
            const replies = [];
            const timer = setTimeout(() => done(new Error(`no reply within ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
            const done = (err) => {
                clearTimeout(timer);
                s.off("data", onData);
                s.off("error", done);
                s.off("close", onClose);
                err ? reject(err) : resolve(replies);
            };
            const onClose = () => done(new Error("redis closed the connection"));
            const onData = (chunk) => {
                buf = Buffer.concat([buf, chunk]);
                try {
                    let r;
                    while (replies.length < commands.length && (r = parse(buf, 0))) {
                        replies.push(r[0]);
                        buf = buf.subarray(r[1]);
                    }
                } catch (e) {
                    return done(e);
                }
                if (replies.length === commands.length) done();
            };
            s.on("data", onData);
            s.on("error", done);
            s.on("close", onClose);
            s.write(Buffer.concat(commands.map(encode)));
        });
    }

    close() {
        if (this.socket) this.socket.destroy();
    }
}

module.exports = { RedisClient, encode, parse };
