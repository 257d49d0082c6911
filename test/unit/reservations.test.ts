// Port reservations through the dashboard's API, over real HTTP: the same lock, ledger and host
// scan as `tenant new`, so concurrent reservations, and a `tenant new` among them, never share a
// port; a reservation lapses after its time, is released on request, and bad input changes nothing.
import { mkdirSync, writeFileSync } from "fs";
import type { AddressInfo } from "net";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Context } from "../../tenants/context";
import { createDashboard } from "../../dashboard/server";
import { hostFiles } from "../../ports/lock";
import { readLedger } from "../../ports/ledger";
import { tempProject, tenant, testContext } from "../support/cliRun";
import { FakeEngine, startFakeEngine } from "../support/fakeEngine";
import { tempDir } from "../support/temp";
import { nothingWritten } from "../support/unchanged";

const TOKEN = "reservation token, test only, 0123456789";
let engine: FakeEngine;
let project: string;
let lockDir: string;
let ctx: Context;
const servers: { base: string; close: () => Promise<void> }[] = [];

async function serve(given: Partial<Context> = {}): Promise<string> {
    const server = createDashboard({ ...ctx, ...given }, { token: TOKEN, secure: false });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    servers.push({ base, close: () => new Promise((r) => server.close(() => r())) });
    return base;
}

async function api(base: string, p: string, method = "GET", body?: unknown) {
    const res = await fetch(base + p, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
        body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
    engine = await startFakeEngine([]);
    project = tempProject();
    lockDir = path.join(tempDir("locks"), "locks");
    ctx = {
        ...testContext(
            { FRONTBASE_PROJECT_DIR: project, DOCKER_HOST: engine.host, FRONTBASE_LOCK_DIR: lockDir },
            { dockerHost: engine.host, lockDir },
        ),
        projectDir: project,
    };
});
afterAll(async () => {
    for (const s of servers) await s.close();
    await engine.close();
});

