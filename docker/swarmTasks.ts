// A swarm tenant's services as the ops commands show them: for each service its current task
// (the node it runs on, its state), in the shape docker/containers.ts gives containers, so that
// `status` and `ls` judge and render both targets one way. Read through the manager.
import type Docker from "dockerode";
import { COMPOSE_SERVICE_LABEL, ServiceName, tenantOfLabels } from "../components/naming";
import { swarmServiceName } from "../components/swarm/spec";
import { byServiceOrder, Health, TenantContainer } from "./containers";
import type { NodeInfo, ServiceInfo, TaskInfo } from "./swarm";

/**
 * A task's state as a container's: `running` once the task runs. The executor reports a task
 * with a health check as running only once it is healthy, and as `starting` before.
 */
export function taskAsContainer(
    service: ServiceInfo,
    task: TaskInfo | undefined,
    nodes: ReadonlyMap<string, string>,
    restarts: number,
): TenantContainer {
    const spec = service.Spec ?? {};
    const labels = spec.TaskTemplate?.ContainerSpec?.Labels ?? {};
    const hasCheck = (spec.TaskTemplate?.ContainerSpec?.Healthcheck?.Test ?? []).length > 0;
    const state: string = task?.Status?.State ?? "no task";
    const health: Health = state === "running" ? (hasCheck ? "healthy" : "none") : state === "starting" ? "starting" : "none";
    const ports = (service.Endpoint?.Ports ?? []).flatMap((p) =>
        p.PublishedPort
            ? [
                  {
                      hostIp: p.PublishMode === "host" ? "" : "*",
                      hostPort: p.PublishedPort,
                      containerPort: p.TargetPort ?? 0,
                      protocol: p.Protocol ?? "tcp",
                  },
              ]
            : [],
    );
    return {
        id: task?.Status?.ContainerStatus?.ContainerID ?? "",
        name: task ? `${spec.Name}.${task.Slot ?? 1}` : (spec.Name ?? service.ID),
        tenant: tenantOfLabels(spec.Labels) ?? tenantOfLabels(labels) ?? "",
        service: spec.Labels?.[COMPOSE_SERVICE_LABEL] ?? labels[COMPOSE_SERVICE_LABEL] ?? "?",
        state: state === "starting" ? "running" : state,
        health,
        ports,
        tty: spec.TaskTemplate?.ContainerSpec?.TTY === true,
        restarts,
        node: task ? (nodes.get(task.NodeID ?? "") ?? task.NodeID) : undefined,
        ...(spec.TaskTemplate?.ContainerSpec?.Image ? { imageRef: spec.TaskTemplate.ContainerSpec.Image } : {}),
        ...(task?.Status?.Err ? { error: task.Status.Err } : {}),
    };
}

/** One tenant's services (or every tenant's), each with its newest task, in start order. */
export async function readTenantTasks(docker: Docker, tenant?: string): Promise<TenantContainer[]> {
    const [services, tasks, nodes] = await Promise.all([
        docker.listServices() as Promise<ServiceInfo[]>,
        docker.listTasks() as Promise<TaskInfo[]>,
        docker.listNodes() as Promise<NodeInfo[]>,
    ]);
    const names = new Map<string, string>(nodes.map((n) => [n.ID, n.Description?.Hostname ?? n.ID]));
    const own = services.filter((s) => {
        const t = tenantOfLabels(s.Spec?.Labels);
        return tenant === undefined ? t !== undefined : t === tenant;
    });
    return byServiceOrder(
        own.map((s) => {
            const mine = tasks.filter((t) => t.ServiceID === s.ID).sort((a, b) => String(b.CreatedAt).localeCompare(String(a.CreatedAt)));
            const current = mine.find((t) => t.DesiredState === "running") ?? mine[0];
            return taskAsContainer(s, current, names, Math.max(0, mine.length - 1));
        }),
    );
}

/**
 * `docker service update --force`: the same spec with ForceUpdate bumped, so swarm replaces the
 * task (stop-first, on the same node). ForceUpdate is Computed for the provider: no drift.
 * Waits up to a minute past the grace period for the new task to run (healthy, where checked).
 */
export async function restartService(docker: Docker, tenant: string, service: string, timeout: number): Promise<TenantContainer> {
    const name = swarmServiceName(tenant, service as ServiceName);
    const before = (await readTenantTasks(docker, tenant)).find((c) => c.service === service)?.id;
    const s = (await docker.getService(name).inspect()) as ServiceInfo & {
        Spec: NonNullable<ServiceInfo["Spec"]> & { TaskTemplate: object };
    };
    const spec = { ...s.Spec, TaskTemplate: { ...s.Spec.TaskTemplate, ForceUpdate: (s.Spec.TaskTemplate.ForceUpdate ?? 0) + 1 } };
    await docker.getService(name).update({ ...spec, version: s.Version?.Index });
    const deadline = Date.now() + (timeout + 60) * 1000;
    for (;;) {
        await new Promise((r) => setTimeout(r, 2_000));
        const now = (await readTenantTasks(docker, tenant)).find((c) => c.service === service)!;
        const fresh = now.id !== "" && now.id !== before;
        if ((fresh && now.state === "running" && now.health !== "starting") || Date.now() > deadline) return now;
    }
}
