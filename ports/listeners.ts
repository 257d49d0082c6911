// Listening TCP sockets of this machine, read once from the kernel's socket table.
//
// The old scanner grepped `netstat -an` for ":PORT " once per candidate port, which also
// matched foreign addresses, TIME_WAIT and UDP, and treated every port as free when netstat
// was missing. Here: one read of /proc/net/tcp and tcp6, LISTEN rows only, local address
// only. When /proc is absent the caller is told so (`available: false`) and must fall back
// to bind probes instead of assuming the host is empty.
import { promises as fs } from "fs";
import * as path from "path";

/** `st` column value of a listening socket (include/net/tcp_states.h: TCP_LISTEN = 10). */
const TCP_LISTEN = "0A";

export interface Listener {
    readonly port: number;
    /** Local address as text: `127.0.0.1`, `0.0.0.0`, `::`, `::1`, ... */
    readonly address: string;
    /** Socket inode, to find the owning process on demand. */
    readonly inode: string;
}

export interface ListenerScan {
    /** False when no socket table could be read (no /proc); listeners are then unknown. */
    readonly available: boolean;
    readonly listeners: readonly Listener[];
}

/** Parse one /proc/net/tcp or tcp6 table. Exported for tests with real kernel text. */
export function parseSocketTable(text: string): Listener[] {
    const out: Listener[] = [];
    for (const line of text.split("\n").slice(1)) {
        const f = line.trim().split(/\s+/);
        if (f.length < 10 || f[3] !== TCP_LISTEN) continue;
        const [addrHex, portHex] = f[1].split(":");
        if (!portHex) continue;
        out.push({ port: parseInt(portHex, 16), address: decodeAddress(addrHex), inode: f[9] });
    }
    return out;
}

/** The kernel prints addresses as host-order 32-bit words; on x86/arm little-endian. */
function decodeAddress(hex: string): string {
    const words = hex.match(/.{8}/g) ?? [];
    const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
    if (bytes.length === 4) return bytes.join(".");
    const groups: string[] = [];
    for (let i = 0; i < bytes.length; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
    const text = groups.join(":");
    if (text === "0:0:0:0:0:0:0:0") return "::";
    if (text === "0:0:0:0:0:0:0:1") return "::1";
    const v4 = /^0:0:0:0:0:ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(text);
    if (v4)
        return `::ffff:${[parseInt(v4[1], 16) >> 8, parseInt(v4[1], 16) & 255, parseInt(v4[2], 16) >> 8, parseInt(v4[2], 16) & 255].join(".")}`;
    return text;
}

export async function readListeners(procRoot = "/proc"): Promise<ListenerScan> {
    const tables = await Promise.all(
        ["net/tcp", "net/tcp6"].map((t) => fs.readFile(path.join(procRoot, t), "utf8").catch(() => undefined)),
    );
    if (tables.every((t) => t === undefined)) return { available: false, listeners: [] };
    return { available: true, listeners: tables.flatMap((t) => (t === undefined ? [] : parseSocketTable(t))) };
}

/**
 * The process owning a listening socket, by inode, for error messages only: it walks
 * /proc/<pid>/fd, which is too slow for the allocation path. Undefined when not visible
 * (another user's process without root, or no /proc).
 */
export async function socketOwner(inode: string, procRoot = "/proc"): Promise<{ pid: number; command: string } | undefined> {
    const target = `socket:[${inode}]`;
    const pids = (await fs.readdir(procRoot).catch(() => [] as string[])).filter((d) => /^\d+$/.test(d));
    for (const pid of pids) {
        const fdDir = path.join(procRoot, pid, "fd");
        const fds = await fs.readdir(fdDir).catch(() => [] as string[]);
        for (const fd of fds) {
            if ((await fs.readlink(path.join(fdDir, fd)).catch(() => "")) !== target) continue;
            const command = (await fs.readFile(path.join(procRoot, pid, "comm"), "utf8").catch(() => "?")).trim();
            return { pid: Number(pid), command };
        }
    }
    return undefined;
}
