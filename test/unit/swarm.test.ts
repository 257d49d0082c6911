// The swarm target's pure parts: the provider's duration form, placement and capacity, and the
// engine double's docker.Service rules (what Read writes back, what then diffs).
import { describe, expect, it } from "vitest";
import { DEFAULT_MEMORY } from "../../components/config";
import { endpointSpec, nodeConstraint, seconds, shortDur, tenantReservationBytes } from "../../components/swarm/spec";
import { Cluster, meshProblem, placementProblem, roomiestNode } from "../../docker/swarm";
import { mkdirSync, writeFileSync } from "fs";
import { tempDir } from "../support/temp";
import * as path from "path";
import { diffAgainstState } from "../../test/engine/realizer/schema";
import { familiarImage, serviceSpecOf, shortDur as readShortDur, stateFromInspect } from "../../test/engine/realizer/serviceSpec";
import { serviceProvider } from "../../test/engine/realizer/services";
import { taskAsContainer } from "../../docker/swarmTasks";
import { renderStatus } from "../../cli/ops/status";
import { assessTenant } from "../../tenants/status";
import { verdictOf } from "../../cli/ops/verify";

const GIB = 1024 ** 3;

describe("the provider's short durations", () => {
    it.each([
        [0, "0s"],
        [5, "5s"],
        [60, "1m"],
        [90, "1m30s"],
        [3600, "1h"],
        [5400, "1h30m"],
        [3661, "1h1m1s"],
    ])("%i s -> %s, as shortDur writes it, from the program and from the double's Read alike", (s, text) => {
        expect(seconds(s)).toBe(text);
        expect(readShortDur(s * 1e9)).toBe(text);
    });

    it("rewrites Go's own text the way the provider does", () => {
        expect([shortDur("2m0s"), shortDur("1h0m0s"), shortDur("1m30s")]).toEqual(["2m", "1h", "1m30s"]);
    });
});

describe("publishing", () => {
    it("publishes in host mode by DNS round robin, and through the mesh with a virtual IP (swarmkit refuses ingress with dnsrr)", () => {
        const port = { target: 80, published: 8080 };
        expect(endpointSpec("host", port)).toEqual({
            mode: "dnsrr",
            ports: [{ targetPort: 80, publishedPort: 8080, publishMode: "host", protocol: "tcp" }],
        });
        expect(endpointSpec("ingress", port)).toEqual({
            mode: "vip",
            ports: [{ targetPort: 80, publishedPort: 8080, publishMode: "ingress", protocol: "tcp" }],
        });
        // A service without a port needs no virtual IP in either mode.
        expect([endpointSpec("host"), endpointSpec("ingress")]).toEqual([
            { mode: "dnsrr", ports: [] },
            { mode: "dnsrr", ports: [] },
        ]);
    });
});

describe("the routing mesh's IPVS", () => {
    const proc = (withIpvs: boolean) => {
        const root = tempDir("proc");
        mkdirSync(path.join(root, "net"), { recursive: true });
        if (withIpvs) writeFileSync(path.join(root, "net", "ip_vs"), "IP Virtual Server version 1.2.1\n");
        return root;
    };
    const ingress = { publishMode: "ingress" as const };

    it("refuses ingress on a local manager whose kernel has no IPVS, naming the key and both ways out", () => {
        const root = proc(false);
        expect(meshProblem(ingress, "unix:///var/run/docker.sock", root)).toBe(
            `frontbase:publishMode: "ingress" needs IPVS, and this machine's kernel, the manager's at unix:///var/run/docker.sock, has none (no ${root}/net/ip_vs): the tasks would run and the mesh would route nothing. Load it on every node (modprobe ip_vs), or publish in "host" mode`,
        );
    });

    it("lets it through with IPVS, in host mode, and for a remote manager (its nodes are not this kernel)", () => {
        expect(meshProblem(ingress, "unix:///var/run/docker.sock", proc(true))).toBeUndefined();
        expect(meshProblem({ publishMode: "host" }, "unix:///var/run/docker.sock", proc(false))).toBeUndefined();
        expect(meshProblem(ingress, "ssh://root@manager", proc(false))).toBeUndefined();
    });
});

