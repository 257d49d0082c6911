// The stack program as `index.ts` runs it: stack config in, outputs out.
import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { tenantProgram as programT } from "../../stacks/tenant";
import { installMocks, recorder, settle } from "../support/pulumiMocks";

const rec = recorder();
let tenantProgram: typeof programT;
const PINNED = { "frontbase:ports": '{"backend":8001,"edge":3003,"frontend":8081,"redisHttp":8082}' };

beforeAll(async () => {
    await installMocks(rec, "tenant1");
    ({ tenantProgram } = await import("../../stacks/tenant"));
});
beforeEach(() => rec.reset());

function useConfig(config: Record<string, string>, secretKeys: string[] = []) {
    pulumi.runtime.setAllConfig(config, secretKeys);
}

describe("tenantProgram", () => {
    it("exports the tenant's names, ports, URLs and secret credentials", async () => {
        useConfig({ ...PINNED, "frontbase:publicHost": "vps.example.com" });
        const outputs = await tenantProgram();
        const values = await settle(outputs);
        expect(values).toMatchObject({
            tenant: "tenant1",
            project: "tenant1_frontbase",
            network: "tenant1_frontbase_frontbase",
            ports: { backend: 8001, edge: 3003, frontend: 8081, redisHttp: 8082 },
            urls: { frontend: "http://vps.example.com:8081", edge: "http://vps.example.com:3003", backend: "http://vps.example.com:8001", redisHttp: "http://vps.example.com:8082" },
            volumes: { backend: "tenant1_frontbase_backend_data", edge: "tenant1_frontbase_edge_data", redis: "tenant1_frontbase_redis_data" },
            adminEmail: "admin@example.com",
        });
        expect("dbPassword" in outputs).toBe(false);
        expect(await pulumi.isSecret(outputs.adminPassword)).toBe(true);
        expect(await pulumi.isSecret(outputs.redisToken)).toBe(true);
    });

    it.each<[string, Record<string, string>, string[], string]>([
        ["an unknown key", { ...PINNED, "frontbase:databse": "postgres" }, [], "frontbase: unknown key(s) frontbase:databse"],
        ["a bad database", { ...PINNED, "frontbase:database": "mysql" }, [], 'frontbase:database: must be "sqlite" or "postgres"'],
        ["a plain-text password", { ...PINNED, "frontbase:dbPassword": "0123456789abcdef" }, [], "frontbase:dbPassword: is stored in plain text"],
        ["a port that collides within the tenant", { "frontbase:ports": '{"backend":8000,"edge":8000,"frontend":8081,"redisHttp":8082}' }, [], "frontbase:ports.edge: 8000 is already used by ports.backend"],
    ])("fails on %s before registering anything", async (_, config, secretKeys, message) => {
        useConfig(config, secretKeys);
        await expect(tenantProgram()).rejects.toThrow(message);
        await new Promise((r) => setTimeout(r, 50));
        expect(rec.resources).toEqual([]);
    });
});