describe("POST /api/v1/reservations", () => {
    it("gives 20 concurrent reservations and a concurrent tenant new 21 disjoint port sets, all in the ledger", async () => {
        const base = await serve();
        const [replies, cli] = await Promise.all([
            Promise.all(Array.from({ length: 20 }, (_, i) => api(base, "/api/v1/reservations", "POST", { tenant: `r${i}` }))),
            tenant(
                ["new", "bycli", "--json"],
                { FRONTBASE_PROJECT_DIR: project, DOCKER_HOST: engine.host, FRONTBASE_LOCK_DIR: lockDir },
                { dockerHost: engine.host, lockDir },
            ),
        ]);
        expect(replies.map((r) => r.status)).toEqual(Array(20).fill(201));
        expect(cli.code, cli.err).toBe(0);
        const sets = [
            ...replies.map((r) => Object.values(r.json.ports as Record<string, number>)),
            Object.values(JSON.parse(cli.out).ports as Record<string, number>),
        ];
        const all = sets.flat();
        expect(all.length).toBe(21 * 4);
        expect(new Set(all).size).toBe(all.length);
        const listed = await api(base, "/api/v1/reservations");
        expect((listed.json.reservations as { tenant: string }[]).map((r) => r.tenant).sort()).toEqual(
            Array.from({ length: 20 }, (_, i) => `r${i}`).sort(),
        );
    });

    it("lets tenant new pin the reserved ports, releases on DELETE, and lapses after its time", async () => {
        const base = await serve();
        const r = await api(base, "/api/v1/reservations", "POST", { tenant: "keeper", ttlSeconds: 120, services: ["frontend"] });
        expect(r.status).toBe(201);
        expect(Object.keys(r.json.ports)).toEqual(["frontend"]);
        expect(Date.parse(r.json.expires) - Date.parse(r.json.at)).toBe(120_000);
        const made = await tenant(
            ["new", "keeper", "--json"],
            { FRONTBASE_PROJECT_DIR: project, DOCKER_HOST: engine.host, FRONTBASE_LOCK_DIR: lockDir },
            { dockerHost: engine.host, lockDir },
        );
        expect(JSON.parse(made.out).ports.frontend).toBe(r.json.ports.frontend);
        // Now a stack file: no longer a reservation, and a second one for it is refused.
        expect((await api(base, "/api/v1/reservations")).json.reservations.map((x: { tenant: string }) => x.tenant)).not.toContain(
            "keeper",
        );
        const again = await api(base, "/api/v1/reservations", "POST", { tenant: "keeper" });
        expect([again.status, again.json.error.code]).toEqual([409, "tenant_exists"]);

        const gone = await api(base, "/api/v1/reservations", "POST", { tenant: "brief", ttlSeconds: 60 });
        expect(gone.status).toBe(201);
        const ledger = hostFiles(engine.host, lockDir).ledger;
        const entry = (await readLedger(ledger)).find((e) => e.tenant === "brief")!;
        expect(entry.ttlMs).toBe(60_000);
        expect((await readLedger(ledger, entry.at + 61_000)).map((e) => e.tenant)).not.toContain("brief");
        const released = await api(base, "/api/v1/reservations/brief", "DELETE");
        expect([released.status, released.json.released[0].tenant]).toEqual([200, "brief"]);
        expect((await readLedger(ledger)).map((e) => e.tenant)).not.toContain("brief");
        const twice = await api(base, "/api/v1/reservations/brief", "DELETE");
        expect([twice.status, twice.json.error.code]).toEqual([404, "no_reservation"]);
    });

    it("refuses bad input with a JSON error naming what is wrong, writing nothing; a full range, recording nothing", async () => {
        const base = await serve();
        const ledger = hostFiles(engine.host, lockDir).ledger;
        const untouched = nothingWritten({ project, lockDir, engine });
        const cases: [unknown, number, string, RegExp][] = [
            ["{oops", 400, "bad_json", /not JSON/],
            [[1, 2], 400, "bad_request", /must be a JSON object/],
            [{}, 400, "bad_request", /tenant is required/],
            [{ tenant: "Bad Name" }, 400, "bad_tenant_name", /must start with a lowercase letter/],
            [
                { tenant: "ok", services: ["db"] },
                400,
                "bad_request",
                /services\[0\] "db": must be one of backend, edge, frontend, redisHttp/,
            ],
            [{ tenant: "ok", ttlSeconds: 5 }, 400, "bad_request", /ttlSeconds: must be a whole number from 60 to 604800/],
        ];
        for (const [body, status, code, message] of cases) {
            const r = await api(base, "/api/v1/reservations", "POST", body);
            expect([r.status, r.json.error.code], JSON.stringify(body)).toEqual([status, code]);
            expect(r.json.error.message).toMatch(message);
        }
        untouched();
        // A full range is found under the lock (taken and released), so only the ledger is as it was.
        const ledgerUntouched = nothingWritten({ outside: [ledger] });
        // Every edge port held by a listening process on this (fake) machine.
        const proc = tempDir("proc");
        mkdirSync(path.join(proc, "net"));
        const rows = Array.from(
            { length: 998 },
            (_, i) =>
                `   ${i}: 00000000:${(3002 + i).toString(16).toUpperCase().padStart(4, "0")} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${100000 + i} 1 0000000000000000 100 0 0 10 0`,
        );
        writeFileSync(
            path.join(proc, "net", "tcp"),
            `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n${rows.join("\n")}\n`,
        );
        writeFileSync(path.join(proc, "net", "tcp6"), "  sl  local_address rem_address   st\n");
        const full = await serve({ procRoot: proc });
        const r = await api(full, "/api/v1/reservations", "POST", { tenant: "nospace" });
        expect([r.status, r.json.error.code]).toEqual([409, "range_full"]);
        expect(r.json.error.message).toMatch(/no free port for edge in its range 3002-3999/);
        ledgerUntouched();
    });
});
