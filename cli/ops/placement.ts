// Where `tenant new --target swarm` puts a tenant: the node named, else the ready, active node
// with the most unreserved memory. Checked through the manager before anything is written; the
// choice is pinned in the stack file so that previews stay reproducible.
import type { Engine } from "../../docker/dockerHost";
import { DEFAULT_MEMORY, TenantConfig } from "../../components/config";
import { tenantReservationBytes } from "../../components/swarm/spec";
import { assertManager, findNode, placementProblem, readCluster, roomiestNode, SwarmNode } from "../../docker/swarm";

export interface Placement {
    readonly node: SwarmNode;
    /** How the stack file names it: as given, else the chosen node's hostname. */
    readonly named: string;
    readonly chosen: "given" | "kept" | "most unreserved memory";
}

export async function placeTenant(engine: Engine, tenant: string, o: { given?: string; current?: TenantConfig; database: "sqlite" | "postgres" }): Promise<Placement> {
    await assertManager(engine.docker, engine.host);
    const cluster = await readCluster(engine.docker);
    const named = o.given ?? o.current?.node ?? roomiestNode(cluster)?.hostname;
    if (named === undefined) throw new Error(`the swarm at ${engine.host} has no ready, active node to place tenant ${tenant} on: ${cluster.nodes.map((n) => `${n.hostname} ${n.state}/${n.availability}`).join(", ")}`);
    const need = tenantReservationBytes({ memory: o.current?.memory ?? DEFAULT_MEMORY, database: o.database });
    const problem = placementProblem(cluster, named, tenant, need);
    if (problem) throw new Error(`not placing tenant ${tenant}: ${problem.replace(/^frontbase:node: /, "--node: ")}`);
    return { node: findNode(cluster, named)!, named, chosen: o.given ? "given" : o.current?.node ? "kept" : "most unreserved memory" };
}
