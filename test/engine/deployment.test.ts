// The deployment's step logic against a real engine, fed RegisterResource requests directly
// (no runner): a container that never turned healthy stays in state and is replaced by the
// next update; what the program stops declaring is deleted, dependents first.
import { promises as fs } from "fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_BASE_IMAGE } from "../images/images";
import { docker, removeTenant, tenantObjects } from "../integration/support/docker";
import { probeDocker } from "../integration/support/probe";
import { tempStateDir, testTenant } from "../integration/support/tenants";
import { Deployment } from "./deployment";
import { Scrubber } from "./scrub";
import { RegisterRequest } from "./server";
import { StateStore } from "./state";
import { RegisterOptions } from "./types";

const probe = probeDocker([TEST_BASE_IMAGE], "the deployment step tests");
const NO_OPTIONS: RegisterOptions = { dependencies: [], propertyDependencies: {}, additionalSecretOutputs: [], ignoreChanges: [], replaceOnChanges: [], aliases: 0 };

describe.skipIf(probe.reason)("deployment steps on a real engine", () => {
    const tenant = testTenant("steps");
    const labels = [{ label: "frontbase.tenant", value: tenant }];
    let stateDir: string;
    let store: StateStore;

    beforeAll(async () => {
        stateDir = await tempStateDir();
        store = await StateStore.open(stateDir, tenant);
    });
    afterAll(async () => {
        await removeTenant(tenant);
        if (stateDir) await fs.rm(stateDir, { recursive: true, force: true });
    });

    async function deployment(): Promise<Deployment> {
        return new Deployment({ project: "p", stack: tenant, dryRun: false, state: await store.load("p", tenant), store, docker, scrubber: new Scrubber() });
    }
    const register = (d: Deployment, type: string, name: string, wire: Record<string, unknown>, options: Partial<RegisterOptions> = {}) =>
        d.registerResource({ type, name, custom: true, wire, options: { ...NO_OPTIONS, ...options } } satisfies RegisterRequest);
    const container = (healthy: boolean) => ({
        name: `${tenant}-app`,
        image: TEST_BASE_IMAGE,
        command: ["sleep", "300"],
        labels,
        networksAdvanced: [{ name: `${tenant}-net`, aliases: ["app"] }],
        healthcheck: { tests: ["CMD", healthy ? "true" : "false"], interval: "1s", timeout: "1s", retries: 1, startPeriod: "0s" },
        wait: true,
        waitTimeout: 3,
    });

    it("keeps a container that failed to become healthy in state, and replaces it on the next update", async () => {
        const d1 = await deployment();
        const net = await register(d1, "docker:index/network:Network", "net", { name: `${tenant}-net`, labels });
        await expect(register(d1, "docker:index/container:Container", "app", container(false), { dependencies: [net.urn], deleteBeforeReplace: true })).rejects.toThrow(/not healthy after 3s/);
        await d1.settle();
        await d1.checkpoint();
        const failed = (await store.load("p", tenant)).resources.find((r) => r.name === "app")!;
        expect(failed.initFailed).toBe(true);
        await expect(docker.getContainer(failed.id!).inspect()).resolves.toBeTruthy();

        const d2 = await deployment();
        const net2 = await register(d2, "docker:index/network:Network", "net", { name: `${tenant}-net`, labels });
        const app = await register(d2, "docker:index/container:Container", "app", container(true), { dependencies: [net2.urn], deleteBeforeReplace: true });
        expect(d2.steps.map((s) => [s.name, s.op])).toEqual([["net", "same"], ["app", "replace"]]);
        expect(app.id).not.toBe(failed.id);
        await expect(docker.getContainer(failed.id!).inspect()).rejects.toMatchObject({ statusCode: 404 });
        await d2.checkpoint();
        expect((await store.load("p", tenant)).resources.find((r) => r.name === "app")!.initFailed).toBeUndefined();
    });

    it("replaces two containers at once, delete-first, removing their shared dependent exactly once", async () => {
        const plain = (name: string, command: string[]) => ({ name: `${tenant}-${name}`, image: TEST_BASE_IMAGE, command, labels, networksAdvanced: [{ name: `${tenant}-net`, aliases: [name] }] });
        const deployAll = async (version: string) => {
            const d = await deployment();
            const net = await register(d, "docker:index/network:Network", "net", { name: `${tenant}-net`, labels });
            const dbr = { dependencies: [net.urn], deleteBeforeReplace: true };
            // Registered together, as the runner does for independent resources.
            const [a, b] = await Promise.all([register(d, "docker:index/container:Container", "a", plain("a", ["sleep", `30${version}`]), dbr), register(d, "docker:index/container:Container", "b", plain("b", ["sleep", `40${version}`]), dbr)]);
            await register(d, "docker:index/container:Container", "c", plain("c", ["sleep", "500"]), { dependencies: [net.urn, a.urn, b.urn], deleteBeforeReplace: true });
            await d.settle();
            await d.checkpoint();
            return d;
        };
        await deployAll("0");
        const d = await deployAll("1");
        expect(Object.fromEntries(d.steps.map((s) => [s.name, s.op]))).toEqual({ net: "same", a: "replace", b: "replace", c: "replace" });
        const o = await tenantObjects(tenant);
        expect(o.containers.map((c) => c.Names[0]).sort()).toEqual([`/${tenant}-a`, `/${tenant}-app`, `/${tenant}-b`, `/${tenant}-c`]);
    });

    it("deletes what is no longer declared, the container before the network it is attached to", async () => {
        const d3 = await deployment();
        await d3.deleteUnregistered();
        expect(d3.steps.map((s) => s.name).slice(-1)).toEqual(["net"]);
        expect(d3.steps.map((s) => [s.name, s.op]).sort()).toEqual([["a", "delete"], ["app", "delete"], ["b", "delete"], ["c", "delete"], ["net", "delete"]]);
        const o = await tenantObjects(tenant);
        expect([o.containers, o.networks]).toEqual([[], []]);
        expect((await store.load("p", tenant)).resources).toEqual([]);
    });
});
