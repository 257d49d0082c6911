// The host's proxy on a real Docker Engine: Debian's Caddy in front of two REAL Frontbase
// tenants, certificates from a real ACME server (Debian's pebble, run here on loopback, its
// challenge DNS answering 127.0.0.1 for every name), routes derived from the stack files.
import { execFile, spawnSync } from "child_process";
import { promises as fs } from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROXY_CONTAINER, PROXY_LABEL, PROXY_RELOAD_CONTAINER, proxyVolumeName } from "../../components/proxy/naming";
import { readStackFile, updateStackFile, writeStackFile } from "../../project/stackFiles";
import { decryptStackSecrets } from "../../project/stackSecrets";
import { destroy, EngineError, EngineOptions, up } from "../engine/engine";
import { decode } from "../engine/serialize";
import { REAL_TENANT_IMAGES } from "../images/frontbase";
import { TEST_PROXY_IMAGE } from "../images/images";
import { docker, removeProxy, removeTenant, tenantObjects } from "./support/docker";
import { deploy, imageVariant, tempDir, tenantCli } from "./support/fleet";
import { probeDocker } from "./support/probe";
import { cannotRun } from "../support/skip";
import { copyProject, PROJECT_DIR, ProjectCopy } from "./support/projectCopy";
import { freePorts, testTenant } from "./support/tenants";
import { Pebble } from "./support/pebble";
import { getThroughProxy } from "./support/https";

const run = promisify(execFile);
const PASSPHRASE = "proxy passphrase, test only";
const HOST_PORTS = [80, 443, 14000, 15000, 18053, 18055];

function which(cmd: string): boolean {
    return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}
async function portsBusy(ports: number[]): Promise<number[]> {
    const busy: number[] = [];
    for (const p of ports) {
        const ok = await new Promise<boolean>((resolve) => {
            const s = net
                .createServer()
                .once("error", () => resolve(false))
                .listen(p, "127.0.0.1", () => s.close(() => resolve(true)));
        });
        if (!ok) busy.push(p);
    }
    return busy;
}

const probe = probeDocker([...Object.values(REAL_TENANT_IMAGES), TEST_PROXY_IMAGE], "the proxy suite");
const missingTools = ["pebble", "pebble-challtestsrv", "openssl", "curl"].filter((c) => !which(c));
const toolsReason = cannotRun(
    "the proxy suite",
    missingTools.length ? `needs ${missingTools.join(", ")} (apt-get install -y pebble openssl curl)` : undefined,
);
const skip = probe.reason ?? toolsReason;

interface Tenant {
    readonly name: string;
    readonly domain: string;
    config: Record<string, string>;
    secretKeys: string[];
    frontend: number;
}

/** One HTTPS request to the proxy on loopback, for `domain`, trusting pebble's root. */
const get = (domain: string, urlPath: string, ca: string, timeoutMs = 10_000) =>
    getThroughProxy("127.0.0.1", domain, urlPath, ca, timeoutMs);

async function waitFor<T>(what: string, fn: () => Promise<T>, ok: (v: T) => boolean, seconds = 90): Promise<T> {
    let last: unknown;
    for (let i = 0; i < seconds; i++) {
        try {
            const v = await fn();
            if (ok(v)) return v;
            last = v;
        } catch (e) {
            last = (e as Error).message;
        }
        await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`${what}: not ready after ${seconds} s; last: ${JSON.stringify(last)}`);
}

const nonLoopbackIPv4 = () =>
    Object.values(os.networkInterfaces())
        .flat()
        .find((a) => a && a.family === "IPv4" && !a.internal)?.address;

