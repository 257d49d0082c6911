// The socket table: LISTEN rows only, local address only; real sockets on loopback.
import * as dgram from "dgram";
import * as net from "net";
import { afterEach, describe, expect, it } from "vitest";
import { parseSocketTable, readListeners, socketOwner } from "../../../ports/listeners";
import { closeAll, freeBlock, listen } from "../../support/sockets";
import { tempDir } from "../../support/temp";

// Rows in the kernel's own format (taken from /proc/net/tcp and tcp6 on this kind of host):
// a listener on 127.0.0.1:8000, a TIME_WAIT whose *local* port is 8001, an ESTABLISHED
// connection whose *foreign* port is 8002, a listener on 0.0.0.0:8004; in tcp6 listeners on
// [::1]:8003 and on a v4-mapped address, port 8005.
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   1: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 56110 1 0000000040d2e704 100 0 0 10 0
   8: 0100007F:1F41 0100007F:BDBA 06 00000000:00000000 03:00001765 00000000     0        0 0 3 0000000097a73e91
   9: 0100007F:BDBB 0100007F:1F42 01 00000000:00000000 00:00000000 00000000     0        0 56120 1 0000000097a73e92 20 4 30 10 -1
  10: 00000000:1F44 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 56121 1 0000000040d2e705 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:1F43 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 56112 1 00000000566bfba0 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:1F45 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 56113 1 00000000566bfba1 100 0 0 10 0
`;

const open: net.Server[] = [];
const sockets: (net.Socket | dgram.Socket)[] = [];
afterEach(async () => {
    for (const s of sockets.splice(0)) "destroy" in s ? s.destroy() : s.close();
    await closeAll(open.splice(0));
});

describe("parseSocketTable", () => {
    it("keeps LISTEN rows with their local address, and ignores TIME_WAIT and foreign ports", () => {
        expect(parseSocketTable(TCP)).toEqual([
            { port: 8000, address: "127.0.0.1", inode: "56110" },
            { port: 8004, address: "0.0.0.0", inode: "56121" },
        ]);
        expect(parseSocketTable(TCP6)).toEqual([
            { port: 8003, address: "::1", inode: "56112" },
            { port: 8005, address: "::ffff:127.0.0.1", inode: "56113" },
        ]);
        expect(parseSocketTable("")).toEqual([]);
    });
});

describe("readListeners (this machine's kernel)", () => {
    it("sees a real listener, but not a UDP socket nor either end of a TCP connection", async () => {
        const base = await freeBlock(2);
        const server = await listen(base);
        open.push(server);
        const udp = dgram.createSocket("udp4");
        sockets.push(udp);
        await new Promise<void>((r) => udp.bind(base + 1, "127.0.0.1", r));
        const client = net.connect(base, "127.0.0.1");
        sockets.push(client);
        await new Promise((r) => client.once("connect", r));

        const scan = await readListeners();
        expect(scan.available).toBe(true);
        expect(scan.listeners.filter((l) => l.port === base).map((l) => l.address)).toEqual(["127.0.0.1"]);
        expect(scan.listeners.some((l) => l.port === base + 1)).toBe(false);
        expect(scan.listeners.some((l) => l.port === client.localPort)).toBe(false);
    });

    it("finds the process that owns a listener, for error messages", async () => {
        const base = await freeBlock(1);
        open.push(await listen(base));
        const l = (await readListeners()).listeners.find((x) => x.port === base);
        expect(l).toBeTruthy();
        expect((await socketOwner(l!.inode))?.pid).toBe(process.pid);
    });

    it("says so when there is no socket table, instead of reporting an empty host", async () => {
        const noProc = tempDir("no-proc");
        expect(await readListeners(noProc)).toEqual({ available: false, listeners: [] });
    });
});
