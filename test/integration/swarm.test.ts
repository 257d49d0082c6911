// Two REAL Frontbase tenants on a real three-node Docker Swarm made on this machine
// (scripts/swarm-lab.sh: three dockerd in network namespaces, overlay networking between them):
// each made by `tenant new --target swarm --node`, deployed through the program by the engine
// double against the manager, reached through its node's published ports, isolated from the
// other across nodes, unchanged by the drift check, back with its data after its node's daemon
// restarts; and bad placements refused before anything is created.
import { execFile } from "child_process";
import { existsSync, promises as fs } from "fs";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroy, EngineOptions, preview, up } from "../engine/engine";
import { changesOf, diffLines, stepLine } from "../engine/progress";
import { REAL_TENANT_IMAGES } from "../images/frontbase";
import { TEST_PROXY_IMAGE } from "../images/images";
import { PROXY_CONTAINER } from "../../components/proxy/naming";
import { decryptStackSecrets } from "../../project/stackSecrets";
import { readStackFile } from "../../project/stackFiles";
import { deploy, tempDir, tenantCli } from "./support/fleet";
import { probeDocker } from "./support/probe";
import { copyProject, ProjectCopy } from "./support/projectCopy";
import {
    allRunningOn,
    fromNetwork,
    labDown,
    labProblem,
    labUp,
    MANAGER,
    NODE_HOSTS,
    nodeAddr,
    nodeDocker,
    nodeName,
    nodeStart,
    nodeStop,
    tenantTasks,
    tenantVolumes,
} from "./support/swarmLab";
import { until } from "./support/until";
import { cannotRun } from "../support/skip";
import { getThroughProxy } from "./support/https";
import { testTenant } from "./support/tenants";
import { RealTenant, realTenant, web } from "./support/realTenants";

const run = promisify(execFile);
const LAB_IMAGES = [...Object.values(REAL_TENANT_IMAGES).filter((i) => !i.includes("postgres")), TEST_PROXY_IMAGE];
const probe = probeDocker(LAB_IMAGES, "the swarm suite");
const lab = cannotRun("the swarm suite", labProblem());
const PASSPHRASE = "swarm passphrase, test only";
const IPVS = existsSync("/proc/net/ip_vs");
if (!IPVS)
    console.log(
        "swarm suite: the routing-mesh test is skipped (no IPVS on this kernel: /proc/net/ip_vs is missing); the refusal test runs instead",
    );
const manager = nodeDocker(1);

type Tenant = RealTenant & { node: number };

