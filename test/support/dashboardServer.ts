// A dashboard server for a test, on a loopback port of its own, and the way to stop it (open
// connections too: a followed log stream would hold it open).
import type { AddressInfo } from "net";
import { createDashboard } from "../../dashboard/server";
import type { Context } from "../../tenants/context";

export interface TestDashboard {
    readonly base: string;
    readonly port: number;
    close(): Promise<void>;
}

export async function serveDashboard(ctx: Context, token: string): Promise<TestDashboard> {
    const server = createDashboard(ctx, { token, secure: false });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    return {
        base: `http://127.0.0.1:${port}`,
        port,
        close: () =>
            new Promise((r) => {
                server.close(() => r());
                server.closeAllConnections();
            }),
    };
}
