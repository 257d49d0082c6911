// The dashboard page: log in with the token once, then poll the API (no reload, no build step).
"use strict";
(() => {
    const $ = (id) => document.getElementById(id);
    let csrf = "";
    let timer;
    let current;

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

    /** One word for a tenant's health: every container's, worst first. */
    function healthOf(containers) {
        if (containers.length === 0) return "not deployed";
        if (containers.some((c) => c.state !== "running")) return "stopped";
        if (containers.some((c) => c.health === "unhealthy")) return "unhealthy";
        if (containers.some((c) => c.health === "starting")) return "starting";
        return "healthy";
    }

    async function refresh() {
        try {
            const data = await api("/api/v1/tenants");
            $("host").textContent = data.dockerHost;
            const rows = $("rows");
            rows.replaceChildren(
                ...data.tenants.map((t) => {
                    const tr = document.createElement("tr");
                    tr.className = "tenant";
                    tr.dataset.tenant = t.tenant;
                    const health = healthOf(t.containers);
                    tr.append(cell(t.tenant), cell(t.database || "?"), cell(String(t.containers.length)), cell(health, health.replace(" ", "-")), cell(t.urls.frontend || ""));
                    tr.addEventListener("click", () => show(t.tenant));
                    return tr;
                }),
            );
            $("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
            if (current) await detail(current);
        } catch (e) {
            if (e.status === 401) return loggedOut();
            $("updated").textContent = `not updated: ${e.message}`;
        }
    }

    async function detail(name) {
        const s = await api(`/api/v1/tenants/${encodeURIComponent(name)}`);
        $("detail-name").textContent = name;
        $("detail-summary").textContent = `${s.healthy ? "healthy" : "not healthy"}${s.domains.length ? `, domains ${s.domains.join(", ")}` : ""}; volumes ${s.volumes.join(", ") || "none"}`;
        $("services").replaceChildren(
            ...s.services.map((x) => {
                const tr = document.createElement("tr");
                const health = x.health || "no check";
                tr.append(cell(x.service), cell(x.state || "missing"), cell(health, health), cell((x.ports || []).join(", ")));
                return tr;
            }),
        );
    }

    async function show(name) {
        current = name;
        $("detail").hidden = false;
        await detail(name);
        const logs = await api(`/api/v1/tenants/${encodeURIComponent(name)}/logs?tail=100`).catch((e) => ({ lines: [e.message] }));
        $("logs").textContent = logs.lines.join("\n");
    }

    function loggedOut() {
        clearInterval(timer);
        $("tenants").hidden = $("detail").hidden = $("logout").hidden = true;
        $("login").hidden = false;
    }

    function loggedIn() {
        $("login").hidden = true;
        $("tenants").hidden = $("logout").hidden = false;
        refresh();
        timer = setInterval(refresh, 3000);
    }

    $("login").addEventListener("submit", async (ev) => {
        ev.preventDefault();
        try {
            const r = await api("/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ token: $("token").value }) });
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

    api("/api/v1/session").then((s) => ((csrf = s.csrf || ""), loggedIn()), loggedOut);
})();
