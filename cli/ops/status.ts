// What `status <tenant>` prints of a tenant's health (tenants/status.ts judges it). Pure.
import type { TenantStatus } from "../../tenants/status";
import { table } from "../table";

export function renderStatus(s: TenantStatus): string {
    const head = `tenant ${s.tenant} on ${s.host}${s.stackFile ? ` (stack file ${s.stackFile})` : " (no stack file)"}`;
    // A swarm tenant's services are tasks, each on a node.
    const swarm = s.services.some((x) => x.node !== undefined);
    const services = table(
        ["SERVICE", swarm ? "TASK" : "CONTAINER", ...(swarm ? ["NODE"] : []), "STATE", "HEALTH", "PORTS", "URL"],
        s.services.map((x) => [
            x.service,
            x.container ?? "-",
            ...(swarm ? [x.node ?? "-"] : []),
            x.state,
            x.health,
            x.ports.join(", ") || "-",
            x.urls.join(", ") || "-",
        ]),
    );
    const verdict = !s.healthy
        ? `NOT healthy: ${s.problems.join("; ")}`
        : s.suspended
          ? `suspended: no service runs; volumes, ports and credentials kept (npm run tenant -- resume ${s.tenant})`
          : `healthy: ${s.services.length} service(s) running`;
    return `${head}\n${services}\n${verdict}`;
}
