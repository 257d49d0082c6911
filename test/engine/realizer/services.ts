// docker:index/service:Service -> a Swarm service, as terraform-provider-docker v4.5.0 (bridged
// by @pulumi/docker 5.x) creates, reads, diffs, updates and deletes it, through the manager the
// stack's `docker:host` names. Each rule cites kreuzwerker/terraform-provider-docker@v4.5.0
// internal/provider/: [S] resource_docker_service.go (schema), [F] resource_docker_service_funcs.go,
// [T] resource_docker_service_structures.go; the audit is docs/swarm-audit.md.
import Docker from "dockerode";
import { canonical } from "../serialize";
import { durationNs } from "./durations";
import { inspectUnlessGone, Provider, removeUnlessGone, State } from "./provider";
import { Schema, withoutZeros } from "./schema";
import { serviceSpecOf, stateFromInspect } from "./serviceSpec";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sets inside the task spec ([S] TypeSet), sorted so that order does not count. */
function sortSets(ts: any): any {
    if (!ts || typeof ts !== "object") return ts;
    const by = (k: string) => (a: any, b: any) => canonical(a[k] ?? a).localeCompare(canonical(b[k] ?? b));
    const cs = ts.containerSpec ?? {};
    return {
        ...ts,
        containerSpec: {
            ...cs,
            ...(cs.mounts ? { mounts: [...cs.mounts].sort(by("target")) } : {}),
            ...(cs.labels ? { labels: [...cs.labels].sort(by("label")) } : {}),
        },
        ...(ts.networksAdvanceds
            ? {
                  networksAdvanceds: ts.networksAdvanceds
                      .map((n: any) => ({ ...n, ...(n.aliases ? { aliases: [...n.aliases].sort() } : {}) }))
                      .sort(by("id")),
              }
            : {}),
        ...(ts.placement?.constraints ? { placement: { ...ts.placement, constraints: [...ts.placement.constraints].sort() } } : {}),
    };
}

/**
 * [S] task_spec: Computed blocks absent from the program keep what Read stored
 * (container_spec.stop_grace_period, healthcheck, dns_config, init; resources, restart_policy,
 * placement, force_update, runtime); `isolation` has Default "default".
 */
function fillTaskSpec(input: any, state: any): any {
    const have = state ?? {};
    const hcs = have.containerSpec ?? {};
    const cs = { isolation: "default", ...input.containerSpec };
    for (const k of ["stopGracePeriod", "healthcheck", "dnsConfig", "init"])
        if (cs[k] === undefined && hcs[k] !== undefined) cs[k] = hcs[k];
    const out: any = { ...input, containerSpec: cs };
    for (const k of ["resources", "restartPolicy", "placement", "forceUpdate", "runtime"])
        if (out[k] === undefined && have[k] !== undefined) out[k] = have[k];
    return sortSets(out);
}

/** [S] ForceNew inside task_spec: container_spec.labels, hosts, sysctl; every networks_advanced field. */
function taskSpecReplaces(state: any, input: any): boolean {
    const pick = (t: any) =>
        canonical(
            withoutZeros([
                t?.containerSpec?.labels ?? [],
                t?.containerSpec?.hosts ?? [],
                t?.containerSpec?.sysctl ?? {},
                t?.networksAdvanceds ?? [],
            ]),
        );
    return pick(sortSets(state)) !== pick(sortSets(input));
}

/** [S] endpoint_spec (Computed), its `mode` and ports' `published_port` Computed; protocol "tcp", publish_mode "ingress", name "". */
function fillEndpointSpec(input: any, state: any): any {
    const have = state ?? {};
    return {
        mode: input.mode ?? have.mode,
        ports: (input.ports ?? []).map((p: any, k: number) => ({
            name: p.name ?? "",
            protocol: p.protocol ?? "tcp",
            targetPort: p.targetPort,
            publishedPort: p.publishedPort ?? have.ports?.[k]?.publishedPort,
            publishMode: p.publishMode ?? "ingress",
        })),
    };
}

/** [S] `resourceDockerService().Schema`, for the inputs this double implements. */
const SCHEMA: Schema = {
    name: { forceNew: true },
    labels: { computed: true, set: true },
    taskSpec: { fill: fillTaskSpec, replaces: taskSpecReplaces },
    // The mode block's count is ForceNew, replicas are not ([S] L762-786, SDK diffList).
    mode: { computed: true },
    updateConfig: {},
    rollbackConfig: {},
    endpointSpec: { computed: true, fill: fillEndpointSpec },
    convergeConfig: { stateOnly: true },
    auth: { forceNew: true, stateOnly: true },
};

/** The manager's view of a service's tasks: running ones on nodes that are not down ([F] `getActiveNodes`, `replicatedConsoleLogUpdater.update`). */
async function runningTasks(docker: Docker, serviceId: string): Promise<number> {
    const [tasks, nodes] = await Promise.all([
        docker.listTasks({ filters: { service: [serviceId], "desired-state": ["running"] } }),
        docker.listNodes(),
    ]);
    const active = new Set(nodes.filter((n: any) => n.Status?.State !== "down").map((n: any) => n.ID));
    // The executor reports a task running only once its container is healthy, where it has a check.
    return tasks.filter((t: any) => active.has(t.NodeID) && t.Status?.State === "running").length;
}

