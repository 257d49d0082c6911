// Never new credentials over a tenant's kept data, on a real tenant (issue 21, item 14): a postgres
// tenant whose stack stores no credentials gets them from the program's fallback (the stack's
// state). Destroyed, its volumes stay and its credentials go. Before, the next `up` generated a
// new database password over the old data directory, and the backend never turned healthy; now
// the program refuses, creating nothing. With the old values back in its config (the recovery the
// refusal names), the same data opens again.
import { promises as fs } from "fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { destroy, EngineError, EngineOptions, up } from "../engine/engine";
import { REAL_TENANT_IMAGES } from "../images/frontbase";
import { removeTenant, tenantObjects } from "./support/docker";
import { deploy, HEALTHY, inContainer, secretOutput, states, tempDir } from "./support/fleet";
import { probeDocker } from "./support/probe";
import { copyProject, ProjectCopy } from "./support/projectCopy";
import { realServices } from "./support/realTenants";
import { freePorts, tenantConfig, testTenant } from "./support/tenants";

const probe = probeDocker(Object.values(REAL_TENANT_IMAGES), "the kept-data credentials check");
const SERVICES = realServices({ database: "postgres" });

describe.skipIf(probe.reason)("a postgres tenant without stored credentials, destroyed with its volumes kept", () => {
    const t = testTenant("keep");
    const volumes = ["backend", "edge", "postgres", "redis"].map((s) => `${t}_frontbase_${s}_data`);
    const saved = process.env.FRONTBASE_LOCK_DIR;
    let project: ProjectCopy;
    let stateDir: string;
    let lockDir: string;
    let config: Record<string, string>;
    const old: Record<string, string> = {};
    const opts = (secrets: Record<string, string> = {}): EngineOptions => ({
        projectDir: project.dir,
        stack: t,
        stateDir,
        config: { ...config, ...secrets },
        secretKeys: Object.keys(secrets),
    });
    const psql = (sql: string) => inContainer(t, "postgres", ["psql", "-U", "frontbase", "-d", "frontbase", "-tAc", sql]);

    beforeAll(async () => {
        project = await copyProject();
        [stateDir, lockDir] = await Promise.all([tempDir("state"), tempDir("locks")]);
        process.env.FRONTBASE_LOCK_DIR = lockDir;
        config = tenantConfig(t, await freePorts(), { database: "postgres" });
        // Its first deploy: nothing of it is kept, so the program's fallback may generate them.
        const first = await deploy(opts());
        expect(await states(t, SERVICES)).toEqual(HEALTHY(SERVICES));
        await psql("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('written before the destroy')");
        for (const k of ["dbPassword", "encryptionKey"]) old[`frontbase:${k}`] = secretOutput(first, k);
        await destroy(opts());
    });
    afterAll(async () => {
        if (saved === undefined) delete process.env.FRONTBASE_LOCK_DIR;
        else process.env.FRONTBASE_LOCK_DIR = saved;
        await removeTenant(t);
        await project?.remove();
        for (const dir of [stateDir, lockDir]) if (dir) await fs.rm(dir, { recursive: true, force: true });
    });

    it("is refused on the next up, before anything is created, naming the data and how to recover, instead of getting a new database password", async () => {
        expect((await tenantObjects(t)).volumes.map((v) => v.Name).sort()).toEqual(volumes);
        const refused = await up(opts()).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(EngineError);
        const e = refused as EngineError;
        console.log(`the refused up: ${e.result.totalMs} ms (runner ${e.result.runner?.ms} ms)`);
        expect(e.message).toContain(
            `not deploying ${t}; nothing was created:\n  - tenant ${t}'s data is kept in ${t}_frontbase_backend_data, ${t}_frontbase_postgres_data, ` +
                `but Pulumi.${t}.yaml stores no frontbase:dbPassword, frontbase:encryptionKey:\n    new ones would not open that data`,
        );
        expect(e.message).toContain(`pulumi stack output --show-secrets --stack ${t}`);
        expect(e.result.registrations.filter((r) => r.custom)).toEqual([]);
        const left = await tenantObjects(t);
        expect([left.containers, left.networks, left.volumes.map((v) => v.Name).sort()]).toEqual([[], [], volumes]);
    });

    it("with its old credentials back in its config (the recovery), deploys over the kept data, which opens again", async () => {
        await deploy(opts(old));
        expect(await states(t, SERVICES)).toEqual(HEALTHY(SERVICES));
        expect(await psql("SELECT note FROM kept")).toBe("written before the destroy");
    });
});