function refused(host: string, port: number): Promise<string> {
    return new Promise((resolve) => {
        const s = net.connect({ host, port, timeout: 3000 });
        s.on("connect", () => (s.destroy(), resolve("connected")));
        s.on("timeout", () => (s.destroy(), resolve("timeout")));
        s.on("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
}

describe.skipIf(skip)("the host's proxy: Caddy, pebble, two real tenants with domains", () => {
    const tenants: Tenant[] = ["proxya", "proxyb"].map((p) => {
        const name = testTenant(p);
        return { name, domain: `${name}.frontbase.test`, config: {}, secretKeys: [], frontend: 0 };
    });
    const [A, B] = tenants;
    let project: ProjectCopy;
    let stateDir: string;
    let lockDir: string;
    let pebble: Pebble;
    let ca: string;
    let proxyConfig: Record<string, string>;
    let variant: string | undefined;
    const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
    const opts = (t: Tenant): EngineOptions => ({
        projectDir: project.dir,
        stack: t.name,
        stateDir,
        config: t.config,
        secretKeys: t.secretKeys,
    });
    const proxyOpts = (extra: Record<string, string> = {}): EngineOptions => ({
        projectDir: project.dir,
        stack: "proxy",
        stateDir,
        config: { ...proxyConfig, ...extra },
    });
    const stackFile = (t: Tenant | string) => path.join(project.dir, `Pulumi.${typeof t === "string" ? t : t.name}.yaml`);
    const proxyObjects = async () => ({
        containers: (await docker.listContainers({ all: true, filters: { label: [`${PROXY_LABEL}=true`] } }))
            .map((c) => c.Names[0].slice(1))
            .sort(),
    });

    async function load(t: Tenant): Promise<void> {
        const secrets = (await decryptStackSecrets(stackFile(t), process.env))!;
        const plain = (await readStackFile(stackFile(t))).config;
        // No bindAddress: with domains, the tenant's default is loopback.
        t.config = { ...plain, ...secrets, "frontbase:images": JSON.stringify(REAL_TENANT_IMAGES) };
        t.secretKeys = Object.keys(secrets);
        t.frontend = JSON.parse(plain["frontbase:ports"]).frontend;
    }

    beforeAll(async () => {
        const busy = await portsBusy(HOST_PORTS);
        if (busy.length)
            throw new Error(
                `ports ${busy.join(", ")} on 127.0.0.1 are in use: the proxy test needs 80 and 443, pebble 14000, 15000, 18053, 18055`,
            );
        if ((await proxyObjects()).containers.length)
            throw new Error("a proxy already runs on this Docker host (label frontbase.proxy=true): not ours to replace");
        process.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
        project = await copyProject();
        // The program imports these too (stacks/tenant.ts); the copy must have them.
        for (const d of ["ports", "project", "docker"])
            await fs.cp(path.join(PROJECT_DIR, d), path.join(project.dir, d), { recursive: true, force: false, errorOnExist: false });
        stateDir = await tempDir("state");
        lockDir = await tempDir("lock");
        // Allocation (tenantCli) and deploy (the runner inherits this environment) see one ledger.
        process.env.FRONTBASE_LOCK_DIR = lockDir;
        pebble = new Pebble(await tempDir("pebble"));
        await pebble.start();
        ca = await fs.readFile(pebble.root, "utf8");
        for (const t of tenants) {
            const made = await tenantCli(["new", t.name], project.dir, lockDir);
            expect(made.code, made.err).toBe(0);
            // Ports free right now, away from the allocator's ranges that other suites on this
            // Docker host allocate from concurrently.
            await updateStackFile(stackFile(t), { "frontbase:domains": [t.domain], "frontbase:ports": await freePorts() });
            await load(t);
        }
        proxyConfig = {
            "frontbase:acmeEmail": "ops@example.com",
            "frontbase:acmeCa": "https://127.0.0.1:14000/dir",
            "frontbase:acmeCaRoot": await pebble.listenerCa,
            "frontbase:image": TEST_PROXY_IMAGE,
            "frontbase:bindAddress": "127.0.0.1",
        };
        await writeStackFile(project.dir, "proxy", proxyConfig);
    }, 300_000);

    afterAll(async () => {
        if (saved === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
        else process.env.PULUMI_CONFIG_PASSPHRASE = saved;
        pebble?.stop();
        await Promise.all(tenants.map((t) => removeTenant(t.name)));
        await removeProxy();
        if (variant)
            await docker
                .getImage(variant)
                .remove()
                .catch(() => undefined);
        await project?.remove();
        for (const d of [stateDir, lockDir, pebble?.dir]) if (d) await fs.rm(d, { recursive: true, force: true });
    }, 120_000);

    it("refuses bad input with a clear error, creating nothing: no acmeEmail, an invalid domain, a domain claimed twice", async () => {
        const { ["frontbase:acmeEmail"]: _, ...noEmail } = proxyConfig;
        const refused = await up({ ...proxyOpts(), config: noEmail }).catch((e: EngineError) => e);
        expect(String((refused as Error).message)).toContain('frontbase:acmeEmail: is required when frontbase:tls is "acme"');
        const bad = { ...A, config: { ...A.config, "frontbase:domains": '["Not_A.Host"]' } };
        expect(String(((await up(opts(bad)).catch((e: Error) => e)) as Error).message)).toContain("frontbase:domains.0: must be lowercase");
        await updateStackFile(stackFile(B), { "frontbase:domains": [A.domain] });
        try {
            const twice = String(((await up(proxyOpts()).catch((e: Error) => e)) as Error).message);
            expect(twice).toContain(`"${A.domain}" is claimed by`);
            expect(twice).toContain(`Pulumi.${A.name}.yaml and`);
            const tenantTwice = String(
                (
                    (await up(opts({ ...B, config: { ...B.config, "frontbase:domains": JSON.stringify([A.domain]) } })).catch(
                        (e: Error) => e,
                    )) as Error
                ).message,
            );
            expect(tenantTwice).toContain(`"${A.domain}" is claimed by Pulumi.${B.name}.yaml and Pulumi.${A.name}.yaml`);
        } finally {
            await updateStackFile(stackFile(B), { "frontbase:domains": [B.domain] });
        }
        expect((await proxyObjects()).containers).toEqual([]);
        for (const t of tenants) expect((await tenantObjects(t.name)).containers).toEqual([]);
    }, 1_200_000);

    it("deploys both tenants on loopback and the proxy; each gets a real certificate from pebble and serves its admin UI over HTTPS", async () => {
        for (const t of tenants) {
            const r = await deploy(opts(t));
            expect((decode(r.outputs!.urls).value as Record<string, string>).frontend).toBe(`https://${t.domain}`);
        }
        const r = await deploy(proxyOpts());
        expect(decode(r.outputs!.routes).value).toEqual({ [A.domain]: `127.0.0.1:${A.frontend}`, [B.domain]: `127.0.0.1:${B.frontend}` });
        for (const t of tenants) {
            const res = await waitFor(
                `https://${t.domain}/frontbase-admin/`,
                () => get(t.domain, "/frontbase-admin/", ca),
                (x) => x.status === 200,
            );
            expect(res.body).toContain('<div id="root"');
            expect(res.subject).toBe(`DNS:${t.domain}`);
            // The same with curl, as an operator would check it.
            const { stdout } = await run("curl", [
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{ssl_verify_result}",
                "--resolve",
                `${t.domain}:443:127.0.0.1`,
                "--cacert",
                pebble.root,
                `https://${t.domain}/frontbase-admin/`,
            ]);
            expect(stdout).toBe("200 0");
            const { stdout: subject } = await run("sh", [
                "-c",
                `openssl s_client -connect 127.0.0.1:443 -servername ${t.domain} </dev/null 2>/dev/null | openssl x509 -noout -subject -ext subjectAltName`,
            ]);
            expect(subject).toContain(`DNS:${t.domain}`);
        }
        console.log(`ACME after first issuance: ${JSON.stringify(pebble.counts())}`);
        expect(pebble.counts().issued).toBe(2);
    }, 900_000);

    it("redirects port 80 to HTTPS", async () => {
        const { stdout } = await run("curl", [
            "-sS",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code} %{redirect_url}",
            "--resolve",
            `${A.domain}:80:127.0.0.1`,
            `http://${A.domain}/frontbase-admin/`,
        ]);
        expect(stdout).toBe(`308 https://${A.domain}/frontbase-admin/`);
    });

    it("keeps tenants off the network and apart: frontend ports refuse the non-loopback address; the proxy joins no tenant network; the edge's PUBLIC_URL is the domain", async () => {
        const ip = nonLoopbackIPv4();
        expect(ip, "this machine has a non-loopback IPv4 address").toBeTruthy();
        for (const t of tenants) {
            expect(await refused(ip!, t.frontend)).toBe("ECONNREFUSED");
            const fe = await docker.getContainer(`${t.name}_frontbase-frontend-1`).inspect();
            expect(fe.HostConfig.PortBindings?.["80/tcp"]).toEqual([{ HostIp: "127.0.0.1", HostPort: String(t.frontend) }]);
            const edge = await docker.getContainer(`${t.name}_frontbase-edge-1`).inspect();
            expect(edge.Config.Env).toContain(`PUBLIC_URL=https://${t.domain}`);
            const network = await docker.getNetwork(`${t.name}_frontbase_frontbase`).inspect();
            expect(Object.values(network.Containers ?? {}).map((c: { Name: string }) => c.Name)).not.toContain(PROXY_CONTAINER);
        }
        const caddy = await docker.getContainer(PROXY_CONTAINER).inspect();
        expect(Object.keys(caddy.NetworkSettings.Networks)).toEqual(["host"]);
        // The admin API is a unix socket in the config volume: nothing listens on 2019.
        expect(await refused("127.0.0.1", 2019)).toBe("ECONNREFUSED");
    });

    it("removing and adding tenant B's domain reloads Caddy in place: zero failed requests to A, no container replaced", async () => {
        const caddyId = (await docker.getContainer(PROXY_CONTAINER).inspect()).Id;
        let stop = false;
        const tally = { ok: 0, failed: 0, errors: [] as string[] };
        const loop = (async () => {
            for (let i = 0; i < 20_000 && !stop; i++) {
                try {
                    // A slow answer is not a dropped one: 15 s of socket inactivity before a request counts as failed.
                    const r = await get(A.domain, "/frontbase-admin/", ca, 15_000);
                    if (r.status === 200) tally.ok++;
                    else {
                        tally.failed++;
                        tally.errors.push(`status ${r.status}`);
                    }
                } catch (e) {
                    tally.failed++;
                    tally.errors.push((e as Error).message);
                }
            }
        })();
        try {
            await updateStackFile(stackFile(B), { "frontbase:domains": [] });
            const removed = await deploy(proxyOpts());
            const changed = removed.steps.filter((s) => s.op !== "same" && s.op !== "refresh-gone");
            expect(changed.map((s) => s.name)).toContain("proxy-reload");
            expect(changed.map((s) => s.name)).not.toContain("proxy-caddy");
            await waitFor(
                "B's route gone",
                () =>
                    get(B.domain, "/frontbase-admin/", ca, 3000).then(
                        (x) => `status ${x.status}`,
                        (e: Error) => e.message,
                    ),
                (m) => m !== "status 200",
                30,
            );
            await updateStackFile(stackFile(B), { "frontbase:domains": [B.domain] });
            await deploy(proxyOpts());
            await waitFor(
                "B's route back",
                () => get(B.domain, "/frontbase-admin/", ca),
                (x) => x.status === 200,
                60,
            );
        } finally {
            stop = true;
            await loop;
        }
        console.log(
            `request loop on A during B's domain removal and re-adding: ${tally.ok} ok, ${tally.failed} failed ${JSON.stringify(tally.errors.slice(0, 5))}`,
        );
        expect(tally.ok).toBeGreaterThan(20);
        expect(tally.failed, `failed requests to A: ${JSON.stringify(tally.errors.slice(0, 10))}`).toBe(0);
        expect((await docker.getContainer(PROXY_CONTAINER).inspect()).Id).toBe(caddyId);
    }, 600_000);

    it("reuses the certificates after the proxy is replaced by an image upgrade: no new ACME order", async () => {
        const before = pebble.counts();
        const oldId = (await docker.getContainer(PROXY_CONTAINER).inspect()).Id;
        variant = await imageVariant(TEST_PROXY_IMAGE, "upgrade-test");
        const r = await deploy(proxyOpts({ "frontbase:image": variant }));
        expect(r.steps.find((s) => s.name === "proxy-caddy")?.op).toBe("replace");
        expect((await docker.getContainer(PROXY_CONTAINER).inspect()).Id).not.toBe(oldId);
        for (const t of tenants)
            expect(
                (
                    await waitFor(
                        t.domain,
                        () => get(t.domain, "/frontbase-admin/", ca),
                        (x) => x.status === 200,
                        60,
                    )
                ).subject,
            ).toBe(`DNS:${t.domain}`);
        const job = await docker.getContainer(PROXY_RELOAD_CONTAINER).inspect();
        expect([job.State.Status, job.State.ExitCode]).toEqual(["exited", 0]);
        console.log(`ACME before the upgrade: ${JSON.stringify(before)}, after: ${JSON.stringify(pebble.counts())}`);
        expect(pebble.counts()).toEqual(before);
    }, 600_000);

    it("keeps the certificate volume when the proxy stack is destroyed", async () => {
        await destroy(proxyOpts({ "frontbase:image": variant! }));
        expect((await proxyObjects()).containers).toEqual([]);
        const data = await docker.getVolume(proxyVolumeName("data")).inspect();
        expect(data.Name).toBe(proxyVolumeName("data"));
    }, 300_000);
});
