// A swarm tenant's services as the ops commands show them: for each service its current task
// (the node it runs on, its state), in the shape docker/containers.ts gives containers, so that
// `status` and `ls` judge and render both targets one way. Read through the manager.
import type Docker from "dockerode";
import { COMPOSE_SERVICE_LABEL, tenantOfLabels } from "../components/naming";
import { byServiceOrder, Health, TenantContainer } from "./containers";

/**
 * A task's state as a container's: `running` once the task runs. The executor reports a task
 * with a health check as running only once it is healthy, and as `starting` before.
 */
export function taskAsContainer(service: any, task: any | undefined, nodes: ReadonlyMap<string, string>, restarts: number): TenantContainer {
    const spec = service.Spec ?? {};
    const labels = spec.TaskTemplate?.ContainerSpec?.Labels ?? {};
    const hasCheck = (spec.TaskTemplate?.ContainerSpec?.Healthcheck?.Test ?? []).length > 0;
    const state: string = task?.Status?.State ?? "no task";
    const health: Health = state === "running" ? (hasCheck ? "healthy" : "none") : state === "starting" ? "starting" : "none";
    const ports = (service.Endpoint?.Ports ?? []).filter((p: any) => p.PublishedPort).map((p: any) => ({ hostIp: p.PublishMode === "host" ? "" : "*", hostPort: p.PublishedPort, containerPort: p.TargetPort, protocol: p.Protocol ?? "tcp" }));
    return {
        id: task?.Status?.ContainerStatus?.ContainerID ?? "",
        name: task ? `${spec.Name}.${task.Slot ?? 1}` : spec.Name,
        tenant: tenantOfLabels(spec.Labels) ?? tenantOfLabels(labels) ?? "",
        service: spec.Labels?.[COMPOSE_SERVICE_LABEL] ?? labels[COMPOSE_SERVICE_LABEL] ?? "?",
        state: state === "starting" ? "running" : state,
        health,
        ports,
        tty: spec.TaskTemplate?.ContainerSpec?.TTY === true,
        restarts,
        node: task ? (nodes.get(task.NodeID) ?? task.NodeID) : undefined,
        ...(task?.Status?.Err ? { error: task.Status.Err } : {}),
    };
}

/** One tenant's services (or every tenant's), each with its newest task, in start order. */
export async function readTenantTasks(docker: Docker, tenant?: string): Promise<TenantContainer[]> {
    const [services, tasks, nodes] = await Promise.all([docker.listServices(), docker.listTasks(), docker.listNodes()]);
    const names = new Map<string, string>(nodes.map((n: any) => [n.ID, n.Description?.Hostname ?? n.ID]));
    const own = services.filter((s: any) => {
        const t = tenantOfLabels(s.Spec?.Labels);
        return tenant === undefined ? t !== undefined : t === tenant;
    });
    return byServiceOrder(
        own.map((s: any) => {
            const mine = tasks.filter((t: any) => t.ServiceID === s.ID).sort((a: any, b: any) => String(b.CreatedAt).localeCompare(String(a.CreatedAt)));
            const current = mine.find((t: any) => t.DesiredState === "running") ?? mine[0];
            return taskAsContainer(s, current, names, Math.max(0, mine.length - 1));
        }),
    );
}

/** Whether `docker` is a swarm manager (the only kind that lists services and tasks). */
export async function isSwarmManager(docker: Docker): Promise<boolean> {
    const info = await docker.info();
    return info.Swarm?.LocalNodeState === "active" && info.Swarm?.ControlAvailable === true;
}
