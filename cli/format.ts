// Plain-text tables for the tenant commands. Pure: rows in, text out.
import type { PortRange } from "../components/config";
import { PORT_KEYS, PortKey, SERVICE_OF_PORT } from "../components/naming";
import type { PortSource, Ports } from "../ports/allocate";

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
    const line = (cells: readonly string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join("  ").trimEnd();
    return [line(header), ...rows.map(line)].join("\n");
}

export function url(publicHost: string, port: number | undefined): string {
    return port === undefined ? "-" : `http://${publicHost}:${port}`;
}

/** The port table `new` prints: service, port, where it came from, range, access URL. */
export function portTable(ports: Ports, sources: Record<PortKey, PortSource>, ranges: Readonly<Record<PortKey, PortRange>>, publicHost: string): string {
    const why: Record<PortSource, string> = { pinned: "pinned", previous: "kept (sticky)", allocated: "allocated" };
    return table(
        ["SERVICE", "PORT", "SOURCE", "RANGE", "URL"],
        PORT_KEYS.map((k) => [k, String(ports[k]), why[sources[k]], `${ranges[k].from}-${ranges[k].to}`, url(publicHost, ports[k])]),
    );
}

/** Minimal shape of a `tenant ls` row, so this module stays free of Docker imports. */
export interface ListedTenant {
    readonly tenant: string;
    readonly stackFiles: readonly string[];
    readonly database?: string;
    readonly ports: Partial<Ports>;
    readonly containers: readonly { name: string; state: string; health?: string; ports: readonly number[] }[];
    readonly urls: Partial<Record<PortKey, string>>;
    readonly problems: readonly string[];
}

/** One line per tenant (the document's "List All Tenants"), then each tenant's containers ("Check Tenant Status"). */
export function tenantsReport(rows: readonly ListedTenant[], dockerHost: string): string {
    if (rows.length === 0) return `no tenants: no stack file in the project and no container labelled frontbase.tenant on ${dockerHost}`;
    const summary = table(
        ["TENANT", "DB", ...PORT_KEYS.map((k) => SERVICE_OF_PORT[k].toUpperCase()), "CONTAINERS", "URL", "STACK FILE"],
        rows.map((r) => [r.tenant, r.database ?? "-", ...PORT_KEYS.map((k) => String(r.ports[k] ?? "-")), containerSummary(r), r.urls.frontend ?? "-", r.stackFiles.join(", ") || "-"]),
    );
    const details = rows
        .filter((r) => r.containers.length > 0 || r.problems.length > 0)
        .map((r) => {
            const lines = [`${r.tenant}:`];
            if (r.containers.length > 0) lines.push(indent(table(["CONTAINER", "STATE", "HEALTH", "PORTS"], r.containers.map((c) => [c.name, c.state, c.health ?? "-", c.ports.join(", ") || "-"]))));
            for (const p of r.problems) lines.push(`  ! ${p}`);
            return lines.join("\n");
        });
    return [summary, ...details].join("\n\n");
}

function containerSummary(r: ListedTenant): string {
    if (r.containers.length === 0) return "none";
    const running = r.containers.filter((c) => c.state === "running").length;
    const healthy = r.containers.filter((c) => c.health === "healthy").length;
    return `${running}/${r.containers.length} running${healthy ? `, ${healthy} healthy` : ""}`;
}

function indent(text: string): string {
    return text.replace(/^/gm, "  ");
}
