// End to end with the real Pulumi CLI through the Automation API: `pulumi up` of two tenants
// side by side, then `pulumi destroy`, with a local file backend and a passphrase. Skipped,
// with the reason printed, where the CLI (or Docker, or the stand-in images) is missing: the
// CLI cannot be installed on the machines this project is built on; CI images that have it
// run this test. Stacks live in a throwaway copy of the project, so no Pulumi.<stack>.yaml
// lands in the real tree; Docker objects are removed by label afterwards, also on failure.
import { randomBytes } from "crypto";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_IMAGES } from "../images/images";
import { docker, removeTenant, tenantObjects } from "./support/docker";
import { probeDocker } from "./support/probe";
import { copyProject, ProjectCopy } from "./support/projectCopy";
import { findPulumiCli, PulumiCli } from "./support/pulumiCli";
import { freePorts, tenantConfig, testTenant } from "./support/tenants";

const SQLITE_IMAGES = [TEST_IMAGES.redis, TEST_IMAGES.redisHttp, TEST_IMAGES.backend, TEST_IMAGES.edge, TEST_IMAGES.frontend];

function why(): string | undefined {
    const cli = findPulumiCli();
    if ("reason" in cli) {
        console.log(`skipping the Pulumi CLI end-to-end test: ${cli.reason}`);
        return cli.reason;
    }
    return probeDocker(SQLITE_IMAGES, "the Pulumi CLI end-to-end test").reason;
}
const reason = why();

describe.skipIf(reason)("pulumi up / destroy of two tenants with the real CLI (Automation API)", () => {
    const tenants = [testTenant("e2e-a"), testTenant("e2e-b")];
    const stacks = new Map<string, Stack>();
    let copy: ProjectCopy;
    let backendDir: string;

    beforeAll(async () => {
        const cli = findPulumiCli() as PulumiCli;
        const { LocalWorkspace, PulumiCommand } = await import("@pulumi/pulumi/automation");
        const pulumiCommand = await PulumiCommand.get({ root: cli.root });
        copy = await copyProject();
        backendDir = await fs.mkdtemp(path.join(os.tmpdir(), "frontbase-backend-"));
        const envVars = {
            PULUMI_BACKEND_URL: `file://${backendDir}`,
            PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
            PULUMI_SKIP_UPDATE_CHECK: "true",
        };
        for (const tenant of tenants) {
            const stack = await LocalWorkspace.createOrSelectStack({ stackName: tenant, workDir: copy.dir }, { pulumiCommand, envVars });
            const config = tenantConfig(tenant, await freePorts());
            await stack.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value }])));
            stacks.set(tenant, stack);
        }
    });
    afterAll(async () => {
        for (const [tenant, stack] of stacks) {
            await stack.destroy().catch(() => undefined);
            await stack.workspace.removeStack(tenant).catch(() => undefined);
        }
        for (const tenant of tenants) await removeTenant(tenant);
        if (copy) await copy.remove();
        if (backendDir) await fs.rm(backendDir, { recursive: true, force: true });
    });

    it("deploys both tenants side by side: every container running, distinct host ports, secrets kept secret", async () => {
        for (const [tenant, stack] of stacks) {
            const started = Date.now();
            const r = await stack.up();
            console.log(`pulumi up ${tenant}: ${Date.now() - started} ms, ${JSON.stringify(r.summary.resourceChanges)}`);
            expect(r.summary.result).toBe("succeeded");
            expect(r.outputs.tenant.value).toBe(tenant);
            expect(r.outputs.adminPassword.secret).toBe(true);
            expect(r.stdout).not.toContain(r.outputs.adminPassword.value);
            const o = await tenantObjects(tenant);
            expect(o.containers.map((c) => c.State)).toEqual(["running", "running", "running", "running", "running"]);
        }
        const published = (await Promise.all(tenants.map(tenantObjects))).flatMap((o) => o.containers.flatMap((c) => c.Ports.map((p) => p.PublicPort))).filter(Boolean);
        expect(published).toHaveLength(8);
        expect(new Set(published).size).toBe(8);
    });

    it("destroys them: containers and networks gone, data volumes kept, images kept", async () => {
        for (const [tenant, stack] of stacks) {
            const started = Date.now();
            const r = await stack.destroy();
            console.log(`pulumi destroy ${tenant}: ${Date.now() - started} ms`);
            expect(r.summary.result).toBe("succeeded");
            const o = await tenantObjects(tenant);
            expect([o.containers, o.networks]).toEqual([[], []]);
            expect(o.volumes).toHaveLength(3);
        }
        for (const image of SQLITE_IMAGES) await expect(docker.getImage(image).inspect()).resolves.toBeTruthy();
    });
});
