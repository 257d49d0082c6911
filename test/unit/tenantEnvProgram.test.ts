// The program (Pulumi mocks) with `frontbase:env`: each service's container gets its variables,
// secret as a whole when the key is; a changed value changes only that service's container inputs;
// no output holds a value.
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { allocatingResolver as resolverT, tenantProgram as programT } from "../../stacks/tenant";
import { installMocks, recorder, settle } from "../support/pulumiMocks";
import { tempLockDir, tempProject } from "../support/cliRun";
import { FakeEngine, fakeMachine, startFakeEngine } from "../support/fakeEngine";
import { DEFAULT_IMAGES } from "../../components/config";

const CONTAINER = "docker:index/container:Container";
const rec = recorder();
let tenantProgram: typeof programT;
let allocatingResolver: typeof resolverT;
let engine: FakeEngine;
let base: Record<string, string>;
const SMTP_PASSWORD = "smtp-password-never-printed";

beforeAll(async () => {
    process.env.FRONTBASE_PROJECT_DIR = tempProject();
    process.env.FRONTBASE_LOCK_DIR = tempLockDir();
    await installMocks(rec, "tenant1");
    ({ tenantProgram, allocatingResolver } = await import("../../stacks/tenant"));
    // The stand-in host has the Frontbase images (the program's release check reads them).
    engine = await startFakeEngine([], [], [DEFAULT_IMAGES.backend, DEFAULT_IMAGES.edge, DEFAULT_IMAGES.frontend]);
    base = {
        "frontbase:ports": '{"backend":8001,"edge":3003,"frontend":8081,"redisHttp":8082}',
        "docker:host": engine.host,
    };
});
const savedSecretKeys = process.env.PULUMI_CONFIG_SECRET_KEYS;
afterAll(() => {
    if (savedSecretKeys === undefined) delete process.env.PULUMI_CONFIG_SECRET_KEYS;
    else process.env.PULUMI_CONFIG_SECRET_KEYS = savedSecretKeys;
    return engine.close();
});
beforeEach(() => rec.reset());

/** The program run on `env`; every container's env list and whether it reached the engine secret, and the outputs. */
async function deployWith(env: unknown, secret: boolean) {
    const secretKeys = secret ? ["frontbase:env"] : [];
    pulumi.runtime.setAllConfig({ ...base, "frontbase:env": JSON.stringify(env) }, secretKeys);
    // Where the program reads them (stacks/tenant.ts readStackConfig), as the language host sets it.
    process.env.PULUMI_CONFIG_SECRET_KEYS = JSON.stringify(secretKeys);
    const outputs = await settle(await tenantProgram(allocatingResolver(undefined, fakeMachine())));
    const containers = Object.fromEntries(
        rec.byType(CONTAINER).map((c) => [c.name, { envs: c.inputs.envs as string[], secret: c.secretInputs.has("envs") }]),
    );
    return { containers, outputs };
}

describe("tenantProgram with frontbase:env", () => {
    const ENV = {
        backend: { SMTP_HOST: "mail.example", SMTP_PASSWORD },
        edge: { ALLOWED_ORIGINS: "https://a.example" },
        frontend: { TZ: "UTC" },
    };

    it("gives each container its variables, every list with one secret in it marked secret, and no output holds them", async () => {
        const { containers, outputs } = await deployWith(ENV, true);
        expect(containers["tenant1-backend-container"].envs).toEqual(
            expect.arrayContaining(["SMTP_HOST=mail.example", `SMTP_PASSWORD=${SMTP_PASSWORD}`, "DATABASE=sqlite"]),
        );
        expect(containers["tenant1-edge-container"].envs).toContain("ALLOWED_ORIGINS=https://a.example");
        expect(containers["tenant1-frontend-container"].envs).toEqual(["TZ=UTC"]);
        expect(["backend", "edge", "frontend"].map((svc) => [svc, containers[`tenant1-${svc}-container`].secret])).toEqual([
            ["backend", true],
            ["edge", true],
            ["frontend", true],
        ]);
        // redis has no variables of the tenant's: its plain list stays as it was.
        expect(containers["tenant1-redis-container"]).toEqual({ envs: [], secret: false });
        expect(JSON.stringify(outputs)).not.toContain(SMTP_PASSWORD);
    });

    it("keeps the frontend's list plain when frontbase:env holds no secure value", async () => {
        const { containers } = await deployWith({ frontend: { TZ: "UTC" } }, false);
        expect(containers["tenant1-frontend-container"]).toEqual({ envs: ["TZ=UTC"], secret: false });
    });

    it("changes only the changed service's container inputs when one value changes", async () => {
        const before = (await deployWith(ENV, true)).containers;
        rec.reset();
        const after = (await deployWith({ ...ENV, edge: { ALLOWED_ORIGINS: "https://b.example" } }, true)).containers;
        const changed = Object.keys(after).filter((name) => JSON.stringify(after[name]) !== JSON.stringify(before[name]));
        expect(changed).toEqual(["tenant1-edge-container"]);
    });

    it("refuses a variable the program manages before declaring anything", async () => {
        pulumi.runtime.setAllConfig({ ...base, "frontbase:env": '{"backend":{"ENCRYPTION_KEY":"x"}}' }, []);
        await expect(tenantProgram(allocatingResolver(undefined, fakeMachine()))).rejects.toThrow(
            "frontbase:env.backend.ENCRYPTION_KEY: set by the program itself",
        );
        expect(rec.resources).toEqual([]);
    });
});
