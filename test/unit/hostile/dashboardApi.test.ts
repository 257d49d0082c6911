// Issue 20, round two, items 1 to 5: the dashboard's token, the ledger it shares with every
// allocator, and request fields and escapes that are data, never options. Over real HTTP on
// loopback, the stand-in Engine behind it. Each row asserts the status, the error's code and a
// message naming the field (or holder) and what is allowed, and that nothing changed: the
// project's files, the ledger byte for byte, and the Engine (no request but reads).
import { mkdirSync, writeFileSync } from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDashboard } from "../../../dashboard/server";
import { dashboardToken } from "../../../dashboard/token";
import { recordAllocation } from "../../../ports/ledger";
import { ensureLockDir, hostFiles } from "../../../ports/lock";
import type { testContext } from "../../support/cliRun";
import type { FakeEngine } from "../../support/fakeEngine";
import { nothingWritten } from "../../support/unchanged";
import { tempDir } from "../../support/temp";
import { dashboardOnFakeEngine } from "../../support/dashboardServer";

const TOKEN = "round two token, test only, 0123456789abcdef";
let engine: FakeEngine;
let project: string;
let lockDir: string;
let ledger: string;
let base: string;
let close: () => Promise<void>;
let ctx: ReturnType<typeof testContext>;

beforeAll(async () => {
    lockDir = path.join(tempDir("locks"), "locks");
    await ensureLockDir(lockDir);
    ({ engine, project, ctx, base, close } = await dashboardOnFakeEngine(
        [
            {
                name: "acme_frontbase-backend-1",
                state: "running",
                health: "healthy",
                labels: { "frontbase.tenant": "acme", "com.docker.compose.service": "backend" },
            },
        ],
        { "Pulumi.acme.yaml": "config:\n  frontbase:ports:\n    backend: 9701\n" },
        TOKEN,
        { lockDir, env: { RESTIC_REPOSITORY: "/nonexistent/restic" } },
    ));
    ledger = hostFiles(engine.host, lockDir).ledger;
    // What other allocators of the host left: a `pulumi up` still creating its containers, and
    // another checkout's stack file (it exists; it is not in this project).
    const other = path.join(tempDir("checkout"), "Pulumi.elsewhere.yaml");
    writeFileSync(other, "config: {}\n");
    await recordAllocation(ledger, { tenant: "busy", ports: { backend: 9711 }, at: Date.now(), by: "pulumi up" });
    await recordAllocation(ledger, { tenant: "elsewhere", ports: { backend: 9712 }, file: other, at: Date.now(), by: "tenant new" });
});
afterAll(() => close());

interface Call {
    readonly method?: string;
    readonly path: string;
    readonly body?: unknown;
    /** Sent as the Cookie header instead of the token. */
    readonly cookie?: string;
}