describe("placement", () => {
    const node = (hostname: string, memoryGiB: number, state = "ready", availability = "active") => ({
        id: `id-${hostname}`,
        hostname,
        state,
        availability,
        role: "worker",
        addr: "10.0.0.1",
        memoryBytes: memoryGiB * GIB,
    });
    const service = (tenant: string, nodeName: string, gib: number) => ({
        id: `${tenant}-s`,
        name: `${tenant}_frontbase_backend`,
        tenant,
        service: "backend",
        node: nodeName,
        reservedBytes: gib * GIB,
        hostPorts: [],
        ingressPorts: [],
    });
    const cluster: Cluster = {
        nodes: [node("n1", 8), node("n2", 8), node("n3", 16, "down"), node("n4", 32, "ready", "drain")],
        services: [service("t1", "n1", 2), service("t2", "n2", 1)],
    };

    it("picks the ready, active node with the most unreserved memory", () => {
        expect(roomiestNode(cluster)?.hostname).toBe("n2");
    });

    it("names a node by ID when the stack does, else by hostname", () => {
        const n = cluster.nodes[0];
        expect([nodeConstraint(n, "id-n1"), nodeConstraint(n, "n1")]).toEqual(["node.id==id-n1", "node.hostname==n1"]);
    });

    it("reserves each service's memory limit for the whole tenant", () => {
        expect(tenantReservationBytes({ memory: DEFAULT_MEMORY, database: "sqlite" })).toBe((512 + 256 + 64 + 256 + 64) * 1024 * 1024);
        expect(tenantReservationBytes({ memory: DEFAULT_MEMORY, database: "postgres" })).toBe(
            (512 + 256 + 64 + 256 + 64 + 384) * 1024 * 1024,
        );
    });

    it.each([
        [
            "no-such",
            1,
            'frontbase:node: the swarm has no node "no-such"; its nodes: n1 (ready, active), n2 (ready, active), n3 (down, active), n4 (ready, drain)',
        ],
        ["n3", 1, "frontbase:node: node n3 is down: the manager cannot reach it, so nothing can start there"],
        ["n4", 1, "frontbase:node: node n4 is set to drain; `docker node update --availability active n4` lets tasks run there again"],
        [
            "n1",
            7,
            "frontbase:memory: the tenant reserves 7.00 GiB but node n1 has 6.00 GiB unreserved (of 8.00 GiB); lower frontbase:memory or pick another node",
        ],
    ])("refuses node %s for %i GiB: %s", (named, gib, problem) => {
        expect(placementProblem(cluster, named, "new", gib * GIB)).toBe(problem);
    });

    it("counts the tenant's own services as free (an update replaces them)", () => {
        expect(placementProblem(cluster, "n1", "t1", 8 * GIB)).toBeUndefined();
    });
});

