// `tenant ls`: every tenant known from the project's stack files or from container labels
// on the Docker host, with ports, container states and health, and URLs.
import * as path from "path";
import type Docker from "dockerode";
import { PORT_KEYS, PortKey, SERVICE_OF_PORT } from "../components/naming";
import type { Ports } from "../ports/allocate";
import { ContainerPorts, readContainerPorts } from "../ports/containers";
import { readStackPins } from "../project/stackPins";
import { url } from "./format";

export interface TenantContainer {
    readonly name: string;
    readonly service?: string;
    readonly state: string;
    readonly health?: string;
    readonly ports: readonly number[];
}

export interface TenantRow {
    readonly tenant: string;
    /** Stack files (base names) that configure it; empty for a tenant known only from labels. */
    readonly stackFiles: readonly string[];
    readonly database?: string;
    /** Pinned ports where pinned, else what its containers publish. */
    readonly ports: Partial<Ports>;
    readonly containers: readonly TenantContainer[];
    readonly urls: Partial<Record<PortKey, string>>;
    /** Stack file problems, and pins its containers do not publish (yet). */
    readonly problems: readonly string[];
}

export async function listTenants(projectDir: string, docker: Docker): Promise<TenantRow[]> {
    const [stacks, containers] = await Promise.all([readStackPins(projectDir, { lenient: true }), readContainerPorts(docker)]);
    const names = new Set([...stacks.map((s) => s.tenant), ...containers.flatMap((c) => (c.tenant ? [c.tenant] : []))]);
    return [...names].sort().map((tenant) => {
        const files = stacks.filter((s) => s.tenant === tenant);
        const own = containers.filter((c) => c.tenant === tenant).sort((a, b) => a.name.localeCompare(b.name));
        const published = publishedPorts(own);
        const pinned = Object.assign({}, ...files.map((f) => f.ports)) as Partial<Ports>;
        const ports = { ...published, ...pinned };
        const publicHost = files.find((f) => f.config)?.config?.publicHost ?? "localhost";
        const problems = [...files.flatMap((f) => f.problems.map((p) => `${path.basename(f.file)}: ${p}`)), ...drift(pinned, published)];
        return {
            tenant,
            stackFiles: files.map((f) => path.basename(f.file)),
            database: files.find((f) => f.config)?.config?.database,
            ports,
            containers: own.map((c) => ({ name: c.name, service: c.service, state: c.state, health: c.health, ports: c.ports.map((p) => p.port) })),
            urls: Object.fromEntries(PORT_KEYS.filter((k) => ports[k] !== undefined).map((k) => [k, url(publicHost, ports[k])])),
            problems,
        };
    });
}

function publishedPorts(containers: readonly ContainerPorts[]): Partial<Ports> {
    const out: Partial<Ports> = {};
    for (const key of PORT_KEYS) {
        const c = containers.find((x) => x.service === SERVICE_OF_PORT[key] && x.ports.length > 0);
        if (c) out[key] = c.ports[0].port;
    }
    return out;
}

function drift(pinned: Partial<Ports>, published: Partial<Ports>): string[] {
    return PORT_KEYS.filter((k) => pinned[k] !== undefined && published[k] !== undefined && pinned[k] !== published[k]).map(
        (k) => `ports.${k} is pinned to ${pinned[k]} but its container publishes ${published[k]}; \`pulumi up\` will move it`,
    );
}
