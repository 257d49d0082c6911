// The dashboard group of `npm run bench` (`--only dashboard`): `GET /api/v1/tenants` with 50
// tenants (stack files, and 5 containers each on the fake Engine of the unit tests, so that this
// times the dashboard and its readers, not a Docker host's inspect speed), and the page's first
// render in Debian's Chromium: from navigation with a session to the table showing all 50 rows.
import { existsSync, rmSync } from "fs";
import type { AddressInfo } from "net";
import * as path from "path";
import { performance } from "perf_hooks";
import { createContext } from "../tenants/context";
import { createDashboard } from "../dashboard/server";
import { CHROMIUM, launchChromium } from "../test/support/chromium";
import { FakeContainer, startFakeEngine } from "../test/support/fakeEngine";
import { pinnedFleet, tempDir } from "./fixtures";

const TOKEN = "bench token, not a secret, 0123456789";
const SERVICES = ["redis", "redis-http", "backend", "edge", "frontend"] as const;

export interface DashboardRow {
    readonly key: string;
    readonly name: string;
    readonly times: number[];
    readonly note?: string;
}

export async function dashboardBench(runs: number): Promise<DashboardRow[]> {
    const fleet = await pinnedFleet(50);
    const binding = (port: number) => [{ HostIp: "", HostPort: String(port) }];
    const containers: FakeContainer[] = fleet.ports.flatMap((p, i) =>
        SERVICES.map((s): FakeContainer => ({
            name: `tenant${i + 1}_frontbase-${s}-1`,
            state: "running",
            ...(s === "redis-http" ? {} : { health: "healthy" as const }),
            labels: { "frontbase.tenant": `tenant${i + 1}`, "com.docker.compose.service": s },
            bindings: s === "backend" ? { "8000/tcp": binding(p.backend) } : s === "frontend" ? { "80/tcp": binding(p.frontend) } : {},
        })),
    );
    const engine = await startFakeEngine(containers);
    const lockDir = path.join(tempDir("dash-lock"), "locks");
    const ctx = createContext({
        projectDir: fleet.dir,
        lockDir,
        dockerHost: engine.host,
        env: { ...process.env, RESTIC_REPOSITORY: path.join(lockDir, "none"), RESTIC_PASSWORD: "x" },
    });
    const server = createDashboard(ctx, { token: TOKEN, secure: false });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const rows: DashboardRow[] = [];
    try {
        const get = async () => {
            const t0 = performance.now();
            const res = await fetch(`${base}/api/v1/tenants`, { headers: { authorization: `Bearer ${TOKEN}` } });
            const body = (await res.json()) as { tenants: unknown[] };
            if (res.status !== 200 || body.tenants.length !== 50)
                throw new Error(`GET /api/v1/tenants answered ${res.status} with ${body.tenants?.length} tenants`);
            return performance.now() - t0;
        };
        await get();
        const times: number[] = [];
        for (let i = 0; i < runs * 10; i++) times.push(await get());
        const sorted = [...times].sort((a, b) => a - b);
        rows.push({
            key: "api-tenants",
            name: "GET /api/v1/tenants, 50 tenants (fake Engine)",
            times,
            note: `p95 ${sorted[Math.ceil(sorted.length * 0.95) - 1].toFixed(1)} ms`,
        });
        if (existsSync(CHROMIUM))
            rows.push({ key: "page-render", name: "page: first render of 50 tenants (Chromium)", times: await firstRender(base, runs) });
        else console.error(`  page render skipped: ${CHROMIUM} is missing (apt-get install chromium)`);
        return rows;
    } finally {
        await new Promise((r) => server.close(r));
        await engine.close();
        rmSync(fleet.dir, { recursive: true, force: true });
        rmSync(path.dirname(lockDir), { recursive: true, force: true });
    }
}

async function firstRender(base: string, runs: number): Promise<number[]> {
    const browser = await launchChromium();
    try {
        const page = await browser.newPage();
        await page.goto(base);
        await page.fill("#token", TOKEN);
        await page.click("#login button");
        await page.waitForSelector("#rows tr:nth-child(50)");
        const times: number[] = [];
        for (let i = 0; i <= runs; i++) {
            const t0 = performance.now();
            await page.goto(base);
            await page.waitForSelector("#rows tr:nth-child(50)");
            if (i > 0) times.push(performance.now() - t0); // the first is the warm-up
        }
        return times;
    } finally {
        await browser.close();
    }
}
