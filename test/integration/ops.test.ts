// status, logs, restart, purge and nginx against a real Docker Engine: containers and volumes
// labelled like a tenant's, made from a local image. Every object carries `frontbase.test.run`
// with this run's id and is removed in afterAll, also when a test fails.
import { execFile } from "child_process";
import { randomBytes } from "crypto";
import type Docker from "dockerode";
import { writeFileSync } from "fs";
import * as http from "http";
import { createServer } from "net";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLogs } from "../../cli/commands/logs";
import { runNginx } from "../../cli/commands/nginx";
import { runPurge } from "../../cli/commands/purge";
import { runRestart } from "../../cli/commands/restart";
import { runStatus } from "../../cli/commands/status";
import { runWhyPort } from "../../cli/commands/why-port";
import type { OpsContext } from "../../cli/ops/context";
import type { Io } from "../../cli/main";
import { containerName, labels, ServiceName, volumeName } from "../../components/naming";
import { REAL_IMAGES, REAL_TENANT_IMAGES } from "../images/frontbase";
import { TEST_BASE_IMAGE } from "../images/images";
import { until } from "./support/until";
import { docker } from "./support/docker";
import { skipWhen } from "../support/skip";
import { tempDir } from "../support/temp";

// The suites share one client (the local engine, or DOCKER_HOST).
const RUN = randomBytes(3).toString("hex");
// Same convention as the image smoke tests: what made it, and which run (cleanup selects by run).
const TEST_LABELS = { "frontbase.test": "ops", "frontbase.test.run": `ops-${RUN}` };
const root = path.resolve(__dirname, "../..");
// A container that stops promptly on SIGTERM (a bare `sleep` as PID 1 ignores it).
const IDLE = ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.2; done"];
let image: string | undefined;

beforeAll(async () => {
    await docker.ping(); // no Engine is a failure of this suite, not a reason to skip it
    const present = new Set((await docker.listImages()).flatMap((i) => i.RepoTags ?? []));
    // The Debian base every local image is built on (a shell, sleep, trap); any of them would do.
    image = [TEST_BASE_IMAGE, ...Object.values(REAL_TENANT_IMAGES)].find((i) => present.has(i));
});
/** Why a test needs an image and there is none (each test skips, saying so; under CI that fails). */
const NO_IMAGE = `no local image among ${TEST_BASE_IMAGE} and the tenant images (npm run images:test builds them)`;

afterAll(async () => {
    const filters = { label: [`frontbase.test.run=ops-${RUN}`] };
    for (const c of await docker.listContainers({ all: true, filters })) await docker.getContainer(c.Id).remove({ force: true });
    for (const v of (await docker.listVolumes({ filters })).Volumes ?? []) await docker.getVolume(v.Name).remove();
});

const tenantName = (what: string) => `ops-${what}-${RUN}`;

async function container(
    tenant: string,
    service: ServiceName | string,
    opts: {
        image?: string;
        entrypoint?: string[];
        cmd?: string[];
        health?: string;
        port?: number;
        binds?: string[];
        tty?: boolean;
        start?: boolean;
    } = {},
) {
    const c = await docker.createContainer({
        Image: opts.image ?? image,
        Entrypoint: opts.entrypoint,
        name: containerName(tenant, service as ServiceName),
        Cmd: opts.cmd ?? IDLE,
        Tty: opts.tty ?? false,
        Labels: { ...labels(tenant, service as ServiceName), ...TEST_LABELS },
        Healthcheck: opts.health
            ? { Test: ["CMD-SHELL", opts.health], Interval: 200e6, Timeout: 1e9, Retries: 1, StartPeriod: 0 }
            : undefined,
        ExposedPorts: opts.port ? { "80/tcp": {} } : undefined,
        HostConfig: {
            PortBindings: opts.port ? { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(opts.port) }] } : undefined,
            Binds: opts.binds,
        },
    });
    if (opts.start !== false) await c.start();
    return c;
}

async function volume(name: string, tenantLabels: Record<string, string> = {}) {
    await docker.createVolume({ Name: name, Labels: { ...tenantLabels, ...TEST_LABELS } });
    return name;
}

const settled = (c: Docker.Container) =>
    until("health to settle", async () => ((await c.inspect()).State.Health?.Status === "starting" ? undefined : true));
const exited = (c: Docker.Container) => until("exit", async () => ((await c.inspect()).State.Status === "exited" ? true : undefined));

async function freePort(): Promise<number> {
    const s = createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as { port: number }).port;
    await new Promise((r) => s.close(r));
    return port;
}

function project(files: Record<string, string> = {}): string {
    const dir = tempDir("ops-int");
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
}

