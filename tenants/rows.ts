// Every tenant known from the project's stack files or from container labels on the Docker
// host, with ports, container states and health, and URLs: what `ls` and the dashboard's tenants
// table show. Pure: stack files and containers (docker/containers.ts, the reader `status` uses
// too) in, rows out.
import * as path from "path";
import { PORT_KEYS, PortKey, SERVICE_OF_PORT } from "../components/naming";
import { portUrl } from "../components/services";
import type { TenantContainer } from "../docker/containers";
import type { Ports } from "../ports/allocate";
import type { StackPins } from "../project/stackPins";

export interface ListedContainer {
    readonly name: string;
    readonly service: string;
    readonly state: string;
    /** Absent when the container has no health check. */
    readonly health?: string;
    readonly ports: readonly number[];
    /** A swarm task's node. */
    readonly node?: string;
}

export interface TenantRow {
    readonly tenant: string;
    /** Stack files (base names) that configure it; empty for a tenant known only from labels. */
    readonly stackFiles: readonly string[];
    readonly database?: string;
    /** Pinned ports where pinned, else what its containers publish. */
    readonly ports: Partial<Ports>;
    readonly containers: readonly ListedContainer[];
    readonly urls: Partial<Record<PortKey, string>>;
    /** Stack file problems, and pins its containers do not publish (yet). */
    readonly problems: readonly string[];
    /** Its stack file says `frontbase:suspended: true`: stopped on purpose, its ports kept. */
    readonly suspended: boolean;
}

export function tenantRows(stacks: readonly StackPins[], containers: readonly TenantContainer[]): TenantRow[] {
    const names = new Set([...stacks.map((s) => s.tenant), ...containers.map((c) => c.tenant)]);
    return [...names].sort().map((tenant) => {
        const files = stacks.filter((s) => s.tenant === tenant);
        const own = containers.filter((c) => c.tenant === tenant).sort((a, b) => a.name.localeCompare(b.name));
        const published = publishedPorts(own);
        const pinned = Object.assign({}, ...files.map((f) => f.ports)) as Partial<Ports>;
        const ports = { ...published, ...pinned };
        const config = files.find((f) => f.config)?.config;
        // As the stack's `urls` output: a tenant with domains is reached at https://<first domain>.
        const site = { publicHost: config?.publicHost ?? "localhost", domains: config?.domains ?? [] };
        const problems = [...files.flatMap((f) => f.problems.map((p) => `${path.basename(f.file)}: ${p}`)), ...drift(pinned, published)];
        return {
            tenant,
            stackFiles: files.map((f) => path.basename(f.file)),
            database: config?.database,
            ports,
            containers: own.map(listed),
            urls: Object.fromEntries(PORT_KEYS.filter((k) => ports[k] !== undefined).map((k) => [k, portUrl(site, k, ports[k]!)])),
            problems,
            suspended: config?.suspended === true,
        };
    });
}

function listed(c: TenantContainer): ListedContainer {
    const ports = [...new Set(c.ports.map((p) => p.hostPort))];
    return {
        name: c.name,
        service: c.service,
        state: c.state,
        ...(c.health === "none" ? {} : { health: c.health }),
        ports,
        ...(c.node ? { node: c.node } : {}),
    };
}

function publishedPorts(containers: readonly TenantContainer[]): Partial<Ports> {
    const out: Partial<Ports> = {};
    for (const key of PORT_KEYS) {
        const c = containers.find((x) => x.service === SERVICE_OF_PORT[key] && x.ports.length > 0);
        if (c) out[key] = c.ports[0].hostPort;
    }
    return out;
}

function drift(pinned: Partial<Ports>, published: Partial<Ports>): string[] {
    return PORT_KEYS.filter((k) => pinned[k] !== undefined && published[k] !== undefined && pinned[k] !== published[k]).map(
        (k) => `ports.${k} is pinned to ${pinned[k]} but its container publishes ${published[k]}; \`pulumi up\` will move it`,
    );
}
