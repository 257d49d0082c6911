// What `tenant ls` prints: the tenants' rows (tenants/rows.ts) as a table, then each tenant's
// containers and problems. Pure.
import { PORT_KEYS, SERVICE_OF_PORT } from "../../components/naming";
import type { TenantRow } from "../../tenants/rows";
import { indent, table } from "../table";

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
    if (r.suspended) return `suspended (${r.containers.filter((c) => c.state === "running").length} running)`;
    if (r.containers.length === 0) return "none";
    const running = r.containers.filter((c) => c.state === "running").length;
    const healthy = r.containers.filter((c) => c.health === "healthy").length;
    return `${running}/${r.containers.length} running${healthy ? `, ${healthy} healthy` : ""}`;
}