describe.skipIf(probe.reason || lab)("real tenants on a three-node swarm", () => {
    const a: Tenant = { ...realTenant(testTenant("swa"), "sqlite"), node: 2 };
    const b: Tenant = { ...realTenant(testTenant("swb"), "sqlite"), node: 3 };
    const tenants = [a, b];
    // B is reached through the proxy too (its site URL is then https://B_DOMAIN).
    const B_DOMAIN = `${b.name}.swarm.test`;
    let project: ProjectCopy;
    let stateDir: string;
    let lockDir: string;
    const saved = { pass: process.env.PULUMI_CONFIG_PASSPHRASE, host: process.env.DOCKER_HOST, nodes: process.env.FRONTBASE_NODE_HOSTS };
    const opts = (t: Tenant, extra: Record<string, string> = {}): EngineOptions => ({
        projectDir: project.dir,
        stack: t.name,
        stateDir,
        config: { ...t.config, ...extra },
        secretKeys: t.secretKeys,
    });
    const cli = (argv: string[]) => tenantCli(argv, project.dir, lockDir);
    const login = (t: Tenant, password: string) =>
        web(t, "/api/auth/login", { method: "POST", json: { email: "admin@example.com", password } });
    /** The tenant as its stack file has it now (node, ports, credentials), for the engine and the probes. */
    const load = async (t: Tenant) => {
        const file = path.join(project.dir, `Pulumi.${t.name}.yaml`);
        const secrets = (await decryptStackSecrets(file, process.env))!;
        const plain = (await readStackFile(file)).config;
        t.config = { ...plain, ...secrets, "frontbase:images": JSON.stringify(REAL_TENANT_IMAGES), "frontbase:healthInterval": "2" };
        t.secretKeys = Object.keys(secrets);
        t.frontend = JSON.parse(plain["frontbase:ports"]).frontend;
        t.node = Number(plain["frontbase:node"].replace(/^fbswarm-/, ""));
        t.host = plain["frontbase:publicHost"];
        t.adminPassword = secrets["frontbase:adminPassword"];
    };

    beforeAll(async () => {
        const started = Date.now();
        console.log(await labUp(LAB_IMAGES));
        console.log(`swarm lab: 3 nodes with images in ${Date.now() - started} ms`);
        process.env.PULUMI_CONFIG_PASSPHRASE = PASSPHRASE;
        process.env.DOCKER_HOST = MANAGER;
        process.env.FRONTBASE_NODE_HOSTS = NODE_HOSTS;
        project = await copyProject();
        stateDir = await tempDir("state");
        lockDir = await tempDir("lock");
        // Allocation (tenantCli) and deploy (the runner inherits this environment) see one ledger.
        process.env.FRONTBASE_LOCK_DIR = lockDir;
        for (const t of tenants) {
            const made = await cli([
                "new",
                t.name,
                "--target",
                "swarm",
                "--node",
                nodeName(t.node),
                ...(t === b ? ["--domain", B_DOMAIN] : []),
            ]);
            expect(made.err).toContain(`node: ${nodeName(t.node)} (given; ${nodeAddr(t.node)})`);
            expect(made.code).toBe(0);
            await load(t);
        }
        await Promise.all(tenants.map((t) => deploy(opts(t))));
    });
    afterAll(async () => {
        for (const [k, v] of [
            ["PULUMI_CONFIG_PASSPHRASE", saved.pass],
            ["DOCKER_HOST", saved.host],
            ["FRONTBASE_NODE_HOSTS", saved.nodes],
        ] as const) {
            if (v === undefined) delete process.env[k];
            else process.env[k] = v;
        }
        await labDown();
        await project?.remove();
        for (const d of [stateDir, lockDir]) if (d) await fs.rm(d, { recursive: true, force: true });
    });

    it("pins each tenant's stack file to its node, and runs every service there as one task", async () => {
        for (const t of tenants) {
            expect([
                t.config["frontbase:target"],
                t.config["frontbase:node"],
                t.config["docker:host"],
                t.config["frontbase:publicHost"],
            ]).toEqual(["swarm", nodeName(t.node), MANAGER, nodeAddr(t.node)]);
            expect(await tenantTasks(t.name)).toEqual(allRunningOn(t.node));
        }
        // The volumes are on the tenant's node, labelled as on one host, and nowhere else.
        expect(await tenantVolumes(a.node, a.name)).toEqual([
            `${a.name}_frontbase_backend_data`,
            `${a.name}_frontbase_edge_data`,
            `${a.name}_frontbase_redis_data`,
        ]);
        expect(await tenantVolumes(b.node, a.name)).toEqual([]);
    });

    it("serves the real application through each node's published ports: admin UI, login with its own password only, data", async () => {
        for (const t of tenants) {
            const admin = await web(t, "/frontbase-admin/");
            expect([admin.status, admin.text.includes('<div id="root"')]).toEqual([200, true]);
            expect((await login(t, t.adminPassword)).status).toBe(200);
            const created = await web(t, "/api/variables/", {
                method: "POST",
                json: { name: `swarm_${t.name.replace(/-/g, "_")}`, type: "variable", value: "7" },
            });
            expect(created.status).toBe(200);
        }
        expect((await login(a, b.adminPassword)).status).toBe(401);
        expect((await web(a, "/api/variables/")).text).not.toContain(`swarm_${b.name.replace(/-/g, "_")}`);
        // Ports are allocated per node: both got the same numbers, each node's port is its own tenant's.
        expect(b.frontend).toBe(a.frontend);
        expect((await login({ ...a, host: nodeAddr(b.node) }, a.adminPassword)).status).toBe(401);
    });

    it("isolates the tenants across nodes: from A's overlay network, A's backend answers by name and B's task address does not", async () => {
        const bTasks: any[] = await manager.listTasks({
            filters: { service: [`${b.name}_frontbase_backend`], "desired-state": ["running"] },
        });
        const bAddr = bTasks[0].NetworksAttachments.find(
            (n: any) => n.Network.Spec.Name === `${b.name}_frontbase_frontbase`,
        ).Addresses[0].split("/")[0];
        const own = await fromNetwork(
            `${a.name}_frontbase_frontbase`,
            "curl -fsS -m 10 -o /dev/null -w '%{http_code}' http://backend:8000/health/",
        );
        expect(own).toEqual({ code: 0, out: "200" });
        const other = await fromNetwork(`${a.name}_frontbase_frontbase`, `curl -fsS -m 5 -o /dev/null http://${bAddr}:8000/health/`);
        expect(other.code).not.toBe(0);
        // And B's overlay knows no name of A's.
        const name = await fromNetwork(`${b.name}_frontbase_frontbase`, `getent hosts ${a.name}_frontbase_backend || echo unresolved`);
        expect(name.out).toBe("unresolved");
    });

    it("passes the drift check: an untouched swarm tenant previews with no change after a refresh", async () => {
        const r = await preview({ ...opts(a), refresh: true });
        expect(changesOf(r.steps).map((x) => [stepLine(x), ...diffLines(x)].join("\n"))).toEqual([]);
    });

    it("answers the operator commands through the manager: status, ls, why-port per node, and drain's report", async () => {
        const st = await cli(["status", a.name]);
        expect(st.code).toBe(0);
        expect(st.out).toMatch(/SERVICE\s+TASK\s+NODE\s+STATE\s+HEALTH/);
        expect(st.out).toMatch(new RegExp(`backend\\s+${a.name}_frontbase_backend\\.1\\s+${nodeName(a.node)}\\s+running\\s+healthy`));
        expect(st.out).toContain("healthy: 6 service(s) running");
        const ls = await cli(["ls", "--json"]);
        const rows = JSON.parse(ls.out).tenants as { tenant: string; containers: { service: string; node?: string; state: string }[] }[];
        for (const t of tenants) {
            const row = rows.find((r) => r.tenant === t.name)!;
            expect(
                row.containers
                    .filter((c) => c.node)
                    .map((c) => [c.service, c.node, c.state])
                    .sort(),
            ).toEqual(["backend", "edge", "frontend", "redis", "redis-http"].map((s) => [s, nodeName(t.node), "running"]));
        }
        // One port number, two nodes: taken on A's, free on the manager's.
        const taken = await cli(["why-port", String(a.frontend), "--node", nodeName(a.node)]);
        expect(taken.out).toContain(`port ${a.frontend} on node ${nodeName(a.node)} of the swarm at ${MANAGER} is taken:`);
        expect(taken.out).toContain(`swarm service ${a.name}_frontbase_frontend of tenant ${a.name} (frontend)`);
        const elsewhere = await cli(["why-port", String(a.frontend), "--node", nodeName(1)]);
        expect(elsewhere.out).not.toContain(`swarm service ${a.name}_frontbase_frontend`);
        const logs = await cli(["logs", a.name, "backend", "--tail", "all"]);
        expect([logs.code, /Application startup complete|Uvicorn running/.test(logs.out + logs.err)]).toEqual([0, true]);
        const restarted = await cli(["restart", a.name, "redis-http"]);
        expect([restarted.code, restarted.out.trim()]).toEqual([0, `restarted redis-http (a new task on ${nodeName(a.node)}): running`]);
        const verified = await cli(["verify", a.name]);
        expect([verified.code, verified.out]).toEqual([0, expect.stringContaining("healthy: 6 service(s) running")]);
        const ready = await cli(["preflight", a.name]);
        expect([ready.code, ready.out.trim()]).toEqual([
            0,
            `ready: ${a.name} (sqlite) on node ${nodeName(a.node)} of the swarm at ${MANAGER}, config valid, node and ports checked (its images: see the note)`,
        ]);
        const drain = await cli(["drain", nodeName(b.node)]);
        expect(drain.code).toBe(0);
        expect(drain.out).toContain(
            `tenant ${b.name} cannot move: its volumes are local to ${nodeName(b.node)}, so its 5 service(s) (redis, redis-http, backend, edge, frontend) are pinned there`,
        );
        expect(drain.out).toContain("nothing changed");
    });

    // The host's proxy on the manager (the proxy stack's docker:host): Caddy with host networking
    // there, dialing B's frontend at its node's address; Caddy's own CA (tls internal) signs.
    it("routes a swarm tenant's domain through the proxy on the manager to the tenant's node, over HTTPS", async () => {
        const proxy: EngineOptions = {
            projectDir: project.dir,
            stack: "proxy",
            stateDir,
            config: { "frontbase:tls": "internal", "frontbase:image": TEST_PROXY_IMAGE, "docker:host": MANAGER },
        };
        const r = await deploy(proxy);
        expect(r.outputs?.routes).toEqual({ [B_DOMAIN]: `${nodeAddr(b.node)}:${b.frontend}` });
        const ca = await until(
            "Caddy's local CA",
            async () =>
                (
                    await run("docker", [
                        "-H",
                        MANAGER,
                        "exec",
                        PROXY_CONTAINER,
                        "cat",
                        "/data/caddy/pki/authorities/local/root.crt",
                    ]).catch(() => ({ stdout: "" }))
                ).stdout || undefined,
            30_000,
            1_000,
        );
        const get = (urlPath: string) => getThroughProxy(nodeAddr(1), B_DOMAIN, urlPath, ca, 20_000);
        const health = await until(
            "B's frontend through the proxy",
            async () => ((await get("/nginx-health").catch(() => ({ status: 0 }))).status === 200 ? true : undefined),
            90_000,
            2_000,
        );
        expect(health).toBe(true);
        const admin = await get("/frontbase-admin/");
        expect([admin.status, admin.body.includes('<div id="root"')]).toEqual([200, true]);
        expect((await get("/api/variables/")).body).toContain(`swarm_${b.name.replace(/-/g, "_")}`);
        await destroy(proxy);
    });

    it("updates a service in place for a memory change (no replacement), and shows no drift after", async () => {
        const more = { "frontbase:memory": JSON.stringify({ backend: 640 }) };
        const planned = await preview({ ...opts(a, more), refresh: true });
        expect(changesOf(planned.steps).map((x) => [x.op, x.name, ...(x.changed ?? [])])).toEqual([
            ["update", `${a.name}-backend-service`, "taskSpec"],
        ]);
        await up(opts(a, more));
        const spec: any = (await manager.getService(`${a.name}_frontbase_backend`).inspect()).Spec;
        expect([spec.TaskTemplate.Resources.Limits.MemoryBytes, spec.TaskTemplate.Resources.Reservations.MemoryBytes]).toEqual([
            640 * 1024 * 1024,
            640 * 1024 * 1024,
        ]);
        expect(
            changesOf((await preview({ ...opts(a, more), refresh: true })).steps).map((x) => [stepLine(x), ...diffLines(x)].join("\n")),
        ).toEqual([]);
        expect(await tenantTasks(a.name)).toEqual(allRunningOn(a.node));
        a.config = { ...a.config, ...more };
    });

    it("places a tenant automatically on the node with the most unreserved memory", async () => {
        // fbswarm-2 and fbswarm-3 each hold a tenant's reservations; the manager holds none.
        const auto = await cli(["new", "swauto", "--target", "swarm", "--dry-run"]);
        expect([auto.code, auto.err]).toEqual([
            0,
            expect.stringContaining(`node: ${nodeName(1)} (most unreserved memory; ${nodeAddr(1)})`),
        ]);
    });

    it("refuses an unknown node and a memory reservation above the node's, creating nothing", async () => {
        const unknown = await cli(["new", "swbad", "--target", "swarm", "--node", "no-such-node"]);
        expect([unknown.code, unknown.err]).toEqual([
            1,
            expect.stringContaining(
                'the swarm has no node "no-such-node"; its nodes: fbswarm-1 (ready, active), fbswarm-2 (ready, active), fbswarm-3 (ready, active)',
            ),
        ]);
        await expect(up(opts(a, { "frontbase:memory": JSON.stringify({ backend: 65536 }) }))).rejects.toThrow(
            /frontbase:memory: the tenant reserves 64\.\d\d GiB but node fbswarm-2 has [\d.]+ GiB unreserved/,
        );
        expect(await fs.stat(path.join(project.dir, "Pulumi.swbad.yaml")).catch(() => undefined)).toBeUndefined();
        expect(await tenantTasks(a.name)).toEqual(allRunningOn(a.node));
    });

    // The routing mesh needs IPVS (FIELD-NOTES section 5: this kernel has none). Without it a
    // service's task runs and its port answers on no node, so ingress is refused up front here.
    it.skipIf(IPVS)("refuses publishMode ingress on this kernel without IPVS, in new and in the program, creating nothing", async () => {
        const refused = await cli(["new", "swmesh", "--target", "swarm", "--node", nodeName(2), "--publish", "ingress"]);
        expect([refused.code, refused.err]).toEqual([
            1,
            expect.stringContaining('not placing tenant swmesh: --publish "ingress" needs IPVS, and this machine\'s kernel'),
        ]);
        expect(await fs.stat(path.join(project.dir, "Pulumi.swmesh.yaml")).catch(() => undefined)).toBeUndefined();
        await expect(up(opts(a, { "frontbase:publishMode": "ingress" }))).rejects.toThrow('frontbase:publishMode: "ingress" needs IPVS');
        expect(await tenantTasks(a.name)).toEqual(allRunningOn(a.node));
    });

    it.skipIf(!IPVS)("publishes an ingress tenant on every node through the routing mesh", async () => {
        const made = await cli(["new", "swmesh", "--target", "swarm", "--node", nodeName(2), "--publish", "ingress"]);
        expect(made.code).toBe(0);
        const mesh: Tenant = { ...realTenant("swmesh", "sqlite"), node: 2 };
        await load(mesh);
        await deploy(opts(mesh));
        for (const k of [1, 2, 3]) expect((await web({ ...mesh, host: nodeAddr(k) }, "/nginx-health")).status).toBe(200);
        await destroy(opts(mesh));
    });

    it("brings a tenant back with its data after its node's daemon stops and starts; a down node refuses new tenants", async () => {
        await nodeStop(b.node);
        await until(
            "the manager to see the node down",
            async () => ((await manager.getNode(nodeName(b.node)).inspect()) as any).Status.State === "down" || undefined,
            60_000,
            2_000,
        );
        const refused = await cli(["new", "swdown", "--target", "swarm", "--node", nodeName(b.node)]);
        expect([refused.code, refused.err]).toEqual([
            1,
            expect.stringContaining(`node ${nodeName(b.node)} is down: the manager cannot reach it`),
        ]);
        await nodeStart(b.node);
        const started = Date.now();
        await until(
            "tenant B's tasks running again",
            async () => (JSON.stringify(await tenantTasks(b.name)) === JSON.stringify(allRunningOn(b.node)) ? true : undefined),
            5 * 60_000,
            2_000,
        );
        await until(
            "B's frontend to answer",
            async () => ((await web(b, "/nginx-health").catch(() => ({ status: 0 }))).status === 200 ? true : undefined),
            2 * 60_000,
            2_000,
        );
        console.log(`node ${nodeName(b.node)} restart: tenant back in ${Date.now() - started} ms`);
        expect((await login(b, b.adminPassword)).status).toBe(200);
        expect((await web(b, "/api/variables/")).text).toContain(`swarm_${b.name.replace(/-/g, "_")}`);
    });

    // The documented move (docs/operations.md, "Moving a tenant to another node"): back up, destroy
    // (the volumes stay on the old node), re-pin to the new node, restore there, deploy, purge the
    // old node's copy. Each data command reaches the node's own Engine (FRONTBASE_NODE_HOSTS).
    it("moves a tenant to another node with its data and credentials: backup, destroy, re-pin, restore, up, purge the old node", async () => {
        const from = a.node;
        const to = 3;
        const oldVolumes = await tenantVolumes(from, a.name);
        expect(oldVolumes.length).toBeGreaterThan(0);
        const backup = await cli(["backup", a.name]);
        expect([backup.code, backup.err]).toEqual([0, expect.any(String)]);
        expect(backup.out).toMatch(new RegExp(`^${a.name}: snapshot [0-9a-f]{8}, `));
        // While it runs, neither its data nor its node's copy can be replaced or removed.
        const busyRestore = await cli(["restore", a.name]);
        expect([busyRestore.code, busyRestore.err]).toEqual([1, expect.stringContaining(`pulumi destroy --stack ${a.name}; then restore`)]);
        const busyPurge = await cli(["purge", a.name, "--yes"]);
        expect([busyPurge.code, busyPurge.err]).toEqual([
            1,
            expect.stringContaining(`refusing to purge "${a.name}" on node ${nodeName(from)}: its services are pinned there`),
        ]);

        await destroy(opts(a));
        const repinned = await cli(["new", a.name, "--force", "--node", nodeName(to)]);
        expect([repinned.code, repinned.err]).toEqual([0, expect.stringContaining(`node: ${nodeName(to)} (given; ${nodeAddr(to)})`)]);
        const password = a.adminPassword;
        await load(a);
        expect([a.node, a.host, a.adminPassword]).toEqual([to, nodeAddr(to), password]);
        // Kept where free on the new node, fresh where B holds the number there.
        expect(a.frontend).not.toBe(b.frontend);

        const restored = await cli(["restore", a.name]);
        expect([restored.code, restored.out]).toEqual([0, expect.stringContaining(`; deploy it now: npm run deploy -- ${a.name}`)]);
        expect(await tenantVolumes(to, a.name)).toEqual(oldVolumes);
        const started = Date.now();
        await deploy(opts(a));
        console.log(`move of ${a.name} from ${nodeName(from)} to ${nodeName(to)}: up on the new node in ${Date.now() - started} ms`);
        expect(await tenantTasks(a.name)).toEqual(allRunningOn(a.node));
        expect((await login(a, password)).status).toBe(200);
        expect((await web(a, "/api/variables/")).text).toContain(`swarm_${a.name.replace(/-/g, "_")}`);

        const purged = await cli(["purge", a.name, "--node", nodeName(from), "--yes"]);
        expect([purged.code, purged.out]).toEqual([
            0,
            expect.stringContaining(`purged "${a.name}": removed ${oldVolumes.length} volume(s)`),
        ]);
        expect(await tenantVolumes(from, a.name)).toEqual([]);
        expect(await tenantVolumes(to, a.name)).toEqual(oldVolumes);
    });
});
