// A dashboard server for a test, on a loopback port of its own, and the way to stop it (open
// connections too: a followed log stream would hold it open).
import type { AddressInfo } from "net";
import { createDashboard } from "../../dashboard/server";
import type { Context } from "../../tenants/context";
import { tempLockDir, tempProject, testContext } from "./cliRun";
import { FakeContainer, FakeEngine, startFakeEngine } from "./fakeEngine";

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

export interface FakeEngineDashboard extends TestDashboard {
    readonly engine: FakeEngine;
    readonly project: string;
    readonly lockDir: string;
    readonly ctx: ReturnType<typeof testContext>;
}

/**
 * A dashboard over a fake Engine holding `containers`, a temporary project holding `files` and a
 * lock directory of its own (or `lockDir`); `close` stops both servers.
 */
export async function dashboardOnFakeEngine(
    containers: FakeContainer[],
    files: Record<string, string>,
    token: string,
    opts: { readonly lockDir?: string; readonly env?: Record<string, string> } = {},
): Promise<FakeEngineDashboard> {
    const engine = await startFakeEngine(containers);
    const project = tempProject(files);
    const lockDir = opts.lockDir ?? tempLockDir();
    const ctx = testContext(
        { FRONTBASE_PROJECT_DIR: project, FRONTBASE_LOCK_DIR: lockDir, DOCKER_HOST: engine.host, ...opts.env },
        { dockerHost: engine.host, projectDir: project, lockDir },
    );
    const served = await serveDashboard(ctx, token);
    return {
        ...served,
        engine,
        project,
        lockDir,
        ctx,
        close: async () => {
            await served.close();
            await engine.close();
        },
    };
}
