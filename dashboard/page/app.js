// The dashboard page: log in with the token once, then poll the API (no reload, no build step).
"use strict";
(() => {
    const $ = (id) => document.getElementById(id);
    let csrf = "";
    let timer;
    let current;
    let logStream;

    async function api(path, init = {}) {
        const headers = { ...(init.headers || {}) };
        if (init.method && init.method !== "GET") headers["X-CSRF-Token"] = csrf;
        const res = await fetch(path, { credentials: "same-origin", ...init, headers });
        const body = await res.json().catch(() => ({}));
        if (!res.ok) throw Object.assign(new Error((body.error && body.error.message) || res.statusText), { status: res.status });
        return body;
    }

    function cell(text, cls) {
        const td = document.createElement("td");
        td.textContent = text;
        if (cls) td.className = cls;
        return td;
    }

    /** One word for a tenant's health: every service container's, worst first (a one-shot job is done once exited). */
    const servicesOf = (all) => all.filter((c) => !/ \(job\)$/.test(c.service));

    function healthOf(all, suspended) {
        const containers = servicesOf(all);
        if (suspended) return containers.some((c) => c.state === "running") ? "suspending" : "suspended";
        if (containers.length === 0) return "not deployed";
        if (containers.some((c) => c.state !== "running")) return "stopped";
        if (containers.some((c) => c.health === "unhealthy")) return "unhealthy";
        if (containers.some((c) => c.health === "starting")) return "starting";
        return "healthy";
    }

    const SVG = "http://www.w3.org/2000/svg";

    /** A small graph of the last hour: CPU (of one CPU, at least 100%) and memory against the limits. */
    function graph(points, label) {
        const w = 120;
        const h = 24;
        const svg = document.createElementNS(SVG, "svg");
        svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
        svg.setAttribute("width", String(w));
        svg.setAttribute("height", String(h));
        svg.setAttribute("class", "graph");
        svg.dataset.points = String(points.length);
        const title = document.createElementNS(SVG, "title");
        const top = Math.max(100, ...points.map((p) => p.cpu));
        title.textContent = `${label}: ${points.length} samples; CPU up to ${Math.max(0, ...points.map((p) => p.cpu)).toFixed(1)}%`;
        svg.append(title);
        const end = points.length ? points[points.length - 1].t : 0;
        const x = (p) => (w * (1 - (end - p.t) / 3600000)).toFixed(1);
        for (const [cls, y] of [
            ["cpu", (p) => h - (h * p.cpu) / top],
            ["mem", (p) => (p.limit ? h - (h * p.memory) / p.limit : h)],
        ]) {
            const line = document.createElementNS(SVG, "polyline");
            line.setAttribute("class", cls);
            line.setAttribute("points", points.map((p) => `${x(p)},${Math.max(0, y(p)).toFixed(1)}`).join(" "));
            svg.append(line);
        }
        return svg;
    }

    let usage = { tenants: [], host: null };

    async function refresh() {
        try {
            usage = await api("/api/v1/stats").catch(() => usage);
            const data = await api("/api/v1/tenants");
            $("host").textContent = data.dockerHost;
            const rows = $("rows");
            rows.replaceChildren(
                ...data.tenants.map((t) => {
                    const tr = document.createElement("tr");
                    tr.className = "tenant";
                    tr.dataset.tenant = t.tenant;
                    const health = healthOf(t.containers, t.suspended);
                    tr.append(
                        cell(t.tenant),
                        cell(t.domains.join(", ")),
                        cell(t.database || "?"),
                        cell(String(servicesOf(t.containers).length)),
                        cell(health, health.replace(" ", "-")),
                        cell(t.urls.frontend || ""),
                        cell(t.lastBackup ? new Date(t.lastBackup).toLocaleString() : "never"),
                        cell(nodesOf(t.containers)),
                    );
                    const u = usage.tenants.find((x) => x.tenant === t.tenant);
                    const drawn = document.createElement("td");
                    if (u) drawn.append(graph(u.history, `${t.tenant}, the last hour`));
                    tr.append(cell(u ? u.cpu : "-", "cpu"), cell(u ? u.memory : "-", "memory"), drawn);
                    tr.addEventListener("click", () => show(t.tenant));
                    return tr;
                }),
            );
            $("host-line").textContent = usage.host ? usage.host.line : usage.problem ? `Usage: ${usage.problem}` : "";
            $("host-graph").replaceChildren(...(usage.host ? [graph(usage.host.history, "the host, the last hour")] : []));
            $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
            $("backups-note").textContent = data.backups ? `Backups: ${data.backups}` : "";
            if (current) await detail(current);
            await ports();
        } catch (e) {
            if (e.status === 401) return loggedOut();
            $("updated").textContent = `not updated: ${e.message}`;
        }
    }

    /** One cell per port of each range, coloured by who holds it. */
    async function ports() {
        const data = await api("/api/v1/ports");
        $("port-map").replaceChildren(
            ...data.ranges.map((r) => {
                const div = document.createElement("div");
                div.className = "range";
                const h = document.createElement("h3");
                h.textContent = `${r.key} ${r.from}-${r.to}: ${r.free} free, ${r.held.length} held`;
                const cells = document.createElement("div");
                cells.className = "cells";
                const held = new Map(r.held.map((p) => [p.port, p]));
                for (let port = r.from; port <= r.to; port++) {
                    const c = document.createElement("span");
                    const p = held.get(port);
                    c.className = `use-${p ? p.use : "free"}`;
                    c.title = p ? `${port}: ${p.use}${p.tenant ? ` (${p.tenant} ${p.service || ""})` : ""}` : `${port}: free`;
                    cells.append(c);
                }
                div.append(h, cells);
                return div;
            }),
        );
    }

    /** The swarm nodes a tenant's tasks run on ("" on one host, where there are none). */
    function nodesOf(containers) {
        return [...new Set(containers.map((c) => c.node).filter(Boolean))].join(", ");
    }

    async function detail(name) {
        const s = await api(`/api/v1/tenants/${encodeURIComponent(name)}`);
        $("detail-name").textContent = name;
        $("detail-summary").textContent =
            `${s.healthy ? (s.suspended ? "suspended" : "healthy") : "not healthy"}${s.domains.length ? `, domains ${s.domains.join(", ")}` : ""}; volumes ${s.volumes.join(", ") || "none"}`;
        $("services").replaceChildren(
            ...s.services.map((x) => {
                const tr = document.createElement("tr");
                const health = x.health || "no check";
                tr.append(
                    cell(x.service),
                    cell(x.state || "missing"),
                    cell(health, health),
                    cell((x.ports || []).join(", ")),
                    cell((x.urls || []).join(" ")),
                    cell(x.node || ""),
                );
                return tr;
            }),
        );
        usageOf(name);
    }

    /** The tenant's services' usage, from the last reading. */
    function usageOf(name) {
        const u = usage.tenants.find((x) => x.tenant === name);
        $("usage").replaceChildren(
            ...(u ? u.services : []).map((x) => {
                const tr = document.createElement("tr");
                tr.append(
                    cell(x.service),
                    cell(x.shown.cpu),
                    cell(x.shown.memory),
                    cell(x.shown.network),
                    cell(x.shown.disk),
                    cell(String(x.restarts)),
                );
                return tr;
            }),
        );
    }

    /** The tenant's logs, tailing live (server-sent events); the last 500 lines are kept. */
    function tailLogs(name) {
        if (logStream) logStream.close();
        const pre = $("logs");
        pre.textContent = "";
        logStream = new EventSource(`/api/v1/tenants/${encodeURIComponent(name)}/logs/stream?tail=100`);
        logStream.addEventListener("line", (ev) => {
            const l = JSON.parse(ev.data);
            const lines = (pre.textContent ? pre.textContent.split("\n") : []).concat(`${l.service.padEnd(10)} | ${l.text}`);
            pre.textContent = lines.slice(-500).join("\n");
            pre.scrollTop = pre.scrollHeight;
        });
        logStream.addEventListener("end", () => logStream.close());
    }

    async function show(name) {
        current = name;
        $("detail").hidden = false;
        await detail(name);
        tailLogs(name);
    }

    function loggedOut() {
        clearInterval(timer);
        if (logStream) logStream.close();
        $("tenants").hidden = $("detail").hidden = $("logout").hidden = $("new").hidden = $("ports").hidden = true;
        $("login").hidden = false;
    }

    function loggedIn() {
        $("login").hidden = true;
        $("tenants").hidden = $("logout").hidden = $("new").hidden = $("ports").hidden = false;
        refresh();
        timer = setInterval(refresh, 3000);
    }

    $("login").addEventListener("submit", async (ev) => {
        ev.preventDefault();
        try {
            const r = await api("/login", {
                method: "POST",
                headers: { "Content-Type": "application/json" },
                body: JSON.stringify({ token: $("token").value }),
            });
            csrf = r.csrf;
            $("token").value = "";
            $("login-error").textContent = "";
            loggedIn();
        } catch (e) {
            $("login-error").textContent = e.message;
        }
    });
    $("logout").addEventListener("click", async () => {
        await api("/logout", { method: "POST" }).catch(() => undefined);
        loggedOut();
    });
    $("restart").addEventListener("click", async () => {
        $("restart-result").textContent = "restarting...";
        try {
            const r = await api(`/api/v1/tenants/${encodeURIComponent(current)}/restart`, { method: "POST" });
            $("restart-result").textContent = r.restarted.join("; ");
        } catch (e) {
            $("restart-result").textContent = e.message;
        }
    });

    $("new-form").addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const body = { name: $("new-name").value, database: $("new-db").value };
        if ($("new-domain").value) body.domains = [$("new-domain").value];
        try {
            const r = await api("/api/v1/tenants", {
                method: "POST",
                headers: { "Content-Type": "application/json" },
                body: JSON.stringify(body),
            });
            const ports = Object.entries(r.ports)
                .map(([k, v]) => `${k} ${v}`)
                .join(", ");
            const affected = r.affected.map((a) => `${a.stack} (${a.why})`).join("; ");
            $("new-result").textContent =
                `Wrote Pulumi.${r.tenant}.yaml (ports ${ports}). Commit it: a pull request previews ${affected}. Deploy it with: ${r.deploy}`;
            refresh();
        } catch (e) {
            $("new-result").textContent = e.message;
        }
    });

    api("/api/v1/session").then((s) => ((csrf = s.csrf || ""), loggedIn()), loggedOut);
})();
