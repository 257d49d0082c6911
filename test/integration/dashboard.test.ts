// The dashboard in a real browser (Debian's Chromium, driven by playwright-core) over two REAL
// Frontbase tenants deployed through the program: it logs in, sees both healthy, sees one turn
// stopped without a reload when its backend is stopped with `docker stop`, reserves ports and
// writes a stack file through the form. Screenshots go to test-output/dashboard/.
import { existsSync, promises as fs } from "fs";
import type { AddressInfo } from "net";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createContext } from "../../tenants/context";
import { createDashboard } from "../../dashboard/server";
import { EngineOptions } from "../engine/engine";
import { REAL_TENANT_IMAGES } from "../images/frontbase";
import { docker, removeTenant } from "./support/docker";
import { deploy, tempDir, tenantCli } from "./support/fleet";
import { probeDocker } from "./support/probe";
import { cannotRun } from "../support/skip";
import { copyProject, PROJECT_DIR, ProjectCopy } from "./support/projectCopy";
import { loadStackFile, realTenant, RealTenant } from "./support/realTenants";
import { testTenant } from "./support/tenants";
import { CHROMIUM, launchChromium } from "../support/chromium";

const probe = probeDocker(Object.values(REAL_TENANT_IMAGES), "the dashboard's browser test");
const skip =
    probe.reason ??
    cannotRun("the dashboard's browser test", existsSync(CHROMIUM) ? undefined : `needs ${CHROMIUM} (apt-get install -y chromium)`);
const OUTPUT = path.join(PROJECT_DIR, "test-output", "dashboard");
const TOKEN = "browser test token, test only, 0123456789";

