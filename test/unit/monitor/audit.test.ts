// The audit trail: a line per change through the CLI (at the dispatcher, so any command that does
// not declare itself read-only is covered) and through the dashboard (any API call that is not a
// GET), in one format, with names but never values; usage errors and reads write nothing; a
// trail that cannot be trusted stops the change before it is made.
import { chmodSync, existsSync, readFileSync } from "fs";
import type { AddressInfo } from "net";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { createDashboard } from "../../../dashboard/server";
import { auditFile, AuditLine, sessionActor } from "../../../tenants/audit";
import { COMMANDS } from "../../../cli/registry";
import { tempProject, tenant, testContext } from "../../support/cliRun";
import { startFakeEngine } from "../../support/fakeEngine";
import { tempDir } from "../../support/temp";

const TOKEN = "audit test token, test only, 0123456789";
const lines = (lockDir: string): AuditLine[] =>
    existsSync(auditFile(lockDir))
        ? readFileSync(auditFile(lockDir), "utf8")
              .trim()
              .split("\n")
              .map((l) => JSON.parse(l))
        : [];
const LINE_KEYS = ["time", "actor", "via", "command", "tenant", "flags", "outcome", "code"];

describe("the CLI's audit lines", () => {
    it("writes one line per change (new, suspend, resume), with the tenant and the options by name only; none for reads or usage errors", async () => {
        const engine = await startFakeEngine([]);
        try {
            const project = tempProject();
            const lockDir = path.join(tempDir("audit"), "locks");
            const env = {
                FRONTBASE_PROJECT_DIR: project,
                FRONTBASE_LOCK_DIR: lockDir,
                PULUMI_CONFIG_PASSPHRASE: undefined,
                PULUMI_CONFIG_PASSPHRASE_FILE: undefined,
            };
            const given = { dockerHost: engine.host };
            expect((await tenant(["new", "acme", "--domain", "secret-name.example.com"], env, given)).code).toBe(0);
            expect((await tenant(["ls"], env, given)).code).toBe(0);
            expect((await tenant(["new", "acme", "--database", "mysql"], env, given)).code).toBe(2);
            expect((await tenant(["new", "acme"], env, given)).code).toBe(1); // exists: failed, in a trail that is there
            expect((await tenant(["stats"], env, given)).code).toBe(0);
            expect((await tenant(["new", "beta", "--dry-run"], env, given)).code).toBe(0); // changes nothing
            // Suspend and resume write the stack file: changes, audited like any other.
            expect((await tenant(["suspend", "acme", "--no-deploy"], env, given)).code).toBe(0);
            expect((await tenant(["resume", "acme", "--no-deploy"], env, given)).code).toBe(0);
            const got = lines(lockDir);
            expect(got.map((l) => [l.command, l.tenant, l.flags, l.outcome, l.code, l.via])).toEqual([
                ["new", "acme", ["--domain"], "ok", 0, "cli"],
                ["new", "acme", [], "failed", 1, "cli"],
                ["suspend", "acme", ["--no-deploy"], "ok", 0, "cli"],
                ["resume", "acme", ["--no-deploy"], "ok", 0, "cli"],
            ]);
            for (const l of got) {
                expect(Object.keys(l)).toEqual(LINE_KEYS);
                expect(Date.parse(l.time)).not.toBeNaN();
                expect(l.actor).toMatch(/^\S+/);
            }
            expect(readFileSync(auditFile(lockDir), "utf8")).not.toContain("secret-name");
            const read = await tenant(["audit", "--tenant", "acme", "--since", "1h"], env, given);
            expect(read.out).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+\S+\s+new\s+acme\s+--domain\s+ok \(0\)$/m);
            expect((await tenant(["audit", "--tenant", "beta"], env, given)).out).toBe("no change recorded for beta\n");
        } finally {
            await engine.close();
        }
    });

    it("refuses to change anything when the trail is not one it can trust, and says why", async () => {
        const project = tempProject();
        const lockDir = path.join(tempDir("audit"), "locks");
        const env = { FRONTBASE_PROJECT_DIR: project, FRONTBASE_LOCK_DIR: lockDir };
        const engine = await startFakeEngine([]);
        try {
            expect((await tenant(["new", "acme"], { ...env, PULUMI_CONFIG_PASSPHRASE: undefined }, { dockerHost: engine.host })).code).toBe(
                0,
            );
            chmodSync(auditFile(lockDir), 0o666);
            const r = await tenant(["new", "beta"], env, { dockerHost: engine.host });
            expect(r.code).toBe(1);
            expect(r.err).toMatch(
                /tenant new: refusing to run: the audit trail cannot be written \(.*audit\.log has mode 0666, writable by .*every user/,
            );
            expect(existsSync(path.join(project, "Pulumi.beta.yaml"))).toBe(false);
        } finally {
            await engine.close();
        }
    });

    it("leaves out only what declares itself read-only (or read-only with its flags, as new --dry-run): every other command is audited", async () => {
        const readOnly = (await Promise.all(Object.values(COMMANDS).map((load) => load())))
            .filter((c) => c.readOnly === true)
            .map((c) => c.name);
        expect(readOnly.sort()).toEqual([
            "affected",
            "alerts",
            "audit",
            "backups",
            "check",
            "logs",
            "ls",
            "nginx",
            "preflight",
            "stats",
            "status",
            "why-port",
        ]);
        const byFlags = (await Promise.all(Object.values(COMMANDS).map((load) => load()))).filter((c) => typeof c.readOnly === "function");
        expect(byFlags.map((c) => c.name).sort()).toEqual(["drain", "new", "verify"]);
    });
});

