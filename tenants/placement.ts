// Where `tenant new --target swarm` puts a tenant: the node named, else the ready, active node
// with the most unreserved memory. Checked through the manager (docker/swarm.ts placeOnNode,
// the program's own check) before anything is written; the choice is pinned in the stack file
// so that previews stay reproducible.
import type { Engine } from "../docker/dockerHost";
import { DEFAULT_MEMORY, TenantConfig } from "../components/config";
import { findNode, placeOnNode, PlacementError, readManagerCluster, roomiestNode, SwarmNode } from "../docker/swarm";

export interface Placement {
    readonly node: SwarmNode;
    /** How the stack file names it: as given, else the chosen node's hostname. */
    readonly named: string;
    readonly chosen: "given" | "kept" | "most unreserved memory";
    /** The node the stack file named before, when it still exists (a move: the tenant leaves it). */
    readonly previous?: SwarmNode;
}

export async function placeTenant(
    engine: Engine,
    tenant: string,
    o: { given?: string; current?: TenantConfig; database: "sqlite" | "postgres" },
): Promise<Placement> {
    const cluster = await readManagerCluster(engine.docker, engine.host);
    const named = o.given ?? o.current?.node ?? roomiestNode(cluster)?.hostname;
    if (named === undefined)
        throw new Error(
            `the swarm at ${engine.host} has no ready, active node to place tenant ${tenant} on: ${cluster.nodes.map((n) => `${n.hostname} ${n.state}/${n.availability}`).join(", ")}`,
        );
    try {
        placeOnNode(cluster, { node: named, tenant, memory: o.current?.memory ?? DEFAULT_MEMORY, database: o.database });
    } catch (e) {
        if (e instanceof PlacementError)
            throw new Error(`not placing tenant ${tenant}: ${e.message.replace(/^frontbase:node: /, "--node: ")}`, { cause: e });
        throw e;
    }
    const previous = o.current?.node !== undefined ? findNode(cluster, o.current.node) : undefined;
    return {
        node: findNode(cluster, named)!,
        named,
        chosen: o.given ? "given" : o.current?.node ? "kept" : "most unreserved memory",
        ...(previous ? { previous } : {}),
    };
}
