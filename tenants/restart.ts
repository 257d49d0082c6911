// Restarting a tenant's containers (stopped ones start) in start order, postgres first, frontend
// last, each one's state read back afterwards. A swarm task's service is force-updated instead,
// and its new task awaited. The restart command prints the results; the dashboard returns them.
import { toTenantContainer } from "../docker/containers";
import { restartService } from "../docker/swarmTasks";
import type { ServiceName } from "../components/naming";
import type { Context } from "./context";
import { openTenant, targetContainers } from "./open";

export interface Restarted {
    readonly service: string;
    readonly container: string;
    /** Set for a swarm task: the node of its new task. */
    readonly node?: string;
    /** After the restart; absent when it failed. */
    readonly state?: string;
    readonly health?: string;
    /** Why it could not be restarted. */
    readonly error?: string;
    /** Running again. */
    readonly ok: boolean;
}

/** One result per container, in start order; an unknown tenant or one with nothing to restart throws. */
export async function restartTenant(
    ctx: Context,
    tenant: string,
    o: { readonly service?: ServiceName; readonly timeoutS?: number; readonly onEach?: (r: Restarted) => void } = {},
): Promise<Restarted[]> {
    const timeout = o.timeoutS ?? 10;
    const t = await openTenant(ctx, tenant);
    const targets = await targetContainers(
        ctx,
        t,
        o.service,
        `: nothing to restart (deploy it with npm run deploy -- ${t.stack?.stack ?? t.tenant})`,
    );
    const results: Restarted[] = [];
    const done = (r: Restarted) => (results.push(r), o.onEach?.(r));
    for (const c of targets) {
        try {
            if (c.node !== undefined) {
                const after = await restartService(t.engine.docker, t.tenant, c.service, timeout);
                done({
                    service: c.service,
                    container: c.name,
                    node: after.node ?? "?",
                    state: after.state,
                    health: after.health,
                    ok: after.state === "running",
                });
                continue;
            }
            await t.engine.docker.getContainer(c.id).restart({ t: timeout });
            const after = toTenantContainer(await t.engine.docker.getContainer(c.id).inspect());
            done({ service: c.service, container: c.name, state: after.state, health: after.health, ok: after.state === "running" });
        } catch (e) {
            done({ service: c.service, container: c.name, error: (e as Error).message, ok: false });
        }
    }
    return results;
}

/** `restarted backend (acme_frontbase-backend-1): running, healthy`, as `restart` prints it. */
export function describeRestart(r: Restarted): string {
    const health = r.health === undefined || r.health === "none" ? "" : `, ${r.health}`;
    if (r.error !== undefined) return `could not restart ${r.service} (${r.container}): ${r.error}`;
    if (r.node !== undefined) return `restarted ${r.service} (a new task on ${r.node}): ${r.state}${health}`;
    return `restarted ${r.service} (${r.container}): ${r.state}${health}`;
}
