// End to end with the real Pulumi CLI through the Automation API: `pulumi up` of two tenants
// side by side, then `pulumi destroy`, with a local file backend and a passphrase. Skipped,
// with the reason printed, where the CLI (or Docker, or the images of npm run images:test) is missing: the
// CLI cannot be installed on the machines this project is built on; CI images that have it
// run this test. Stacks live in a throwaway copy of the project, so no Pulumi.<stack>.yaml
// lands in the real tree; Docker objects are removed by label afterwards, also on failure.
import { randomBytes } from "crypto";
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import type { Stack } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REAL_TENANT_IMAGES } from "../images/frontbase";
import { docker, removeTenant, tenantObjects } from "./support/docker";
import { probeDocker } from "./support/probe";
import { cannotRun } from "../support/skip";
import { copyProject, ProjectCopy } from "./support/projectCopy";
import { findPulumiCli, PulumiCli } from "./support/pulumiCli";
import { freePorts, tenantConfig, testTenant } from "./support/tenants";

// The real Frontbase backend, edge and frontend, Debian's redis, the redis-http stand-in
// (tenantConfig's default images).
const SQLITE_IMAGES = [
    REAL_TENANT_IMAGES.redis,
    REAL_TENANT_IMAGES.redisHttp,
    REAL_TENANT_IMAGES.backend,
    REAL_TENANT_IMAGES.edge,
    REAL_TENANT_IMAGES.frontend,
];

function why(): string | undefined {
    const cli = findPulumiCli();
    // .ci/run installs what it can from Debian and npm; the Pulumi CLI comes from neither.
    const noCli = "reason" in cli ? cli.reason : undefined;
    if (noCli)
        return cannotRun("the Pulumi CLI end-to-end test", noCli, "the CLI downloads from get.pulumi.com, which CI here cannot reach");
    return probeDocker(SQLITE_IMAGES, "the Pulumi CLI end-to-end test").reason;
}
const reason = why();

describe.skipIf(reason)("pulumi up / destroy of two tenants with the real CLI (Automation API)", () => {
    const tenants = [testTenant("e2e-a"), testTenant("e2e-b")];
    const stacks = new Map<string, Stack>();
    const frontendPort = new Map<string, number>();
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
            const ports = await freePorts();
            frontendPort.set(tenant, ports.frontend);
            const config = tenantConfig(tenant, ports);
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

    it("deploys both tenants side by side: every service running, the app answering, distinct host ports, secrets kept secret", async () => {
        for (const [tenant, stack] of stacks) {
            const started = Date.now();
            const r = await stack.up();
            console.log(`pulumi up ${tenant}: ${Date.now() - started} ms, ${JSON.stringify(r.summary.resourceChanges)}`);
            expect(r.summary.result).toBe("succeeded");
            expect(r.outputs.tenant.value).toBe(tenant);
            expect(r.outputs.adminPassword.secret).toBe(true);
            expect(r.stdout).not.toContain(r.outputs.adminPassword.value);
            const o = await tenantObjects(tenant);
            // Five services running; the redis-token job ran once and stays exited.
            const state = (c: (typeof o.containers)[number]) => `${c.Names[0].slice(1).replace(`${tenant}_frontbase-`, "")} ${c.State}`;
            expect(o.containers.map(state).sort()).toEqual([
                "backend-1 running",
                "edge-1 running",
                "frontend-1 running",
                "redis-1 running",
                "redis-http-1 running",
                "redis-token-job exited",
            ]);
            // The real app answers through the frontend: the admin UI, and the backend's API behind nginx.
            const web = (p: string) => fetch(`http://127.0.0.1:${frontendPort.get(tenant)}${p}`, { signal: AbortSignal.timeout(20_000) });
            expect((await web("/frontbase-admin/")).status).toBe(200);
            expect(await (await web("/api/sync/health")).json()).toEqual({ status: "healthy" });
        }
        const published = (await Promise.all(tenants.map(tenantObjects)))
            .flatMap((o) => o.containers.flatMap((c) => c.Ports.map((p) => p.PublicPort)))
            .filter(Boolean);
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