describe("the engine double's docker.Service", () => {
    const inputs = {
        name: "t1_frontbase_backend",
        labels: [{ label: "frontbase.tenant", value: "t1" }],
        mode: { replicated: { replicas: 1 } },
        taskSpec: {
            containerSpec: {
                image: "frontbase-real/backend:local",
                hostname: "backend",
                env: { A: "1" },
                mounts: [
                    {
                        type: "volume",
                        source: "t1_frontbase_backend_data",
                        target: "/app/data",
                        volumeOptions: { labels: [{ label: "frontbase.tenant", value: "t1" }] },
                    },
                ],
                healthcheck: { tests: ["CMD", "true"], interval: "2s", timeout: "5s", retries: 25, startPeriod: "1m" },
                stopGracePeriod: "20s",
                labels: [{ label: "frontbase.tenant", value: "t1" }],
            },
            networksAdvanceds: [{ id: "netid", aliases: ["backend"] }],
            placement: { constraints: ["node.hostname==n1"] },
            resources: { limits: { memoryBytes: 512 * 1024 * 1024 }, reservation: { memoryBytes: 512 * 1024 * 1024 } },
            restartPolicy: { condition: "any", delay: "5s", window: "0s" },
            logDriver: { name: "json-file", options: { "max-size": "10m" } },
        },
        updateConfig: { parallelism: 1, delay: "0s", failureAction: "pause", monitor: "5s", maxFailureRatio: "0.0", order: "stop-first" },
        endpointSpec: { mode: "dnsrr", ports: [{ targetPort: 8000, publishedPort: 8001, publishMode: "host", protocol: "tcp" }] },
        convergeConfig: { delay: "2s", timeout: "3m" },
    };
    /** What the daemon holds after a create with these inputs: the spec sent, the runtime endpoint as allocated. */
    const inspect = (i: any) => {
        const spec: any = serviceSpecOf(i);
        return { ID: "svc", Version: { Index: 1 }, Spec: spec, Endpoint: { Spec: spec.EndpointSpec, Ports: spec.EndpointSpec.Ports } };
    };
    const state = stateFromInspect(inspect(inputs), inputs);
    const diff = (news: any) => diffAgainstState(serviceProvider.schema, state, news);

    it("reads back what it sent so that the same inputs show no diff", () => {
        expect(diff(inputs)).toEqual([]);
    });

    it("adds :latest to a bare image name and drops docker.io, as the Go client does", () => {
        expect([
            familiarImage("app"),
            familiarImage("docker.io/library/nginx:1.27"),
            familiarImage("reg:5000/a/b"),
            familiarImage("x/y@sha256:ab"),
        ]).toEqual(["app:latest", "nginx:1.27", "reg:5000/a/b:latest", "x/y@sha256:ab"]);
    });

    it("updates in place for a replica count or memory change, replaces for task labels or networks", () => {
        expect(diff({ ...inputs, mode: { replicated: { replicas: 2 } } })).toMatchObject([{ key: "mode", replaces: false }]);
        const withTask = (f: (t: any) => any) => ({ ...inputs, taskSpec: f(structuredClone(inputs.taskSpec)) });
        expect(diff(withTask((t) => ({ ...t, resources: { limits: { memoryBytes: 1 << 30 } } })))).toMatchObject([
            { key: "taskSpec", replaces: false },
        ]);
        expect(
            diff(withTask((t) => ({ ...t, containerSpec: { ...t.containerSpec, labels: [{ label: "frontbase.tenant", value: "t2" }] } }))),
        ).toMatchObject([{ key: "taskSpec", replaces: true }]);
        expect(diff(withTask((t) => ({ ...t, networksAdvanceds: [{ id: "other", aliases: ["backend"] }] })))).toMatchObject([
            { key: "taskSpec", replaces: true },
        ]);
        expect(diff({ ...inputs, name: "t1_frontbase_backend2" })).toMatchObject([{ key: "name", replaces: true }]);
    });

    it("keeps Computed blocks the program leaves out (restart policy, placement, resources) as Read stored them", () => {
        const { restartPolicy, placement, resources, ...rest } = inputs.taskSpec;
        expect(diff({ ...inputs, taskSpec: rest })).toEqual([]);
    });

    it("diffs forever on a restart policy with a condition but no delay or window: Read writes back 0s for both", () => {
        const partial = { ...inputs, taskSpec: { ...inputs.taskSpec, restartPolicy: { condition: "any" } } };
        const after = stateFromInspect(inspect(partial), partial);
        expect(diffAgainstState(serviceProvider.schema, after, partial)).toMatchObject([{ key: "taskSpec", replaces: false }]);
    });

    it("diffs forever on a non-canonical duration and on a ratio with two decimals", () => {
        const odd = {
            ...inputs,
            taskSpec: { ...inputs.taskSpec, containerSpec: { ...inputs.taskSpec.containerSpec, stopGracePeriod: "90s" } },
            updateConfig: { ...inputs.updateConfig, maxFailureRatio: "0.25" },
        };
        const after = stateFromInspect(inspect(odd), odd);
        expect(after.taskSpec.containerSpec.stopGracePeriod).toBe("1m30s");
        expect(after.updateConfig.maxFailureRatio).toBe("0.2");
        expect(diffAgainstState(serviceProvider.schema, after, odd).map((d) => d.key)).toEqual(["taskSpec", "updateConfig"]);
    });

    it("never reads back the converge config: it stays as the inputs gave it", () => {
        expect(state.convergeConfig).toEqual(inputs.convergeConfig);
        expect(diff({ ...inputs, convergeConfig: { delay: "7s", timeout: "1m" } })).toMatchObject([{ key: "convergeConfig" }]);
    });
});

