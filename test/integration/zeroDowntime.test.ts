// Updates without downtime behind the proxy (docs/proxy.md, "Updates without downtime"), on a real Docker Engine with the
// real application and Debian's Caddy (`tls internal`): a request loop through the proxy while
// a tenant with two slots gets a new backend image drops nothing, and the new backend serves at
// the end; the same loop on a tenant without domains measures its delete-first outage.
import { execFile } from "child_process";
import { promises as fs } from "fs";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROXY_CONTAINER } from "../../components/proxy/naming";
import { readStackFile, updateStackFile, writeStackFile } from "../../project/stackFiles";
import { decryptStackSecrets } from "../../project/stackSecrets";
import { EngineOptions, preview } from "../engine/engine";
import { changesOf, diffLines, stepLine } from "../engine/progress";
import { decode } from "../engine/serialize";
import { REAL_IMAGES, REAL_TENANT_IMAGES } from "../images/frontbase";
import { TEST_PROXY_IMAGE } from "../images/images";
import { docker, removeProxy, removeTenant } from "./support/docker";
import { deploy, http, imageVariant, tempDir, tenantCli } from "./support/fleet";
import { getThroughProxy } from "./support/https";
import { probeDocker } from "./support/probe";
import { copyProject, ProjectCopy } from "./support/projectCopy";
import { during } from "./support/requestLoop";
import { freePorts, freeSlotPorts, testTenant } from "./support/tenants";
import { until } from "./support/until";

const run = promisify(execFile);
const PASSPHRASE = "zero downtime passphrase, test only";
/** Served by the backend from its image (`/static/assets`, through the frontend's nginx): which release answers. */
const RELEASE = "/static/assets/zdt-release.txt";
/** The backend, the edge and nginx itself, in turn. */
const PATHS = [RELEASE, "/", "/frontbase-admin/"];

const probe = probeDocker([...Object.values(REAL_TENANT_IMAGES), TEST_PROXY_IMAGE], "the zero-downtime suite");