/** Why the newest task is not running, for the error (the provider's 4.5.0 message has none; kept short). */
async function lastTaskProblem(docker: Docker, serviceId: string): Promise<string> {
    const tasks: any[] = await docker.listTasks({ filters: { service: [serviceId] } });
    const t = tasks.sort((a, b) => String(b.UpdatedAt).localeCompare(String(a.UpdatedAt)))[0];
    return t ? `its newest task is ${t.Status?.State}${t.Status?.Err ? `: ${t.Status.Err}` : ""}` : "it has no task";
}

/**
 * [F] Create L52-77 / Update L200-222: a StateChangeConf that waits `delay` (Update: always
 * 7 s), then polls at least every 5 s (MinTimeout) until the running tasks equal the replicas,
 * for `timeout` (default 3m).
 */
async function converge(
    ctx: { docker: Docker; log(m: string): void },
    id: string,
    replicas: number,
    delay: string,
    timeout: string,
): Promise<boolean> {
    const deadline = Date.now() + (durationNs(timeout) ?? 180e9) / 1e6;
    await sleep((durationNs(delay) ?? 7e9) / 1e6);
    for (;;) {
        if ((await runningTasks(ctx.docker, id)) === replicas) return true;
        if (Date.now() > deadline) return false;
        await sleep(5_000);
    }
}

export const serviceProvider: Provider = {
    schema: SCHEMA,
    computed: [],
    // pulumi-docker maps docker_service with no DeleteBeforeReplace (provider/resources.go): the program must ask.
    deleteBeforeReplace: false,
    async create(ctx, i) {
        const { docker } = ctx;
        // [F] Create L37-47: the whole spec, QueryRegistry (a warning here: no registry).
        const created = (await docker.createService(serviceSpecOf(i) as any)) as { id?: string; ID?: string };
        const id = created.id ?? created.ID!;
        if (i.convergeConfig) {
            ctx.log(`waiting for service ${i.name} to converge`);
            const c = i.convergeConfig;
            if (!(await converge(ctx, id, i.mode?.replicated?.replicas ?? 1, c.delay ?? "7s", c.timeout ?? "3m"))) {
                const why = await lastTaskProblem(docker, id);
                // [F] Create L66-72: the service is deleted; nothing stays in state.
                await deleteService(docker, id, i);
                throw new Error(`Service with ID (${id}) did not converge after ${c.timeout ?? "3m"} (${why})`);
            }
        }
        return { id };
    },
    // [F] Read L83-107: polls until the endpoint's mode is exposed (2 s delay first).
    async read({ docker }, id, prior) {
        await sleep(2_000);
        for (let k = 0; k < 15; k++) {
            const s: any = await inspectUnlessGone(() => docker.getService(id).inspect());
            if (!s) return undefined;
            if (s.Endpoint?.Spec?.Mode || s.Spec?.EndpointSpec?.Mode) return stateFromInspect(s, prior);
            await sleep(2_000);
        }
        throw new Error(`Error no endpoint spec for service ${id}`);
    },
    // [F] Update L169-225: inspect for the version, send the whole spec rebuilt from the inputs
    // (no QueryRegistry), converge with a fixed 7 s delay, then Read.
    async update(ctx, id, prior, news) {
        const s: any = await ctx.docker.getService(id).inspect();
        await ctx.docker.getService(id).update({ ...serviceSpecOf(news), version: s.Version.Index } as any);
        if (
            news.convergeConfig &&
            !(await converge(ctx, id, news.mode?.replicated?.replicas ?? 1, "7s", news.convergeConfig.timeout ?? "3m"))
        ) {
            throw new Error(
                `Service with ID (${id}) did not converge after ${news.convergeConfig.timeout ?? "3m"} (${await lastTaskProblem(ctx.docker, id)})`,
            );
        }
        return (await serviceProvider.read(ctx, id, { ...prior, ...news }))!;
    },
    async delete({ docker }, id, state) {
        await deleteService(docker, id, state);
    },
};

/**
 * [F] `deleteService` L261-337: with a stop grace period other than 0s, note the task containers
 * first; remove the service; then wait up to the grace period for each container and
 * force-remove it. Only containers on the manager's own node can be waited for; the others
 * answer "No such container", which is ignored.
 */
async function deleteService(docker: Docker, id: string, state: State): Promise<void> {
    const grace = state.taskSpec?.containerSpec?.stopGracePeriod;
    const containers: string[] = [];
    if (grace && grace !== "0s") {
        const tasks: any[] = await docker.listTasks({ filters: { service: [state.name] } });
        for (const t of tasks)
            if (t.Status?.ContainerStatus?.ContainerID && t.Status.State !== "shutdown")
                containers.push(t.Status.ContainerStatus.ContainerID);
    }
    await removeUnlessGone(() => docker.getService(id).remove());
    for (const c of containers) {
        const deadline = Date.now() + (durationNs(grace) ?? 0) / 1e6;
        while (Date.now() < deadline && (await inspectUnlessGone(() => docker.getContainer(c).inspect())) !== undefined) await sleep(500);
        await removeUnlessGone(() => docker.getContainer(c).remove({ force: true, v: true }));
    }
}