describe("a swarm task as the ops commands see it", () => {
    const service = (check: boolean) => ({
        ID: "s1",
        Spec: {
            Name: "t1_frontbase_backend",
            Labels: { "frontbase.tenant": "t1", "com.docker.compose.service": "backend" },
            TaskTemplate: { ContainerSpec: { Labels: {}, ...(check ? { Healthcheck: { Test: ["CMD", "true"] } } : {}) } },
        },
        Endpoint: { Ports: [{ PublishMode: "host", PublishedPort: 8001, TargetPort: 8000, Protocol: "tcp" }] },
    });
    const task = (state: string, err?: string) => ({
        ServiceID: "s1",
        NodeID: "n2id",
        Slot: 1,
        Status: { State: state, ...(err ? { Err: err } : {}), ContainerStatus: { ContainerID: "c1" } },
    });
    const nodes = new Map([["n2id", "node-2"]]);

    it.each([
        [true, "running", "running", "healthy"],
        [false, "running", "running", "none"],
        [true, "starting", "running", "starting"],
        [true, "rejected", "rejected", "none"],
    ])("with a check %s, task %s -> state %s, health %s", (check, taskState, state, health) => {
        const c = taskAsContainer(service(check), task(taskState), nodes, 0);
        expect([c.state, c.health, c.node, c.name, c.service, c.tenant]).toEqual([
            state,
            health,
            "node-2",
            "t1_frontbase_backend.1",
            "backend",
            "t1",
        ]);
        expect(c.ports).toEqual([{ hostIp: "", hostPort: 8001, containerPort: 8000, protocol: "tcp" }]);
    });

    it("reports why a task failed, and renders tasks with their node", () => {
        const c = taskAsContainer(service(true), task("rejected", "No such image: frontbase-real/backend:local"), nodes, 2);
        const status = assessTenant({ tenant: "t1", host: "unix:///m.sock", containers: [c] });
        expect(status.problems).toEqual(["backend: rejected (restarted 2 times) (No such image: frontbase-real/backend:local)"]);
        expect(renderStatus(status).split("\n")[1]).toMatch(/^SERVICE\s+TASK\s+NODE\s+STATE\s+HEALTH\s+PORTS\s+URL$/);
        expect(renderStatus(status)).toMatch(/backend\s+t1_frontbase_backend\.1\s+node-2\s+rejected/);
    });
});

describe("verify on a swarm tenant", () => {
    it("names the service's URN in the recovery command, not a container's", () => {
        const status = {
            tenant: "t1",
            host: "h",
            services: [{ service: "backend", state: "rejected", health: "-", ports: [], urls: [] }],
            healthy: false,
            suspended: false,
            problems: ["backend: rejected"],
        };
        const v = verdictOf(status, { stack: "t1", project: "frontbase", tenant: "t1", swarm: true });
        expect(v.replaceUrns).toEqual([
            "urn:pulumi:t1::frontbase::frontbase:index:TenantStack$docker:index/service:Service::t1-backend-service",
        ]);
    });
});
