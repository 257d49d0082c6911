// The dashboard listening: over HTTP, or HTTPS with the operator's certificate, and stopped
// cleanly: no new connection, every open one (event streams included, so their Engine log
// streams end) closed. Errors name what the operator gave: the port, the address, the files.
import { readFileSync } from "fs";
import * as http from "http";
import * as https from "https";
import type { Context } from "../tenants/context";
import { UsageError } from "../tenants/errors";
import { createDashboard, limitSlowClients } from "./server";

export interface ServeOptions {
    readonly token: string;
    readonly port: number;
    readonly listen: string;
    readonly tlsCert?: string;
    readonly tlsKey?: string;
    /** A reverse proxy in front terminates TLS: the session cookie is Secure all the same. */
    readonly behindProxy: boolean;
}

export async function serveDashboard(ctx: Context, o: ServeOptions): Promise<{ url: string; close: () => Promise<void> }> {
    const plain = createDashboard(ctx, { token: o.token, secure: o.tlsCert !== undefined || o.behindProxy });
    const server: http.Server = o.tlsCert ? limitSlowClients(tlsServer(o.tlsCert, o.tlsKey!, plain)) : plain;
    await new Promise<void>((resolve, reject) =>
        server
            .once("error", (e: NodeJS.ErrnoException) =>
                reject(
                    new Error(
                        e.code === "EADDRINUSE"
                            ? `port ${o.port} on ${o.listen} is in use (EADDRINUSE): stop what holds it, or pass another --port`
                            : e.code === "EADDRNOTAVAIL"
                              ? `--listen ${o.listen}: no interface of this machine has that address (EADDRNOTAVAIL)`
                              : `cannot listen on ${o.listen}:${o.port}: ${e.message}`,
                        { cause: e },
                    ),
                ),
            )
            .listen(o.port, o.listen, resolve),
    );
    const host = o.listen.includes(":") ? `[${o.listen}]` : o.listen;
    return {
        url: `${o.tlsCert ? "https" : "http"}://${host}:${o.port}/`,
        close: () =>
            new Promise<void>((resolve) => {
                server.close(() => resolve());
                // Idle keep-alive sockets and event streams would otherwise hold it open.
                server.closeAllConnections();
            }),
    };
}

/** An HTTPS server handing each request to the dashboard's; a key that does not fit the certificate names both flags. */
function tlsServer(cert: string, key: string, plain: http.Server): https.Server {
    try {
        return https.createServer({ cert: readFileSync(cert), key: readFileSync(key) }, (req, res) => plain.emit("request", req, res));
    } catch (e) {
        throw new UsageError(`--tls-cert ${cert} and --tls-key ${key}: ${(e as Error).message}`);
    }
}
