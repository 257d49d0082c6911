// `stats` as text: a row per tenant and service, then the host's line. Pure.
import { bytes, hostLine, percent, Stats } from "../../monitor/stats";
import { table } from "../table";

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