type Runner = (argv: string[], io: Io, ctx: OpsContext) => Promise<number>;
async function run(cmd: Runner, argv: string[], opts: { projectDir?: string; interactive?: boolean; answer?: string } = {}) {
    const out: string[] = [];
    const err: string[] = [];
    // Its own project and lock directories: never this checkout's stack files or the host's ledger.
    const ctx: OpsContext = {
        projectDir: opts.projectDir ?? project(),
        lockDir: tempDir("ops-locks"),
        env: {},
        dockerHost: "unix:///var/run/docker.sock",
        terminal: { interactive: opts.interactive ?? false, ask: async () => opts.answer ?? "" },
    };
    // Like the process's Io: every write ends with a newline.
    const nl = (t: string) => (t.endsWith("\n") ? t : `${t}\n`);
    const code = await cmd(argv, { out: (t) => void out.push(nl(t)), err: (t) => void err.push(nl(t)) }, ctx);
    return { code, out: out.join("").trimEnd(), err: err.join("").trimEnd() };
}

describe("operations against a real Engine", () => {
    it("status: healthy tenant exits 0 with ports and URLs; a stopped or unhealthy service exits 3", async (t) => {
        skipWhen(t, image ? undefined : NO_IMAGE);
        const tenant = tenantName("status");
        const port = await freePort();
        const dir = project({
            [`Pulumi.${tenant}.yaml`]: `config:\n  frontbase:publicHost: vps.test\n  frontbase:ports:\n    frontend: ${port}\n`,
        });
        const redis = await container(tenant, "redis", { health: "true" });
        for (const s of ["redis-http", "backend", "edge"]) await container(tenant, s);
        await container(tenant, "frontend", { port });
        await settled(redis);

        const ok = await run(runStatus, [tenant], { projectDir: dir });
        expect(ok.err).toBe("");
        expect(ok.code).toBe(0);
        expect(ok.out).toMatch(new RegExp(`^redis\\s+${tenant}_frontbase-redis-1\\s+running\\s+healthy\\s+-\\s+-$`, "m"));
        expect(ok.out).toMatch(
            new RegExp(`^frontend\\s+\\S+\\s+running\\s+-\\s+127\\.0\\.0\\.1:${port}->80/tcp\\s+http://vps\\.test:${port}$`, "m"),
        );
        expect(ok.out).toContain("healthy: 5 service(s) running");

        await docker.getContainer(containerName(tenant, "edge")).stop({ t: 5 });
        const sick = await container(tenant, "backend-probe", { health: "exit 1" });
        await settled(sick);
        const bad = await run(runStatus, [tenant, "--json"], { projectDir: dir });
        expect(bad.code).toBe(3);
        const json = JSON.parse(bad.out);
        expect(json.healthy).toBe(false);
        expect(json.problems).toEqual(
            expect.arrayContaining([expect.stringMatching(/^edge: exited$/), "backend-probe: running, unhealthy"]),
        );
    });

    it("status/logs/restart of an unknown tenant fail clearly", async () => {
        for (const cmd of [runStatus, runLogs, runRestart]) {
            await expect(run(cmd, [tenantName("nobody")])).rejects.toThrow(
                new RegExp(
                    `unknown tenant "${tenantName("nobody")}": no stack file for it in .* and no container labelled frontbase.tenant=`,
                ),
            );
        }
    });

    it("logs: several services merged in time order and prefixed, stderr apart, --tail, TTY, --follow", async (t) => {
        skipWhen(t, image ? undefined : NO_IMAGE);
        const tenant = tenantName("logs");
        // Each started once the one before has written, so the order of the lines is fixed by the
        // test, not by how fast a loaded host starts containers: b1, then e1 (the edge runs while
        // the backend sleeps 8 s), then b2, then the frontend's line once the backend has exited.
        const b = await container(tenant, "backend", { cmd: ["sh", "-c", "echo b1; echo b-err >&2; sleep 8; echo b2"], start: false });
        const e = await container(tenant, "edge", { cmd: ["sh", "-c", "echo e1"], start: false });
        const f = await container(tenant, "frontend", { cmd: ["sh", "-c", "echo tty-line"], tty: true, start: false });
        await b.start();
        await until("the backend's first line", async () =>
            (await b.logs({ stdout: true })).toString().includes("b1") ? true : undefined,
        );
        await e.start();
        await exited(e);
        await exited(b);
        await f.start();
        await exited(f);

        const all = await run(runLogs, [tenant]);
        expect(all.code).toBe(0);
        expect(all.out.trimEnd().split("\n")).toEqual(["backend  | b1", "edge     | e1", "backend  | b2", "frontend | tty-line"]);
        expect(all.err.trimEnd()).toBe("backend  | b-err");

        const one = await run(runLogs, [tenant, "backend", "--tail", "1", "--timestamps"]);
        expect(one.out.trimEnd()).toMatch(/^\d{4}-\d\d-\d\dT\S+Z b2$/);

        const missing = run(runLogs, [tenant, "redis"]);
        await expect(missing).rejects.toThrow(/has no container for service "redis"; its services: backend, edge, frontend/);

        await container(tenant, "redis", { cmd: ["sh", "-c", "echo f1; sleep 2; echo f2"] });
        const started = Date.now();
        const followed = await run(runLogs, [tenant, "redis", "--follow"]);
        expect(followed.out.trimEnd().split("\n")).toEqual(["f1", "f2"]);
        expect(Date.now() - started).toBeGreaterThan(1000); // it waited for f2 rather than returning at once
    });

    it("restart: restarts only the named service, starts a stopped one, in start order", async (t) => {
        skipWhen(t, image ? undefined : NO_IMAGE);
        const tenant = tenantName("restart");
        const redis = await container(tenant, "redis");
        const backend = await container(tenant, "backend", { start: false });
        const startedAt = async (c: Docker.Container) => (await c.inspect()).State.StartedAt;
        const redisBefore = await startedAt(redis);

        const one = await run(runRestart, [tenant, "backend", "--timeout", "1"]);
        expect(one.code).toBe(0);
        expect(one.out).toBe(`restarted backend (${tenant}_frontbase-backend-1): running`);
        expect((await backend.inspect()).State.Running).toBe(true);
        expect(await startedAt(redis)).toBe(redisBefore);

        const all = await run(runRestart, [tenant, "--timeout", "1"]);
        expect(all.code).toBe(0);
        expect(all.out.split("\n").map((l) => l.split(" ")[1])).toEqual(["redis", "backend"]);
        expect(await startedAt(redis)).not.toBe(redisBefore);
    });

    it("purge: refuses while a container exists, confirms on a terminal, removes exactly the tenant's volumes", async (t) => {
        skipWhen(t, image ? undefined : NO_IMAGE);
        const tenant = tenantName("purge");
        const mine = [
            await volume(volumeName(tenant, "backend"), labels(tenant, "backend")),
            await volume(volumeName(tenant, "redis")), // unlabelled, matched by its exact name
            await volume(`legacy-${RUN}`, { "com.docker.compose.project": `${tenant}_frontbase` }),
        ];
        const foreign = await volume(volumeName(tenant, "edge"), labels(tenantName("other"), "edge"));
        const exists = async (n: string) => (await docker.listVolumes()).Volumes.some((v) => v.Name === n);
        const stopped = await container(tenant, "backend", { start: false, binds: [`${mine[0]}:/data`] });

        const refused = await run(runPurge, [tenant, "--yes"]);
        expect(refused.code).toBe(1);
        expect(refused.err).toContain(`its containers still exist: ${tenant}_frontbase-backend-1 (created)`);
        for (const v of mine) expect(await exists(v)).toBe(true);
        await stopped.remove();

        const declined = await run(runPurge, [tenant], { interactive: true, answer: "yes" });
        expect(declined.code).toBe(1);
        expect(declined.err).toBe("not confirmed; nothing was removed");
        for (const v of mine) expect(await exists(v)).toBe(true);

        const done = await run(runPurge, [tenant], { interactive: true, answer: tenant });
        expect(done.code).toBe(0);
        expect(
            done.out
                .split("\n")
                .filter((l) => l.startsWith("removed volume"))
                .sort(),
        ).toEqual(mine.map((v) => `removed volume ${v}`).sort());
        for (const v of mine) expect(await exists(v)).toBe(false);
        expect(await exists(foreign)).toBe(true);

        const again = await run(runPurge, [tenant, "--yes"]);
        expect(again.code).toBe(1);
        expect(again.err).toMatch(/^nothing to purge for .* Nothing was removed\.$/);
    });

    it("purge: a volume another container still uses is reported, and the purge fails", async (t) => {
        skipWhen(t, image ? undefined : NO_IMAGE);
        const tenant = tenantName("busy");
        const busy = await volume(volumeName(tenant, "redis"), labels(tenant, "redis"));
        const free = await volume(volumeName(tenant, "edge"), labels(tenant, "edge"));
        await container(tenantName("neighbour"), "redis", { binds: [`${busy}:/data`] });
        const r = await run(runPurge, [tenant, "--yes"]);
        expect(r.code).toBe(1);
        expect(r.out).toContain(`removed volume ${free}`);
        expect(r.err).toMatch(new RegExp(`could not remove volume ${busy}: .*in use`));
        expect(r.err).toContain(`removed 1 of 2 volume(s); still there: ${busy}`);
    });

    it("nginx: port from the tenant's container; real nginx loads the block and proxies the domain there", async (t) => {
        skipWhen(t, image ? undefined : NO_IMAGE);
        const tenant = tenantName("nginx");
        const port = await freePort();
        await container(tenant, "frontend", { port, start: false });
        const r = await run(runNginx, [tenant, "--domain", "shop.example.com"]);
        expect(r.code).toBe(0);
        expect(r.out).toContain(`proxy_pass http://127.0.0.1:${port};`);
        expect(r.out).toContain(`(from container ${tenant}_frontbase-frontend-1)`);
        const built = (await docker.listImages()).some((i) => i.RepoTags?.includes(REAL_IMAGES.frontend));
        // The block was checked above; what follows (a real nginx proxying it) is skipped, saying so.
        skipWhen(t, built ? undefined : `${REAL_IMAGES.frontend} (which has nginx) is not built (npm run images:test)`);
        // The real frontend image's nginx (Debian's) runs the generated block, with a stand-in upstream on that port.
        const conf = `events {}\nhttp {\n server { listen 127.0.0.1:${port}; location / { return 200 "upstream host=$http_host proto=$http_x_forwarded_proto"; } }\n include /srv/t/site.conf;\n}\n`;
        const dir = project({ "nginx.conf": conf, "site.conf": r.out });
        const proxyPort = await freePort();
        await container(tenantName("nginx-proxy"), "frontend", {
            image: REAL_IMAGES.frontend,
            entrypoint: [],
            cmd: ["nginx", "-c", "/srv/t/nginx.conf", "-g", "daemon off;"],
            port: proxyPort,
            binds: [`${dir}:/srv/t:ro`],
        });
        const get = () =>
            new Promise<string>((resolve, reject) =>
                http
                    .get({ host: "127.0.0.1", port: proxyPort, headers: { Host: "shop.example.com" } }, (res) => {
                        let body = "";
                        res.on("data", (c) => (body += c)).on("end", () => resolve(`${res.statusCode} ${body}`));
                    })
                    .on("error", reject),
            );
        expect(await until("nginx to answer", () => get().catch(() => undefined))).toBe("200 upstream host=shop.example.com proto=http");
    });

    it("why-port: a running and a stopped container, a stack file pin, a process, and a free port", async (t) => {
        skipWhen(t, image ? undefined : NO_IMAGE);
        const [up, down, pinned, listened, free] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
        await container(tenantName("why"), "frontend", { port: up });
        await container(tenantName("why"), "backend", { port: down, start: false });
        const dir = project({ "Pulumi.why-pin.yaml": `config:\n  frontbase:ports:\n    edge: ${pinned}\n` });
        const server = createServer();
        await new Promise<void>((r) => server.listen(listened, "127.0.0.1", r));
        const ask = async (port: number) => (await run(runWhyPort, [String(port)], { projectDir: dir })).out;
        try {
            expect(await ask(up)).toMatch(
                new RegExp(`container ${tenantName("why")}_frontbase-frontend-1 of tenant ${tenantName("why")} \\(frontend\\), running`),
            );
            expect(await ask(down)).toContain("created: not running, but Docker binds the port again when it starts");
            expect(await ask(pinned)).toContain(`tenant why-pin's stack file ${dir}/Pulumi.why-pin.yaml (ports.edge)`);
            expect(await ask(listened)).toContain(`a process listening on 127.0.0.1 (pid ${process.pid}, `);
            expect(await ask(free)).toMatch(
                new RegExp(`^port ${free} on unix:///var/run/docker.sock is free: .*no process listens on it$`),
            );
        } finally {
            await new Promise((r) => server.close(r));
        }
    });

    it("the real CLI exits non-zero with a clear message on a dead daemon and on an unknown tenant", async () => {
        // A project of its own holding tenant dev's stack file, not this checkout's.
        const dir = project({
            "Pulumi.yaml": "name: frontbase\nruntime: nodejs\n",
            "Pulumi.dev.yaml": "config:\n  frontbase:tenant: dev\n",
        });
        const own = { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: tempDir("ops-locks") };
        const cli = (args: string[], env: NodeJS.ProcessEnv) =>
            promisify(execFile)(
                path.join(root, "node_modules/.bin/ts-node"),
                ["--transpile-only", "-P", path.join(root, "tsconfig.json"), path.join(root, "cli/main.ts"), ...args],
                { cwd: root, env: { ...process.env, ...own, ...env } },
            ).then(
                (r) => ({ code: 0, stderr: r.stderr }),
                (e) => ({ code: e.code as number, stderr: e.stderr as string }),
            );
        const dead = await cli(["status", "dev"], { DOCKER_HOST: "unix:///nonexistent.sock" });
        expect(dead.code).toBe(1);
        expect(dead.stderr).toMatch(/tenant status: the Docker Engine at unix:\/\/\/nonexistent\.sock does not answer/);
        const unknown = await cli(["status", tenantName("ghost")], { DOCKER_HOST: "unix:///var/run/docker.sock" });
        expect(unknown.code).toBe(1);
        expect(unknown.stderr).toMatch(/unknown tenant "ops-ghost-\w+": .*known tenants: .*dev/);
    });
});
