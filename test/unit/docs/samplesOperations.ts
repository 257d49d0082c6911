// The sample outputs of docs/operations.md and docs/deploy.md, produced by the real commands
// against a fake Engine (test/support/docSamples.ts), and a swarm tenant's status through the
// same reader and renderer `status` uses, from the manager's answers.
import type { FakeContainer } from "../../support/fakeEngine";
import { session, tenantLabels } from "../../support/docSamples";
import { renderStatus } from "../../../cli/ops/status";
import { assessTenant } from "../../../tenants/status";
import { taskAsContainer } from "../../../docker/swarmTasks";
import type { ServiceInfo, TaskInfo } from "../../../docker/swarm";

const TENANT1 =
    "config:\n  frontbase:tenant: tenant1\n  frontbase:ports:\n    backend: 8001\n    edge: 3003\n    frontend: 8081\n    redisHttp: 8082\n";
const publish = (internal: number, port: number) => ({ [`${internal}/tcp`]: [{ HostIp: "", HostPort: String(port) }] });

/** tenant1 as `pulumi up` leaves it: five services and the redis-token job, which exited 0. */
function tenant1(backendHealth: FakeContainer["health"] = "healthy"): FakeContainer[] {
    const c = (service: string, health?: FakeContainer["health"], bindings?: FakeContainer["bindings"]): FakeContainer => ({
        name: `tenant1_frontbase-${service}-1`,
        state: "running",
        labels: tenantLabels("tenant1", service),
        ...(health ? { health } : {}),
        ...(bindings ? { bindings } : {}),
    });
    return [
        c("redis", "healthy"),
        c("redis-http", undefined, publish(80, 8082)),
        c("backend", backendHealth, publish(8000, 8001)),
        c("edge", "healthy", publish(3002, 3003)),
        c("frontend", "healthy", publish(80, 8081)),
        {
            name: "tenant1_frontbase-redis-token-job",
            state: "exited",
            labels: { "frontbase.tenant": "tenant1", "com.docker.compose.project": "tenant1_frontbase", "frontbase.job": "redis-token" },
        },
    ];
}
const volumes = ["backend", "edge", "redis"].map((s) => ({ name: `tenant1_frontbase_${s}_data`, labels: tenantLabels("tenant1", s) }));

export async function operationsSamples(): Promise<Record<string, string>> {
    const tenant2Backend: FakeContainer = {
        name: "tenant2_frontbase-backend-1",
        state: "exited",
        labels: tenantLabels("tenant2", "backend"),
        bindings: publish(8000, 8002),
    };
    const s = await session({
        files: { "Pulumi.tenant1.yaml": TENANT1 },
        containers: [...tenant1(), tenant2Backend],
        volumes,
        listeners: [{ port: 8081, address: "0.0.0.0", pid: 1234, command: "docker-proxy" }],
    });
    const gone = await session({ files: { "Pulumi.tenant1.yaml": TENANT1 }, volumes });
    try {
        return {
            "operations-status": await s.tenant(["status", "tenant1"]),
            "operations-why-port": [await s.tenant(["why-port", "8081"]), await s.tenant(["why-port", "8002"])].join("\n"),
            "operations-purge": await gone.tenant(["purge", "tenant1"], {}, "tenant1"),
        };
    } finally {
        await s.close();
        await gone.close();
    }
}

/** docs/deploy.md: `verify` after a deploy whose backend did not turn healthy. */
export async function deployVerify(): Promise<Record<string, string>> {
    const s = await session({ files: { "Pulumi.tenant1.yaml": TENANT1 }, containers: tenant1("unhealthy"), volumes });
    try {
        return { "deploy-verify": await s.tenant(["verify", "tenant1"]) };
    } finally {
        await s.close();
    }
}

/** A swarm tenant's `status`: acme's services on node fbswarm-2, ports published in host mode there. */
export async function swarmStatus(): Promise<Record<string, string>> {
    const nodes = new Map([["n2", "fbswarm-2"]]);
    const services = [
        ["redis", undefined, true],
        ["redis-http", [8079, 80], false],
        ["backend", [8000, 8000], true],
        ["edge", [3002, 3002], true],
        ["frontend", [8080, 80], true],
    ] as const;
    const containers = services.map(([service, port, checked]) => {
        const info: ServiceInfo = {
            ID: `svc-${service}`,
            Spec: {
                Name: `acme_frontbase_${service}`,
                Labels: tenantLabels("acme", service),
                TaskTemplate: { ContainerSpec: checked ? { Healthcheck: { Test: ["CMD", "true"] } } : {} },
            },
            Endpoint: { Ports: port ? [{ PublishedPort: port[0], TargetPort: port[1], Protocol: "tcp", PublishMode: "host" }] : [] },
        } as ServiceInfo;
        const task = { ID: `task-${service}`, NodeID: "n2", Slot: 1, Status: { State: "running" } } as TaskInfo;
        return taskAsContainer(info, task, nodes, 0);
    });
    const status = assessTenant({
        tenant: "acme",
        host: "ssh://root@manager.example.com",
        stackFile: "Pulumi.acme.yaml",
        stackConfig: { "frontbase:target": "swarm", "frontbase:node": "fbswarm-2", "frontbase:publicHost": "10.231.0.12" },
        containers,
    });
    return { "swarm-status": `$ npm run tenant -- status acme\n${renderStatus(status)}` };
}
