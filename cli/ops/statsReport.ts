// `stats` as text: a row per tenant and service, then the host's line. Pure.
import type { HostStats, Stats } from "../../monitor/stats";
import { table } from "../table";

/** 0 B, 1023 B, 1.5 KiB, 12.3 MiB, 2.1 GiB. */
export function bytes(n: number | undefined): string {
    if (n === undefined) return "-";
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
        n /= 1024;
        i++;
    }
    return i === 0 ? `${n} B` : `${n.toFixed(1)} ${units[i]}`;
}

export const percent = (x: number | undefined) => (x === undefined ? "-" : `${x.toFixed(1)}%`);

export function renderStats(s: Stats): string {
    const rows = s.tenants.flatMap((t) =>
        t.services.map((x) => [
            t.tenant,
            x.service,
            x.health === "none" ? x.state : `${x.state}, ${x.health}`,
            percent(x.cpuPercent),
            x.memoryUsed === undefined ? "-" : `${bytes(x.memoryUsed)} / ${x.memoryLimit ? bytes(x.memoryLimit) : "no limit"}`,
            x.network ? `${bytes(x.network.rx)} / ${bytes(x.network.tx)}` : "-",
            x.volume ? bytes(x.volume.bytes) : "-",
            x.container ? String(x.restarts) : "-",
        ]),
    );
    const lines = rows.length ? [table(["TENANT", "SERVICE", "STATE", "CPU", "MEMORY", "NET IN / OUT", "DISK", "RESTARTS"], rows)] : [];
    lines.push(hostLine(s.host));
    if (s.via.engine > 0)
        lines.push(
            `usage of ${s.via.engine} container(s) read through the Engine's per-container stats (about 1 s of the Engine's time each): their cgroups are not on this machine; run stats on the Docker host to read them from its kernel`,
        );
    return lines.join("\n");
}

export function hostLine(h: HostStats): string {
    const share = h.memoryTotal > 0 ? ` (${((h.memoryCommitted / h.memoryTotal) * 100).toFixed(0)}%)` : "";
    const unlimited = h.unlimited > 0 ? `, and ${h.unlimited} running container(s) without a limit` : "";
    return [
        `host ${h.dockerHost}: ${h.tenants} tenant(s), ${h.running} container(s) running`,
        `CPU ${percent(h.cpuPercent)} of ${h.cpus * 100}% (${h.cpus} CPUs)`,
        `memory ${bytes(h.memoryUsed)} in use; limits commit ${bytes(h.memoryCommitted)} of ${bytes(h.memoryTotal)}${share}${unlimited}`,
        `disk ${bytes(h.diskBytes)} in volumes`,
        `room for ${h.fits} more tenant(s) of the default size (${bytes(h.tenantSize)} of limits each)`,
    ].join("; ");
}