describe("the dashboard's audit lines", () => {
    it("records a change made through the API with the session (by a digest, never its id), and nothing for reads or bad input", async () => {
        const engine = await startFakeEngine([]);
        const project = tempProject();
        const lockDir = path.join(tempDir("audit"), "locks");
        const ctx = testContext(
            {
                FRONTBASE_PROJECT_DIR: project,
                FRONTBASE_LOCK_DIR: lockDir,
                PULUMI_CONFIG_PASSPHRASE: undefined,
                PULUMI_CONFIG_PASSPHRASE_FILE: undefined,
            },
            { dockerHost: engine.host, projectDir: project },
        );
        const server = createDashboard(ctx, { token: TOKEN, secure: false });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        try {
            const login = await fetch(`${base}/login`, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ token: TOKEN }),
            });
            const cookie = login.headers.get("set-cookie")!.split(";")[0];
            const { csrf } = (await login.json()) as { csrf: string };
            const post = (p: string, body: unknown) =>
                fetch(`${base}${p}`, {
                    method: "POST",
                    headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json" },
                    body: JSON.stringify(body),
                });
            expect((await post("/api/v1/tenants", { name: "acme" })).status).toBe(201);
            expect((await post("/api/v1/tenants", { name: "Bad Name" })).status).toBe(400);
            expect((await fetch(`${base}/api/v1/tenants`, { headers: { cookie } })).status).toBe(200);
            expect((await post("/api/v1/reservations", { tenant: "beta" })).status).toBe(201);
            const got = lines(lockDir);
            const sessionId = cookie.split("=")[1];
            expect(got.map((l) => [l.command, l.tenant, l.outcome, l.code, l.via, l.actor])).toEqual([
                ["new", "acme", "ok", 201, "dashboard", sessionActor(sessionId)],
                ["reserve", "beta", "ok", 201, "dashboard", sessionActor(sessionId)],
            ]);
            expect(sessionActor(sessionId)).toMatch(/^dashboard session [0-9a-f]{12}$/);
            expect(readFileSync(auditFile(lockDir), "utf8")).not.toContain(sessionId);
        } finally {
            await new Promise((r) => server.close(r));
            await engine.close();
        }
    });
});
