// Issue 21, item 6: the API answers with the status that says whose the problem is. A restart or
// the logs of a tenant that has a stack file but nothing deployed is a conflict with the
// tenant's state (409 not_deployed), an unknown tenant is 404; neither is the Docker host
// failing (502). Over real HTTP, the stand-in Engine behind it, nothing changed on it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeEngine } from "../support/fakeEngine";
import { dashboardOnFakeEngine } from "../support/dashboardServer";

const TOKEN = "statuses test token, 0123456789abcdef01234";
let engine: FakeEngine;
let base: string;
let close: () => Promise<void>;

beforeAll(async () => {
    ({ engine, base, close } = await dashboardOnFakeEngine(
        [
            {
                name: "acme_frontbase-backend-1",
                state: "running",
                health: "healthy",
                labels: { "frontbase.tenant": "acme", "com.docker.compose.service": "backend" },
            },
        ],
        { "Pulumi.idle.yaml": "config:\n  frontbase:tenant: idle\n", "Pulumi.acme.yaml": "config: {}\n" },
        TOKEN,
    ));
});
afterAll(() => close());

async function call(method: string, p: string) {
    const res = await fetch(base + p, { method, headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: res.status, json: (await res.json()) as { error?: { code: string; message: string } } };
}

describe("the API's statuses for a tenant with nothing to act on", () => {
    it.each([
        ["POST", "/api/v1/tenants/idle/restart", 409, "not_deployed", 'tenant "idle" has no containers on'],
        ["GET", "/api/v1/tenants/idle/logs", 409, "not_deployed", 'tenant "idle" has no containers on'],
        ["GET", "/api/v1/tenants/acme/logs?service=edge", 409, "not_deployed", 'no container for service "edge"; its services: backend'],
        ["POST", "/api/v1/tenants/nobody/restart", 404, "unknown_tenant", 'unknown tenant "nobody"'],
        ["GET", "/api/v1/tenants/nobody/logs", 404, "unknown_tenant", "known tenants: acme, idle"],
    ])("%s %s: %i %s", async (method, p, status, code, says) => {
        const changes = engine.changes.length;
        const r = await call(method, p);
        expect({ status: r.status, code: r.json.error?.code }).toEqual({ status, code });
        expect(r.json.error?.message).toContain(says);
        expect(engine.changes.slice(changes)).toEqual([]);
    });
});