describe.skipIf(skip)("the dashboard in a real browser", () => {
    const tenants: RealTenant[] = [realTenant(testTenant("dash"), "sqlite"), realTenant(testTenant("dashb"), "sqlite")];
    const made = testTenant("dashnew");
    let project: ProjectCopy;
    let stateDir: string;
    let lockDir: string;
    let base: string;
    let closeServer: () => Promise<void>;
    let browser: import("playwright-core").Browser;
    let page: import("playwright-core").Page;
    const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
    const opts = (t: RealTenant): EngineOptions => ({
        projectDir: project.dir,
        stack: t.name,
        stateDir,
        config: t.config,
        secretKeys: t.secretKeys,
    });
    const shot = (name: string) => page.screenshot({ path: path.join(OUTPUT, `${name}.png`), fullPage: true });
    const rowHealth = (t: RealTenant) => page.locator(`tr[data-tenant="${t.name}"] td:nth-child(5)`);

    beforeAll(async () => {
        process.env.PULUMI_CONFIG_PASSPHRASE = "dashboard passphrase, test only";
        await fs.mkdir(OUTPUT, { recursive: true });
        project = await copyProject();
        stateDir = await tempDir("state");
        lockDir = await tempDir("lock");
        // Allocation (tenantCli) and deploy (the runner inherits this environment) see one ledger.
        process.env.FRONTBASE_LOCK_DIR = lockDir;
        for (const t of tenants) {
            expect((await tenantCli(["new", t.name], project.dir, lockDir)).code).toBe(0);
            await loadStackFile(project.dir, t);
        }
        await Promise.all(tenants.map((t) => deploy(opts(t))));
        const ctx = createContext({
            projectDir: project.dir,
            lockDir,
            env: { ...process.env, FRONTBASE_PROJECT_DIR: project.dir, FRONTBASE_LOCK_DIR: lockDir },
        });
        // Usage read every 2 s instead of 15, so that the graphs have points within the test.
        const server = createDashboard(ctx, { token: TOKEN, secure: false, sampleEveryMs: 2000 });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        closeServer = () => new Promise((r) => server.close(() => r()));
        browser = await launchChromium();
        page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    }, 600_000);
    afterAll(async () => {
        if (saved === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
        else process.env.PULUMI_CONFIG_PASSPHRASE = saved;
        await browser?.close();
        await closeServer?.();
        await Promise.all([...tenants.map((t) => t.name), made].map((n) => removeTenant(n)));
        await project?.remove();
        for (const d of [stateDir, lockDir]) if (d) await fs.rm(d, { recursive: true, force: true });
    });

    it("refuses a wrong token, then logs in and shows both tenants healthy with their frontend URLs", async () => {
        const started = Date.now();
        await page.goto(base);
        await page.fill("#token", "not the token");
        await page.click("#login button");
        await expect.poll(() => page.textContent("#login-error")).toContain("not the dashboard's token");
        await page.fill("#token", TOKEN);
        await page.click("#login button");
        await expect.poll(() => page.isVisible("#login")).toBe(false);
        for (const t of tenants) await expect.poll(() => rowHealth(t).textContent(), { timeout: 20_000 }).toBe("healthy");
        console.log(`dashboard: login to both tenants shown healthy in ${Date.now() - started} ms`);
        expect(await page.textContent(`tr[data-tenant="${tenants[0].name}"]`)).toContain(`:${tenants[0].frontend}`);
        await shot("tenants");
    }, 120_000);

    it("shows each tenant's CPU and memory with a graph of the last hour, and the host's totals", async () => {
        const row = (t: RealTenant) => page.locator(`tr[data-tenant="${t.name}"]`);
        for (const t of tenants) {
            await expect.poll(() => row(t).locator("td.memory").textContent(), { timeout: 20_000 }).toMatch(/^\d+\.\d MiB \/ 1\.1 GiB$/);
            expect(await row(t).locator("td.cpu").textContent()).toMatch(/^\d+\.\d%$/);
            await expect.poll(() => row(t).locator("svg.graph").getAttribute("data-points"), { timeout: 20_000 }).not.toMatch(/^[01]$/);
            // Two lines, CPU and memory, each through every sample.
            const points = await row(t).locator("svg.graph polyline.mem").getAttribute("points");
            expect(points!.split(" ").length).toBeGreaterThan(1);
        }
        expect(await page.textContent("#host-line")).toMatch(
            /^host unix:\/\/.*: \d+ tenant\(s\), \d+ container\(s\) running; CPU .* limits commit .* room for \d+ more tenant\(s\) of the default size/,
        );
        expect(await page.locator("#host-graph svg.graph").count()).toBe(1);
        await page.click(`tr[data-tenant="${tenants[1].name}"]`);
        await expect.poll(() => page.textContent("#usage"), { timeout: 10_000 }).toMatch(/backend\d+\.\d%\d+\.\d MiB \/ 512\.0 MiB/);
        await shot("usage");
    }, 120_000);

    it("shows a tenant stopped without a reload when its backend is stopped with docker stop", async () => {
        const [a, b] = tenants;
        const url = page.url();
        await docker.getContainer(`${a.name}_frontbase-backend-1`).stop({ t: 5 });
        await expect.poll(() => rowHealth(a).textContent(), { timeout: 30_000 }).toBe("stopped");
        expect(await rowHealth(b).textContent()).toBe("healthy");
        expect(page.url()).toBe(url);
        await page.click(`tr[data-tenant="${a.name}"]`);
        await expect.poll(() => page.textContent("#services"), { timeout: 10_000 }).toContain("exited");
        // The logs tail live: a request to the tenant's frontend shows up as nginx's access line.
        const probe = `probe-${Date.now()}`;
        await expect.poll(() => page.textContent("#logs"), { timeout: 10_000 }).toContain("backend");
        expect((await fetch(`http://127.0.0.1:${a.frontend}/frontbase-admin/?${probe}`)).status).toBe(200);
        await expect.poll(() => page.textContent("#logs"), { timeout: 15_000 }).toContain(probe);
        await shot("detail");
    }, 120_000);

    it("streams a tenant's logs to an API client as server-sent events, and refuses one without the token", async () => {
        const a = tenants[1];
        expect((await fetch(`${base}/api/v1/tenants/${a.name}/logs/stream`)).status).toBe(401);
        // The last lines at once, as `logs --tail` prints them.
        const tail = (await (
            await fetch(`${base}/api/v1/tenants/${a.name}/logs?tail=3&service=backend`, { headers: { authorization: `Bearer ${TOKEN}` } })
        ).json()) as { lines: string[] };
        expect(tail.lines.length).toBeGreaterThan(0);
        expect(tail.lines.length).toBeLessThanOrEqual(3);
        const abort = new AbortController();
        const res = await fetch(`${base}/api/v1/tenants/${a.name}/logs/stream?tail=5&service=frontend`, {
            headers: { authorization: `Bearer ${TOKEN}` },
            signal: abort.signal,
        });
        expect([res.status, res.headers.get("content-type")]).toEqual([200, "text/event-stream; charset=utf-8"]);
        const probe = `sse-${Date.now()}`;
        const reader = res.body!.getReader();
        let text = "";
        const seen = (async () => {
            while (!text.includes(probe)) {
                const { value, done } = await reader.read();
                if (done) break;
                text += Buffer.from(value).toString();
            }
        })();
        await new Promise((r) => setTimeout(r, 500));
        expect((await fetch(`http://127.0.0.1:${a.frontend}/frontbase-admin/?${probe}`)).status).toBe(200);
        await Promise.race([seen, new Promise((r) => setTimeout(r, 15_000))]);
        abort.abort();
        expect(text).toMatch(new RegExp(`event: line\ndata: \\{"service":"frontend","stream":"stdout","time":"[^"]+","text":".*${probe}`));
    }, 60_000);

    it("reserves ports and writes the stack file through the form, and shows the command that deploys it; the audit trail names the session", async () => {
        await page.fill("#new-name", made);
        await page.click("#new-form button");
        await expect.poll(() => page.textContent("#new-result"), { timeout: 30_000 }).toContain(`npm run deploy -- ${made}`);
        expect(await page.textContent("#new-result")).toContain(`a pull request previews ${made} (Pulumi.${made}.yaml changed)`);
        const file = path.join(project.dir, `Pulumi.${made}.yaml`);
        expect(await fs.readFile(file, "utf8")).toContain(`frontbase:tenant: ${made}`);
        await expect.poll(() => page.locator(`tr[data-tenant="${made}"]`).count(), { timeout: 10_000 }).toBe(1);
        await expect.poll(() => page.locator("#port-map .use-tenant").count(), { timeout: 10_000 }).toBeGreaterThan(0);
        // Drawn as the legend says: a tenant's port blue, a free one grey.
        // (in one evaluation: the page redraws the map every 3 s)
        const colour = (sel: string) =>
            page.evaluate<string>(`getComputedStyle(document.querySelector(${JSON.stringify(sel)})).backgroundColor`);
        expect([await colour("#port-map .use-tenant"), await colour("#port-map .use-free")]).toEqual([
            "rgb(33, 136, 255)",
            "rgb(223, 226, 229)",
        ]);
        await shot("new-tenant");
        // The form's change is in the audit trail: through the dashboard, by this session (a digest of it), the tenant it made.
        const trail = (await fs.readFile(path.join(lockDir, "audit.log"), "utf8"))
            .trim()
            .split("\n")
            .map((l) => JSON.parse(l));
        expect(trail.filter((l) => l.via === "dashboard")).toEqual([
            {
                time: expect.any(String),
                actor: expect.stringMatching(/^dashboard session [0-9a-f]{12}$/),
                via: "dashboard",
                command: "new",
                tenant: made,
                flags: [],
                outcome: "ok",
                code: 201,
            },
        ]);
    }, 120_000);
});
