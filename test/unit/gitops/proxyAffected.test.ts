// The proxy stack in `tenant affected`: its routes come from the tenant stack files.
import { describe, expect, it } from "vitest";
import { affectedStacks } from "../../../gitops/affected";

const PROGRAM = new Set(["index.ts", "stacks/tenant.ts", "stacks/proxy.ts", "components/config.ts"]);
const WITH_PROXY = ["acme", "beta", "proxy"];

describe("affectedStacks and the proxy", () => {
    // Whatever the change (a memory limit moves no route): the proxy's preview is then a no-op,
    // and a deploy never skips a route change that a narrower rule failed to see.
    it("adds the proxy when a tenant stack file changes or goes, with the reason", () => {
        const a = affectedStacks(["Pulumi.acme.yaml"], WITH_PROXY, PROGRAM);
        expect(a.stacks).toEqual(["acme", "proxy"]);
        expect(a.reasons.proxy).toBe("its routes come from the tenant stack files: Pulumi.acme.yaml changed");
        expect(affectedStacks(["Pulumi.gone.yaml"], WITH_PROXY, PROGRAM).stacks).toEqual(["proxy"]);
    });
    it("leaves the proxy out where there is none, and lists it once when its own file changes", () => {
        expect(affectedStacks(["Pulumi.acme.yaml"], ["acme", "beta"], PROGRAM).stacks).toEqual(["acme"]);
        expect(affectedStacks(["Pulumi.acme.yaml", "Pulumi.proxy.yaml"], WITH_PROXY, PROGRAM).stacks).toEqual(["acme", "proxy"]);
        expect(affectedStacks(["components/config.ts"], WITH_PROXY, PROGRAM).stacks).toEqual(WITH_PROXY);
    });
});
