// The deployment's step logic against a real engine, fed RegisterResource requests directly
// (no runner): a container that never turned healthy stays in state, the next update is an
// empty one that leaves it broken (as the real engine does) and `--replace` re-creates it;
// dependents follow a replacement only through their inputs; a create-first replacement keeps the
// old object until the deletes after the program; what the program stops declaring is deleted,
// dependents first.
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
const NO_OPTIONS: RegisterOptions = {
    dependencies: [],
    propertyDependencies: {},
    additionalSecretOutputs: [],
    ignoreChanges: [],
    replaceOnChanges: [],
    aliases: 0,
};

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

    async function deployment(replace: string[] = [], st: StateStore = store): Promise<Deployment> {
        return new Deployment({
            project: "p",
            stack: tenant,
            dryRun: false,
            state: await st.load("p", tenant),
            store: st,
            docker,
            scrubber: new Scrubber(),
            replace,
        });
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

    it("keeps a container that failed to become healthy in state; the next update is empty and leaves it so; --replace re-creates it", async () => {
        const d1 = await deployment();
        const net = await register(d1, "docker:index/network:Network", "net", { name: `${tenant}-net`, labels });
        await expect(
            register(d1, "docker:index/container:Container", "app", container(false), { dependencies: [net.urn] }),
        ).rejects.toThrow(/container failed to be in healthy state within 3s/);
        await d1.settle();
        await d1.checkpoint();
        const failed = (await store.load("p", tenant)).resources.find((r) => r.name === "app")!;
        expect(failed.initFailed).toBe(true);
        await expect(docker.getContainer(failed.id!).inspect()).resolves.toBeTruthy();

        // The program is unchanged: the engine performs an empty update and reports success.
        const d2 = await deployment();
        const net2 = await register(d2, "docker:index/network:Network", "net", { name: `${tenant}-net`, labels });
        const same = await register(d2, "docker:index/container:Container", "app", container(false), { dependencies: [net2.urn] });
        expect(d2.steps.map((s) => [s.name, s.op])).toEqual([
            ["net", "same"],
            ["app", "update"],
        ]);
        expect(same.id).toBe(failed.id);
        await d2.checkpoint();
        expect((await store.load("p", tenant)).resources.find((r) => r.name === "app")!.initFailed).toBeUndefined();
        expect((await docker.getContainer(failed.id!).inspect()).State.Health?.Status).toBe("unhealthy");

        // `pulumi up --replace <urn>` (here with a fixed health check) re-creates it, delete-first.
        const d3 = await deployment([same.urn]);
        const net3 = await register(d3, "docker:index/network:Network", "net", { name: `${tenant}-net`, labels });
        const app = await register(d3, "docker:index/container:Container", "app", container(true), { dependencies: [net3.urn] });
        expect(d3.steps.map((s) => [s.name, s.op])).toEqual([
            ["net", "same"],
            ["app", "replace"],
        ]);
        expect(app.id).not.toBe(failed.id);
        await expect(docker.getContainer(failed.id!).inspect()).rejects.toMatchObject({ statusCode: 404 });
        await d3.checkpoint();
    });

    it("replaces two containers at once, delete-first; a dependent follows only through its inputs, and is removed exactly once", async () => {
        const plain = (name: string, command: string[], extraLabels: { label: string; value: string }[] = []) => ({
            name: `${tenant}-${name}`,
            image: TEST_BASE_IMAGE,
            command,
            labels: [...labels, ...extraLabels],
            networksAdvanced: [{ name: `${tenant}-net`, aliases: [name] }],
        });
        const deployAll = async (version: string) => {
            const d = await deployment();
            const net = await register(d, "docker:index/network:Network", "net", { name: `${tenant}-net`, labels });
            const deps = { dependencies: [net.urn], propertyDependencies: { networksAdvanced: [net.urn] } };
            // Registered together, as the runner does for independent resources.
            const [a, b] = await Promise.all([
                register(d, "docker:index/container:Container", "a", plain("a", ["sleep", `30${version}`]), deps),
                register(d, "docker:index/container:Container", "b", plain("b", ["sleep", `40${version}`]), deps),
            ]);
            // c's labels carry a's and b's IDs (an input dependency); d only has dependsOn on them.
            await register(
                d,
                "docker:index/container:Container",
                "c",
                plain("c", ["sleep", "500"], [{ label: "follows", value: `${a.id}/${b.id}` }]),
                {
                    dependencies: [net.urn, a.urn, b.urn],
                    propertyDependencies: { labels: [a.urn, b.urn] },
                },
            );
            await register(d, "docker:index/container:Container", "d", plain("d", ["sleep", "500"]), {
                dependencies: [net.urn, a.urn, b.urn],
            });
            await d.settle();
            await d.checkpoint();
            return d;
        };
        await deployAll("0");
        const ids = Object.fromEntries((await store.load("p", tenant)).resources.map((r) => [r.name, r.id]));
        const d = await deployAll("1");
        expect(Object.fromEntries(d.steps.map((s) => [s.name, s.op]))).toEqual({
            net: "same",
            a: "replace",
            b: "replace",
            c: "replace",
            d: "same",
        });
        const after = Object.fromEntries((await store.load("p", tenant)).resources.map((r) => [r.name, r.id]));
        expect(after.c).not.toBe(ids.c);
        expect(after.d).toBe(ids.d);
        const o = await tenantObjects(tenant);
        expect(o.containers.map((c) => c.Names[0]).sort()).toEqual([
            `/${tenant}-a`,
            `/${tenant}-app`,
            `/${tenant}-b`,
            `/${tenant}-c`,
            `/${tenant}-d`,
        ]);
    });

    it("a health check edit is stored but never sent (provider v4.5.0); with replaceOnChanges it replaces the container and reaches Docker", async () => {
        const checked = (tests: string[]) => ({
            name: `${tenant}-hc`,
            image: TEST_BASE_IMAGE,
            command: ["sleep", "300"],
            labels,
            healthcheck: { tests, interval: "1s", timeout: "1s", retries: 1, startPeriod: "0s" },
        });
        const deployHc = async (tests: string[], replaceOnChanges: string[]) => {
            const d = await deployment();
            const r = await register(d, "docker:index/container:Container", "hc", checked(tests), { replaceOnChanges });
            await d.checkpoint();
            return { d, r, test: (await docker.getContainer(r.id).inspect()).Config.Healthcheck?.Test };
        };
        const first = await deployHc(["CMD", "true"], []);
        const stored = await deployHc(["CMD", "test", "-d", "/"], []);
        expect(stored.d.steps.map((s) => [s.op, s.changed])).toEqual([["update", ["healthcheck"]]]);
        expect([stored.r.id, stored.test]).toEqual([first.r.id, ["CMD", "true"]]);
        const replaced = await deployHc(["CMD", "test", "-d", "/tmp"], ["healthcheck"]);
        expect(replaced.d.steps.map((s) => s.op)).toEqual(["replace"]);
        expect(replaced.r.id).not.toBe(first.r.id);
        expect(replaced.test).toEqual(["CMD", "test", "-d", "/tmp"]);
    });

    it("replaces create-first when the program overrides the provider: the old container serves until the deletes after the program; a failed run leaves it pending for the next", async () => {
        // A stack of its own: its deletes after the program must not reach the other tests' resources.
        const own = await StateStore.open(stateDir, `${tenant}-cbd`);
        const C = "docker:index/container:Container";
        const cbd = (v: string, healthy = true) => ({ ...container(healthy), name: `${tenant}-cbd-${v}`, networksAdvanced: [] });
        const createFirst = { deleteBeforeReplace: false };
        const running = async (id: string) => (await docker.getContainer(id).inspect()).State.Running;
        const stored = async () =>
            (await own.load("p", tenant)).resources
                .filter((r) => r.name === "cbd")
                .map((r) => [r.id, r.delete ?? false, r.initFailed ?? false]);
        const d1 = await deployment([], own);
        const one = await register(d1, C, "cbd", cbd("1"), createFirst);
        await d1.checkpoint();

        // The name changes: a replacement. The new container is up while the old one still runs.
        const d2 = await deployment([], own);
        const two = await register(d2, C, "cbd", cbd("2"), createFirst);
        expect([await running(one.id), await running(two.id)]).toEqual([true, true]);
        await d2.checkpoint();
        expect(await stored()).toEqual([
            [two.id, false, false],
            [one.id, true, false],
        ]);
        // A dependent registered after it sees the new ID; only then does the old one go.
        await register(
            d2,
            C,
            "after",
            { ...cbd("after"), labels: [...labels, { label: "follows", value: two.id }] },
            {
                dependencies: [two.urn],
                propertyDependencies: { labels: [two.urn] },
            },
        );
        await d2.deleteUnregistered();
        expect(d2.steps.map((s) => [s.name, s.op, s.deleteFirst])).toEqual([
            ["cbd", "replace", false],
            ["after", "create", undefined],
            ["cbd", "delete-replaced", undefined],
        ]);
        await expect(docker.getContainer(one.id).inspect()).rejects.toMatchObject({ statusCode: 404 });

        // A replacement that never turns healthy: the program fails, no deletes run, the old one keeps running, pending.
        const d3 = await deployment([], own);
        await expect(register(d3, C, "cbd", cbd("3", false), createFirst)).rejects.toThrow(/healthy state within 3s/);
        await d3.settle();
        await d3.checkpoint();
        const [[bad]] = await stored();
        expect(await stored()).toEqual([
            [bad, false, true],
            [two.id, true, false],
        ]);
        expect(await running(two.id)).toBe(true);

        // The next successful run replaces the failed one create-first too, then deletes both old halves.
        const d4 = await deployment([], own);
        const four = await register(d4, C, "cbd", cbd("4"), createFirst);
        await register(
            d4,
            C,
            "after",
            { ...cbd("after"), labels: [...labels, { label: "follows", value: two.id }] },
            {
                dependencies: [four.urn],
            },
        );
        await d4.deleteUnregistered();
        await d4.checkpoint();
        expect(d4.steps.map((s) => [s.name, s.op]).sort()).toEqual([
            ["after", "same"],
            ["cbd", "delete-replaced"],
            ["cbd", "delete-replaced"],
            ["cbd", "replace"],
        ]);
        expect(await stored()).toEqual([[four.id, false, false]]);
        for (const id of [two.id, bad])
            await expect(docker.getContainer(id as string).inspect()).rejects.toMatchObject({ statusCode: 404 });
        await (await deployment([], own)).destroyAll();
        expect(await stored()).toEqual([]);
    });

    it("deletes what is no longer declared, the container before the network it is attached to", async () => {
        const d3 = await deployment();
        await d3.deleteUnregistered();
        // In waves, as the engine schedules them: the network after every container attached to it.
        const at = (name: string) => d3.steps.findIndex((s) => s.name === name);
        for (const c of ["a", "app", "b", "c", "d"]) expect([c, at(c) < at("net")]).toEqual([c, true]);
        expect(d3.steps.map((s) => [s.name, s.op]).sort()).toEqual([
            ["a", "delete"],
            ["app", "delete"],
            ["b", "delete"],
            ["c", "delete"],
            ["d", "delete"],
            ["hc", "delete"],
            ["net", "delete"],
        ]);
        const o = await tenantObjects(tenant);
        expect([o.containers, o.networks]).toEqual([[], []]);
        expect((await store.load("p", tenant)).resources).toEqual([]);
    });
});
