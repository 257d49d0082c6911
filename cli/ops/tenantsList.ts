// What `tenant ls` shows: every tenant known from the project's stack files or from container
// labels on the Docker host, with ports, container states and health, and URLs. Pure: stack
// files and containers (docker/containers.ts, the reader `status` uses too) in, rows and text out.
import * as path from "path";
import { PORT_KEYS, PortKey, SERVICE_OF_PORT } from "../../components/naming";
import type { TenantContainer } from "../../docker/containers";
import type { Ports } from "../../ports/allocate";
import type { StackPins } from "../../project/stackPins";
import { portUrl } from "../../components/services";
import { indent, table } from "../table";

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

/** One line per tenant (the document's "List All Tenants"), then each tenant's containers ("Check Tenant Status"). */
export function tenantsReport(rows: readonly TenantRow[], dockerHost: string): string {
    if (rows.length === 0) return `no tenants: no stack file in the project and no container labelled frontbase.tenant on ${dockerHost}`;
    const summary = table(
        ["TENANT", "DB", ...PORT_KEYS.map((k) => SERVICE_OF_PORT[k].toUpperCase()), "CONTAINERS", "URL", "STACK FILE"],
        rows.map((r) => [
            r.tenant,
            r.database ?? "-",
            ...PORT_KEYS.map((k) => String(r.ports[k] ?? "-")),
            containerSummary(r),
            r.urls.frontend ?? "-",
            r.stackFiles.join(", ") || "-",
        ]),
    );
    const details = rows
        .filter((r) => r.containers.length > 0 || r.problems.length > 0)
        .map((r) => {
            const lines = [`${r.tenant}:`];
            const swarm = r.containers.some((c) => c.node !== undefined);
            const head = swarm ? ["TASK", "NODE", "STATE", "HEALTH", "PORTS"] : ["CONTAINER", "STATE", "HEALTH", "PORTS"];
            if (r.containers.length > 0)
                lines.push(
                    indent(
                        table(
                            head,
                            r.containers.map((c) => [
                                c.name,
                                ...(swarm ? [c.node ?? "-"] : []),
                                c.state,
                                c.health ?? "-",
                                c.ports.join(", ") || "-",
                            ]),
                        ),
                    ),
                );
            for (const p of r.problems) lines.push(`  ! ${p}`);
            return lines.join("\n");
        });
    return [summary, ...details].join("\n\n");
}

function containerSummary(r: TenantRow): string {
    if (r.containers.length === 0) return "none";
    const running = r.containers.filter((c) => c.state === "running").length;
    const healthy = r.containers.filter((c) => c.health === "healthy").length;
    return `${running}/${r.containers.length} running${healthy ? `, ${healthy} healthy` : ""}`;
}