/** [row, request, status, code, what the message says] */
const ROWS: [string, Call, number, string, string][] = [
    // Item 2: a reservation touches only reservations.
    [
        "DELETE the reservation of a tenant whose pulumi up is allocating",
        { method: "DELETE", path: "/api/v1/reservations/busy" },
        409,
        "not_a_reservation",
        "held by pulumi up (no stack file yet",
    ],
    [
        "DELETE the reservation of a tenant another checkout pinned",
        { method: "DELETE", path: "/api/v1/reservations/elsewhere" },
        409,
        "not_a_reservation",
        "Pulumi.elsewhere.yaml",
    ],
    [
        "POST a reservation over another checkout's pins",
        { method: "POST", path: "/api/v1/reservations", body: { tenant: "elsewhere" } },
        409,
        "held",
        "a reservation may only create, extend or release reservations",
    ],
    [
        "POST a reservation over a pulumi up in progress",
        { method: "POST", path: "/api/v1/reservations", body: { tenant: "busy" } },
        409,
        "held",
        "held by pulumi up",
    ],
    // Item 3: request fields are data, never command-line options.
    [
        "logs?service=--follow",
        { path: "/api/v1/tenants/acme/logs?service=--follow" },
        400,
        "bad_request",
        'service "--follow": must be one of',
    ],
    [
        "logs?tail=--follow",
        { path: "/api/v1/tenants/acme/logs?tail=--follow" },
        400,
        "bad_request",
        'tail "--follow": must be a whole number or "all"',
    ],
    ["logs?service=-h", { path: "/api/v1/tenants/acme/logs?service=-h" }, 400, "bad_request", 'service "-h"'],
    [
        "a new tenant named -h",
        { method: "POST", path: "/api/v1/tenants", body: { name: "-h" } },
        400,
        "bad_tenant_name",
        'name "-h": must start',
    ],
    [
        "a new tenant named --force",
        { method: "POST", path: "/api/v1/tenants", body: { name: "--force" } },
        400,
        "bad_tenant_name",
        'name "--force"',
    ],
    [
        "a new tenant with database --dry-run",
        { method: "POST", path: "/api/v1/tenants", body: { name: "newco", database: "--dry-run" } },
        400,
        "bad_request",
        'database "--dry-run": must be one of sqlite, postgres',
    ],
    [
        "a new tenant with a domain --force",
        { method: "POST", path: "/api/v1/tenants", body: { name: "newco", domains: ["--force"] } },
        400,
        "bad_request",
        'domains[0] "--force"',
    ],
    // Item 4: unknown fields and wrong types are refused, naming the field and the allowed ones.
    [
        "a misspelled database",
        { method: "POST", path: "/api/v1/tenants", body: { name: "newco", databse: "postgres" } },
        400,
        "unknown_field",
        "unknown field(s) databse; allowed: name (",
    ],
    [
        "a misspelled ttlSeconds",
        { method: "POST", path: "/api/v1/reservations", body: { tenant: "newco", ttlSecond: 60 } },
        400,
        "unknown_field",
        "unknown field(s) ttlSecond; allowed: tenant (",
    ],
    [
        "a login whose token is a number",
        { method: "POST", path: "/login", body: { token: 5 } },
        400,
        "bad_request",
        "token: must be a string",
    ],
    [
        "a name that is a number",
        { method: "POST", path: "/api/v1/tenants", body: { name: 5 } },
        400,
        "bad_tenant_name",
        "name: must be a string",
    ],
    [
        "database as a list",
        { method: "POST", path: "/api/v1/tenants", body: { name: "newco", database: ["postgres"] } },
        400,
        "bad_request",
        "database: must be a string",
    ],
    [
        "a misspelled query parameter",
        { path: "/api/v1/tenants/acme/logs?tial=5" },
        400,
        "unknown_field",
        "unknown field(s) tial; allowed: tail? (",
    ],
    ["a query where none is taken", { path: "/api/v1/tenants?all=1" }, 400, "unknown_field", "unknown field(s) all; allowed: none"],
    [
        "service given twice",
        { path: "/api/v1/tenants/acme/logs?service=backend&service=edge" },
        400,
        "bad_request",
        "service given 2 times",
    ],
    ["a login with an extra field", { method: "POST", path: "/login", body: { token: TOKEN, admin: true } }, 400, "unknown_field", "admin"],
    // Item 5: a malformed percent-escape is the client's error.
    ["a malformed escape in a tenant's path", { path: "/api/v1/tenants/%E0%A4%A" }, 400, "bad_path", "not valid percent-encoding"],
    ["a malformed escape in DELETE's path", { method: "DELETE", path: "/api/v1/reservations/%ZZ" }, 400, "bad_path", "URI malformed"],
    [
        "a malformed escape in the session cookie",
        { path: "/api/v1/tenants", cookie: "frontbase_session=%E0%A4%A" },
        401,
        "unauthenticated",
        "log in first",
    ],
];

describe("the dashboard's API, round two", () => {
    it.each(ROWS)("%s", async (_, call, status, code, says) => {
        const untouched = nothingWritten({ project, outside: [ledger], engine });
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (call.cookie) headers.cookie = call.cookie;
        else headers.authorization = `Bearer ${TOKEN}`;
        const res = await fetch(base + call.path, {
            method: call.method ?? "GET",
            headers,
            body: call.body === undefined ? undefined : JSON.stringify(call.body),
        });
        const text = await res.text();
        const json = JSON.parse(text) as { error?: { code: string; message: string } };
        expect({ status: res.status, code: json.error?.code }, text).toEqual({ status, code });
        expect(json.error?.message).toContain(says);
        untouched();
    });
});

/** [row, the token file's content (undefined: no file) or the variable's value, what the refusal says] */
const TOKENS: [string, { file?: string; env?: string }, string][] = [
    ["an empty token file (touch)", { file: "" }, "is empty: remove the file"],
    ["a token file of whitespace", { file: " \n\t\n" }, "is empty"],
    ["a token file of 8 characters", { file: "password\n" }, "is 8 characters long; a token needs at least 32"],
    ["an empty FRONTBASE_DASHBOARD_TOKEN", { env: "" }, "FRONTBASE_DASHBOARD_TOKEN is empty"],
    ["a short FRONTBASE_DASHBOARD_TOKEN", { env: "hunter2" }, "FRONTBASE_DASHBOARD_TOKEN is 7 characters long"],
];

describe("the dashboard's token, round two (item 1)", () => {
    it.each(TOKENS)("%s is refused at start, naming where it came from, and the file is left as it was", async (_, given, says) => {
        const dir = tempDir("token");
        mkdirSync(dir, { recursive: true });
        const file = path.join(dir, "dashboard-token");
        if (given.file !== undefined) writeFileSync(file, given.file, { mode: 0o600 });
        const untouched = nothingWritten({ outside: [dir] });
        const env = given.env === undefined ? {} : { FRONTBASE_DASHBOARD_TOKEN: given.env };
        await expect(dashboardToken(env, dir)).rejects.toThrow(says);
        if (given.file !== undefined) await expect(dashboardToken(env, dir)).rejects.toThrow(file);
        untouched();
    });

    it.each(["", " ", "short"])("a server is never made to compare against the token %j", (weak) => {
        expect(() => createDashboard(ctx, { token: weak, secure: false })).toThrow("refusing to serve the dashboard: its token");
    });
});
