// The final check of chosen ports: bind each one on the address Docker will publish it on,
// then let go. The socket table was read a moment earlier; this catches whatever grabbed a
// port since (or, without /proc, whatever the scan could not see).
import * as net from "net";

export interface BindFailure {
    readonly port: number;
    readonly address: string;
    /** `EADDRINUSE`, `EACCES` (a privileged port), ... */
    readonly code: string;
}

export type BindChecker = (ports: readonly number[], address: string) => Promise<BindFailure[]>;

export async function bindCheck(ports: readonly number[], address: string): Promise<BindFailure[]> {
    const results = await Promise.all(ports.map((p) => tryBind(p, address)));
    return results.filter((r): r is BindFailure => r !== undefined);
}

function tryBind(port: number, address: string): Promise<BindFailure | undefined> {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.once("error", (e: NodeJS.ErrnoException) => resolve({ port, address, code: e.code ?? e.message }));
        // `exclusive` keeps cluster workers from sharing a handle; the bind is real either way.
        server.listen({ port, host: address, exclusive: true }, () => server.close(() => resolve(undefined)));
    });
}