describe.skipIf(probe.reason)("updates behind the proxy drop no request; without domains, an outage (measured)", () => {
    const slotted = { name: testTenant("zdslot"), config: {} as Record<string, string>, secretKeys: [] as string[] };
    const direct = { name: testTenant("zddirect"), config: {} as Record<string, string>, secretKeys: [] as string[] };
    const domain = `${slotted.name}.frontbase.test`;
    const release: Record<"a" | "b", string> = { a: "", b: "" };
    let project: ProjectCopy;
    let stateDir: string;
    let lockDir: string;
    let ca: string;
    const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
    const stackFile = (stack: string) => path.join(project.dir, `Pulumi.${stack}.yaml`);
    const opts = (t: typeof slotted, backend = release.a): EngineOptions => ({
        projectDir: project.dir,
        stack: t.name,
        stateDir,
        config: { ...t.config, "frontbase:images": JSON.stringify({ ...REAL_TENANT_IMAGES, backend }) },
        secretKeys: t.secretKeys,
    });
    const proxyOpts = (): EngineOptions => ({
        projectDir: project.dir,
        stack: "proxy",
        stateDir,
        config: { "frontbase:tls": "internal", "frontbase:image": TEST_PROXY_IMAGE, "frontbase:bindAddress": "127.0.0.1" },
    });
    const viaProxy = (p: string) => getThroughProxy("127.0.0.1", domain, p, ca, 15_000);
    const noDrift = async (t: typeof slotted, backend: string) =>
        changesOf((await preview({ ...opts(t, backend), refresh: true })).steps).map((s) => [stepLine(s), ...diffLines(s)].join("\n"));

    async function load(t: typeof slotted, extra: Record<string, unknown>): Promise<void> {
        await updateStackFile(stackFile(t.name), { ...extra, "frontbase:healthInterval": 1 });
        const secrets = (await decryptStackSecrets(stackFile(t.name), process.env))!;
        t.config = { ...(await readStackFile(stackFile(t.name))).config, ...secrets };
        t.secretKeys = Object.keys(secrets);
    }

    beforeAll(async () => {
        process.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
        project = await copyProject();
        stateDir = await tempDir("state");
        lockDir = await tempDir("lock");
        // Two backend releases: the same real backend, each with its name in a file it serves.
        for (const r of ["a", "b"] as const)
            release[r] = await imageVariant(REAL_IMAGES.backend, `zdt-${r}`, [
                `RUN echo release-${r} > /app/static/assets/zdt-release.txt`,
            ]);
        for (const t of [slotted, direct]) expect((await tenantCli(["new", t.name], project.dir, lockDir)).code).toBe(0);
        // Ports free right now, away from the allocator's ranges other suites allocate from.
        await load(slotted, { "frontbase:domains": [domain], "frontbase:ports": await freeSlotPorts() });
        await load(direct, { "frontbase:ports": await freePorts(), "frontbase:bindAddress": "127.0.0.1" });
        await writeStackFile(project.dir, "proxy", proxyOpts().config!);
    }, 300_000);

    afterAll(async () => {
        if (saved === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
        else process.env.PULUMI_CONFIG_PASSPHRASE = saved;
        await Promise.all([slotted, direct].map((t) => removeTenant(t.name)));
        await removeProxy();
        for (const image of Object.values(release).filter(Boolean))
            await docker
                .getImage(image)
                .remove()
                .catch(() => undefined);
        await project?.remove();
        for (const d of [stateDir, lockDir]) if (d) await fs.rm(d, { recursive: true, force: true });
    }, 120_000);

    it("deploys a tenant with two slots in slot 1, one without domains, and the proxy routing to both slots' frontends; no drift", async () => {
        // At once: most of an `up` is waiting for health checks.
        const [, , r] = await Promise.all([deploy(opts(slotted)), deploy(opts(direct)), deploy(proxyOpts())]);
        const ports = JSON.parse(slotted.config["frontbase:ports"]);
        expect(decode(r.outputs!.routes).value).toEqual({ [domain]: `127.0.0.1:${ports.frontend} 127.0.0.1:${ports.frontend2}` });
        ca = await until(
            "Caddy's local CA",
            async () =>
                (
                    await run("docker", ["exec", PROXY_CONTAINER, "cat", "/data/caddy/pki/authorities/local/root.crt"]).catch(() => ({
                        stdout: "",
                    }))
                ).stdout || undefined,
            30_000,
            1_000,
        );
        const served = await until(
            "release a through the proxy",
            async () => {
                const a = await viaProxy(RELEASE).catch(() => undefined);
                return a?.status === 200 ? a : undefined;
            },
            90_000,
            1_000,
        );
        expect(served.body.trim()).toBe("release-a");
        expect((await docker.getContainer(`${slotted.name}_frontbase-backend-1`).inspect()).Config.Labels["frontbase.slot"]).toBe("1");
        expect(await noDrift(slotted, release.a)).toEqual([]);
    }, 900_000);

    it("a new backend image: the tier starts in slot 2 beside slot 1, 0 failed requests, every answer 2xx, the new backend serves at the end; no drift", async () => {
        const started = Date.now();
        let updateSeconds = 0;
        const [r, tally] = await during(
            async (i) => {
                const p = PATHS[i % PATHS.length];
                const a = await viaProxy(p);
                return { status: a.status, body: p === RELEASE ? a.body : "" };
            },
            async () => {
                const done = await deploy(opts(slotted, release.b));
                updateSeconds = (Date.now() - started) / 1000;
                // A few more requests once the old slot is gone.
                await new Promise((resolve) => setTimeout(resolve, 3000));
                return done;
            },
        );
        console.log(`request loop through the proxy during the backend update (${updateSeconds.toFixed(1)} s): ${JSON.stringify(tally)}`);
        expect(
            r.steps
                .filter((s) => s.op === "replace" && s.type === "docker:index/container:Container")
                .map((s) => [s.name, s.deleteFirst])
                .sort(),
        ).toEqual([
            [`${slotted.name}-backend-container`, false],
            [`${slotted.name}-edge-container`, false],
            [`${slotted.name}-frontend-container`, false],
            [`${slotted.name}-redis-token-job`, false],
        ]);
        // The old slot went only after the program: after the new frontend was up.
        const at = (op: string, name: string) => r.steps.findIndex((s) => s.op === op && s.name === `${slotted.name}-${name}`);
        expect(at("delete-replaced", "frontend-container")).toBeGreaterThan(at("replace", "frontend-container"));
        expect(tally.failed, `failed: ${JSON.stringify(tally.failures)}`).toBe(0);
        expect(tally.ok).toBe(tally.requests);
        expect(tally.requests).toBeGreaterThan(50);
        expect(tally.bodies["release-b"], "the new backend answered during the loop").toBeGreaterThan(0);
        for (let k = 0; k < 5; k++) expect((await viaProxy(RELEASE)).body.trim()).toBe("release-b");
        const names = (await docker.listContainers({ all: true, filters: { label: [`frontbase.tenant=${slotted.name}`] } }))
            .map((c) => c.Names[0].slice(1))
            .sort();
        expect(names.filter((n) => /-(backend|edge|frontend)-\d$/.test(n))).toEqual(
            ["backend-2", "edge-2", "frontend-2"].map((s) => `${slotted.name}_frontbase-${s}`),
        );
        expect(await noDrift(slotted, release.b)).toEqual([]);
    }, 900_000);

    it("without domains the update is delete-first: the same loop on the frontend's port sees the outage (measured)", async () => {
        const port = JSON.parse(direct.config["frontbase:ports"]).frontend;
        expect((await http(port, RELEASE)).text.trim()).toBe("release-a");
        const [r, tally] = await during(
            async (i) => {
                const p = PATHS[i % PATHS.length];
                const a = await fetch(`http://127.0.0.1:${port}${p}`, { signal: AbortSignal.timeout(15_000) });
                const body = await a.text();
                return { status: a.status, body: p === RELEASE ? body : "" };
            },
            async () => {
                const done = await deploy(opts(direct, release.b));
                await until(
                    "release b on the frontend's port",
                    async () => ((await http(port, RELEASE).catch(() => undefined))?.text.trim() === "release-b" ? true : undefined),
                    60_000,
                    200,
                );
                return done;
            },
        );
        console.log(
            `request loop on a direct-port tenant during the backend update: outage ${tally.outageSeconds.toFixed(1)} s; ${JSON.stringify(tally)}\n${r.steps.map(stepLine).join("\n")}`,
        );
        expect(r.steps.find((s) => s.name === `${direct.name}-backend-container`)).toMatchObject({ op: "replace", deleteFirst: true });
        expect(tally.failed).toBeGreaterThan(0);
        expect(tally.outageSeconds).toBeGreaterThan(0);
    }, 900_000);
});
