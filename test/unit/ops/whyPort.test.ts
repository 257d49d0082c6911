import { writeFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import type { PortHolder } from "../../../ports/hostState";
import { explainPort } from "../../../cli/ops/whyPort";
import { tempLockDir, tenant } from "../../support/cliRun";
import { startFakeEngine } from "../../support/fakeEngine";
import { tempDir } from "../../support/temp";

const H = "unix:///var/run/docker.sock";
const running: PortHolder = {
    kind: "container",
    tenant: "acme",
    service: "frontend",
    container: "acme_frontbase-frontend-1",
    state: "running",
    address: "0.0.0.0",
};
const proxy: PortHolder = { kind: "listener", address: "0.0.0.0", inode: "42" };

describe("explainPort", () => {
    it("names a running tenant container, and its listener as Docker's forwarding", () => {
        const r = explainPort({
            port: 8081,
            holders: [running, proxy],
            dockerHost: H,
            listeners: "read",
            owners: new Map([["42", { pid: 77, command: "docker-proxy" }]]),
        });
        expect(r.free).toBe(false);
        expect(r.lines).toEqual([
            `port 8081 on ${H} is taken:`,
            "- container acme_frontbase-frontend-1 of tenant acme (frontend), running",
            "- a process listening on 0.0.0.0 (pid 77, docker-proxy): Docker's port forwarding for that container",
        ]);
    });

    it("explains that a container which is not running still holds its port", () => {
        const r = explainPort({ port: 8000, holders: [{ ...running, state: "exited" }], dockerHost: H, listeners: "read" });
        expect(r.lines[1]).toBe(
            "- container acme_frontbase-frontend-1 of tenant acme (frontend), exited: not running, but Docker binds the port again when it starts, so it stays taken",
        );
    });

    it.each([
        [
            { kind: "stack-file", tenant: "beta", service: "backend", file: "/p/Pulumi.beta.yaml" },
            "- tenant beta's stack file /p/Pulumi.beta.yaml (ports.backend)",
        ],
        [
            { kind: "reserved", file: "/p/Pulumi.dev.yaml" },
            "- frontbase:reservedPorts in /p/Pulumi.dev.yaml: kept for other software by the operator",
        ],
        [{ kind: "listener", address: "::1", inode: "9" }, "- a process listening on [::1]: not a container of this host's tenants"],
        [
            { kind: "ledger", tenant: "gamma", service: "edge" },
            "- tenant gamma (edge), allocated by a recent `pulumi up` whose containers do not exist yet",
        ],
    ] as [PortHolder, string][])("%j", (holder, line) => {
        expect(explainPort({ port: 9, holders: [holder], dockerHost: H, listeners: "read" }).lines[1]).toBe(line);
    });

    it.each([
        ["read", /is free: .*no reservation holds it, and no process listens on it$/],
        ["remote", /listening processes on the remote host were not checked/],
        ["unavailable", /listening processes unknown: no \/proc socket table here/],
    ] as const)("free, with listeners %s", (listeners, text) => {
        const r = explainPort({ port: 8500, holders: [], dockerHost: H, listeners });
        expect(r.free).toBe(true);
        expect(r.lines).toHaveLength(1);
        expect(r.lines[0]).toMatch(text);
    });
});

describe("why-port command", () => {
    it("answers despite a stack file that is not YAML, naming it on stderr", async () => {
        const engine = await startFakeEngine([
            {
                name: "t2_frontbase-backend-1",
                state: "exited",
                labels: { "frontbase.tenant": "t2", "com.docker.compose.service": "backend" },
                bindings: { "8000/tcp": [{ HostIp: "", HostPort: "9401" }] },
            },
        ]);
        const projectDir = tempDir("why-port");
        writeFileSync(path.join(projectDir, "Pulumi.bad.yaml"), "config: [unclosed\n");
        writeFileSync(path.join(projectDir, "Pulumi.t3.yaml"), "config:\n  frontbase:ports:\n    edge: 9402\n");
        const env = { FRONTBASE_PROJECT_DIR: projectDir, FRONTBASE_LOCK_DIR: tempLockDir(), DOCKER_HOST: engine.host };
        try {
            const [first, second] = [await tenant(["why-port", "9401"], env), await tenant(["why-port", "9402"], env)];
            expect([first.code, second.code]).toEqual([0, 0]);
            expect(first.out).toContain("container t2_frontbase-backend-1 of tenant t2 (backend), exited");
            expect(second.out).toContain(`tenant t3's stack file ${projectDir}/Pulumi.t3.yaml (ports.edge)`);
            for (const r of [first, second]) {
                expect(r.err).toMatch(
                    new RegExp(
                        `^warning: ${projectDir}/Pulumi\\.bad\\.yaml is unreadable, so ports it may pin are not shown: not valid YAML`,
                    ),
                );
                expect(r.err.match(/^warning: /gm)).toHaveLength(1);
            }
        } finally {
            await engine.close();
        }
    });

    it("reads listeners from the context's machine, not the one running the test: 8000 is free there", async () => {
        const engine = await startFakeEngine([]);
        try {
            const r = await tenant(["why-port", "8000"], {
                FRONTBASE_PROJECT_DIR: tempDir("why-port"),
                FRONTBASE_LOCK_DIR: tempLockDir(),
                DOCKER_HOST: engine.host,
            });
            expect([r.code, r.err]).toEqual([0, ""]);
            expect(r.out).toBe(
                `port 8000 on ${engine.host} is free: no container publishes it, no stack file pins it, no reservation holds it, and no process listens on it\n`,
            );
        } finally {
            await engine.close();
        }
    });
});
