// The container realizer's `wait` semantics on a real engine, without the runner: healthy in
// time, never healthy, dead before healthy, no health check at all. Containers are labelled
// frontbase.tenant=<it-...> and removed afterwards, also on failure.
import { afterAll, describe, expect, it } from "vitest";
import { TEST_BASE_IMAGE } from "../../images/images";
import { docker, removeTenant } from "../../integration/support/docker";
import { probeDocker } from "../../integration/support/probe";
import { testTenant } from "../../integration/support/tenants";
import { containerProvider } from "./containers";
import { InitError, RealizeContext } from "./provider";

const probe = probeDocker([TEST_BASE_IMAGE], "the container wait tests");

describe.skipIf(probe.reason)("waiting for a container as @pulumi/docker does", () => {
    const tenant = testTenant("wait");
    const logs: string[] = [];
    const ctx: RealizeContext = { docker, urn: "urn:test", log: (m) => void logs.push(m) };
    let n = 0;
    const inputs = (extra: Record<string, unknown>) => ({
        name: `${tenant}-${++n}`,
        image: TEST_BASE_IMAGE,
        labels: [{ label: "frontbase.tenant", value: tenant }],
        command: ["sleep", "300"],
        ...extra,
    });
    const check = (tests: string[]) => ({ tests: ["CMD", ...tests], interval: "1s", timeout: "1s", retries: 2, startPeriod: "0s" });

    afterAll(() => removeTenant(tenant));

    it("returns once the container is healthy", async () => {
        const created = await containerProvider.create(ctx, inputs({ healthcheck: check(["true"]), wait: true, waitTimeout: 30 }));
        expect((await docker.getContainer(created.id).inspect()).State.Health?.Status).toBe("healthy");
        expect(logs).toContain("health: starting");
    });

    it("fails after waitTimeout with the last health check's output, keeping the container for the engine", async () => {
        const error = await containerProvider
            .create(ctx, inputs({ healthcheck: check(["sh", "-c", "echo not-ready-yet; exit 1"]), wait: true, waitTimeout: 4 }))
            .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InitError);
        expect((error as Error).message).toMatch(
            /container failed to be in healthy state within 4s \((starting|unhealthy)\); last health check exited 1: not-ready-yet/,
        );
        await expect(docker.getContainer((error as InitError).id).inspect()).resolves.toBeTruthy();
    });

    it("waits the whole waitTimeout even when the container died long before, as the provider does, quoting its output", async () => {
        const started = Date.now();
        const error = await containerProvider
            .create(
                ctx,
                inputs({
                    command: ["sh", "-c", "echo starting up; echo cannot open data dir >&2; exit 3"],
                    healthcheck: check(["true"]),
                    wait: true,
                    waitTimeout: 5,
                }),
            )
            .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(InitError);
        expect((error as Error).message).toMatch(/container failed to be in healthy state within 5s \(.*exited with code 3\)/);
        expect((error as Error).message).toMatch(/cannot open data dir/);
        expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
    });

    it("refuses wait: true without a health check, and requires a running container otherwise", async () => {
        await expect(containerProvider.create(ctx, inputs({ wait: true }))).rejects.toThrow(
            /wait: true, but the container has no health check/,
        );
        await expect(containerProvider.create(ctx, inputs({ command: ["false"] }))).rejects.toThrow(/exited with code 1/);
        const running = await containerProvider.create(ctx, inputs({}));
        expect((await docker.getContainer(running.id).inspect()).State.Running).toBe(true);
    });
});
