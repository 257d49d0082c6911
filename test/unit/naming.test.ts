import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as n from "../../components/naming";

describe("naming", () => {
    it.each([
        ["tenant1", "tenant1_frontbase", "tenant1_frontbase-backend-1", "tenant1_frontbase_frontbase", "tenant1_frontbase_backend_data"],
        ["acme-eu", "acme-eu_frontbase", "acme-eu_frontbase-backend-1", "acme-eu_frontbase_frontbase", "acme-eu_frontbase_backend_data"],
    ])("%s follows the design document's Compose names", (tenant, project, container, network, volume) => {
        expect(n.projectName(tenant)).toBe(project);
        expect(n.containerName(tenant, "backend")).toBe(container);
        expect(n.networkName(tenant)).toBe(network);
        expect(n.volumeName(tenant, "backend")).toBe(volume);
    });

    it.each([
        ["", "must not be empty"],
        ["Tenant1", "must start with a lowercase letter and contain only lowercase letters, digits and '-'"],
        ["1tenant", "must start with a lowercase letter and contain only lowercase letters, digits and '-'"],
        ["ten_ant", "must start with a lowercase letter and contain only lowercase letters, digits and '-'"],
        ["a".repeat(41), "must be at most 40 characters (got 41)"],
    ])("rejects tenant name %j", (name, problem) => {
        expect(n.tenantNameProblem(name)).toBe(problem);
    });

    it("accepts a 40-character name", () => {
        expect(n.tenantNameProblem("a".repeat(40))).toBeUndefined();
    });

    it("gives two different valid tenants disjoint names for every service", () => {
        const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,39}$/);
        fc.assert(
            fc.property(name, name, (a, b) => {
                fc.pre(a !== b);
                for (const s of n.SERVICES) {
                    expect(n.containerName(a, s)).not.toBe(n.containerName(b, s));
                    expect(n.volumeName(a, s)).not.toBe(n.volumeName(b, s));
                }
                expect(n.networkName(a)).not.toBe(n.networkName(b));
            }),
        );
    });

    it("labels carry the Compose project and service and the tenant", () => {
        expect(n.labels("t1", "redis")).toEqual({
            "com.docker.compose.project": "t1_frontbase",
            "com.docker.compose.service": "redis",
            "frontbase.tenant": "t1",
        });
        expect(n.labels("t1")).toEqual({ "com.docker.compose.project": "t1_frontbase", "frontbase.tenant": "t1" });
    });
});
