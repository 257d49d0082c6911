// What the host holds: containers (running and stopped), stack files, ledger, reserved
// ports, listeners; the allocating tenant's own ports are its own.
import { writeFileSync } from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeHolder, previousPorts, readHostState } from "../../../ports/hostState";
import { recordAllocation } from "../../../ports/ledger";
import { FakeEngine, startFakeEngine } from "../../support/fakeEngine";
import { closeAll, freeBlock, listen } from "../../support/sockets";
import { tempDir } from "../../support/temp";

const labels = (tenant: string, service: string) => ({
    "frontbase.tenant": tenant,
    "com.docker.compose.service": service,
    "com.docker.compose.project": `${tenant}_frontbase`,
});
const bind = (port: number, ip = "") => [{ HostIp: ip, HostPort: String(port) }];

let engine: FakeEngine;
beforeAll(async () => {
    engine = await startFakeEngine([
        {
            name: "t2_frontbase-backend-1",
            state: "exited",
            labels: labels("t2", "backend"),
            bindings: { "8000/tcp": bind(9101), "9000/udp": bind(9102), "81/tcp": [{ HostIp: "", HostPort: "" }] },
        },
        {
            name: "t2_frontbase-edge-1",
            state: "running",
            labels: labels("t2", "edge"),
            bindings: { "3002/tcp": bind(9103) },
            health: "healthy",
        },
        { name: "unrelated-nginx", state: "created", bindings: { "80/tcp": bind(9104, "127.0.0.1") } },
        { name: "me_frontbase-frontend-1", state: "exited", labels: labels("me", "frontend"), bindings: { "80/tcp": bind(9105) } },
        { name: "me_frontbase-redis-http-1", state: "running", labels: labels("me", "redis-http"), bindings: { "80/tcp": bind(9106) } },
    ]);
});
afterAll(async () => {
    await engine.close();
});

function project(files: Record<string, string>): string {
    const dir = tempDir("hoststate");
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
}

describe("readHostState", () => {
    it("holds every published TCP port of other containers, stopped ones from their bindings, with their owner", async () => {
        const s = await readHostState({ dockerHost: engine.host, tenant: "me", ledgerFile: null, procRoot: "/nonexistent" });
        expect(s.holders.get(9101)).toEqual([
            { kind: "container", tenant: "t2", service: "backend", container: "t2_frontbase-backend-1", state: "exited", address: "" },
        ]);
        expect(s.holders.get(9103)?.[0]).toMatchObject({ container: "t2_frontbase-edge-1", state: "running" });
        expect(s.holders.get(9104)?.[0]).toMatchObject({
            kind: "container",
            container: "unrelated-nginx",
            state: "created",
            tenant: undefined,
        });
        expect(describeHolder(s.holders.get(9101)![0])).toBe("container t2_frontbase-backend-1 of tenant t2 (backend), exited");
        // UDP is not a TCP conflict; an empty HostPort is Docker's pick at start, not a reservation.
        expect(s.holders.has(9102)).toBe(false);
    });

    it("treats the tenant's own containers as its own (sticky), running or stopped", async () => {
        const s = await readHostState({ dockerHost: engine.host, tenant: "me", ledgerFile: null, procRoot: "/nonexistent" });
        expect(s.holders.has(9105)).toBe(false);
        expect(s.holders.has(9106)).toBe(false);
        expect(s.own.containers).toEqual({ frontend: 9105, redisHttp: 9106 });
        expect([...s.own.bound]).toEqual([9106]);
        // Seen by anyone else, they are taken.
        const other = await readHostState({ dockerHost: engine.host, tenant: "t2", ledgerFile: null, procRoot: "/nonexistent" });
        expect(other.holders.get(9105)?.[0]).toMatchObject({ tenant: "me", state: "exited" });
    });

    it("holds other tenants' pinned ports and every file's reserved ports; its own stack file's pins are previous", async () => {
        const dir = project({
            "Pulumi.t3.yaml": "config:\n  frontbase:ports:\n    backend: 9201\n    edge: 9202\n  frontbase:reservedPorts: [9299]\n",
            "Pulumi.broken.yaml": "config:\n  frontbase:databse: oops\n  frontbase:ports:\n    frontend: 9203\n",
            "Pulumi.mine.yaml": "config:\n  frontbase:tenant: me\n  frontbase:ports:\n    backend: 9204\n",
        });
        const s = await readHostState({
            dockerHost: engine.host,
            tenant: "me",
            projectDir: dir,
            reservedPorts: [9298],
            ledgerFile: null,
            procRoot: "/nonexistent",
        });
        expect(s.holders.get(9201)).toEqual([
            { kind: "stack-file", tenant: "t3", service: "backend", file: path.join(dir, "Pulumi.t3.yaml") },
        ]);
        // A file with a problem elsewhere still pins its ports.
        expect(s.holders.get(9203)?.[0]).toMatchObject({ tenant: "broken", service: "frontend" });
        expect(s.holders.get(9299)).toEqual([{ kind: "reserved", file: path.join(dir, "Pulumi.t3.yaml") }]);
        expect(s.holders.get(9298)).toEqual([{ kind: "reserved", file: undefined }]);
        expect(s.holders.has(9204)).toBe(false);
        expect(previousPorts(s.own)).toEqual({ backend: 9204, frontend: 9105, redisHttp: 9106 });
    });

    it("on a swarm node: another node's stack files hold nothing, unless published through the mesh or read for a mesh tenant", async () => {
        const swarm = (tenant: string, node: string, port: number, mode = "host") =>
            `config:\n  frontbase:tenant: ${tenant}\n  frontbase:target: swarm\n  frontbase:node: ${node}\n  frontbase:publishMode: ${mode}\n  frontbase:ports:\n    backend: ${port}\n`;
        const dir = project({
            "Pulumi.s2.yaml": swarm("s2", "node-2", 9301),
            "Pulumi.mesh.yaml": swarm("mesh", "node-2", 9302, "ingress"),
            "Pulumi.me.yaml": swarm("me", "node-2", 9303),
        });
        const read = (ingress: boolean) =>
            readHostState({
                dockerHost: engine.host,
                tenant: "me",
                projectDir: dir,
                docker: null,
                ledgerFile: null,
                node: { id: "n1", hostname: "node-1", ingress },
            });
        const host = await read(false);
        expect([host.holders.has(9301), host.holders.get(9302)?.[0]?.tenant, host.own.stackFile]).toEqual([
            false,
            "mesh",
            { backend: 9303 },
        ]);
        const mesh = await read(true);
        expect([mesh.holders.get(9301)?.[0]?.tenant, mesh.holders.get(9302)?.[0]?.tenant]).toEqual(["s2", "mesh"]);
    });

    it("refuses to guess around a stack file that is not YAML", async () => {
        const dir = project({ "Pulumi.bad.yaml": "config: [unclosed\n" });
        await expect(readHostState({ dockerHost: engine.host, projectDir: dir, ledgerFile: null })).rejects.toThrow(
            /Pulumi\.bad\.yaml: not valid YAML/,
        );
    });

    it("lenient (for reports): a stack file that is not YAML is listed as unreadable, the rest is still read", async () => {
        const dir = project({
            "Pulumi.bad.yaml": "config: [unclosed\n",
            "Pulumi.t3.yaml": "config:\n  frontbase:ports:\n    backend: 9211\n",
        });
        const s = await readHostState({
            dockerHost: engine.host,
            projectDir: dir,
            ledgerFile: null,
            procRoot: "/nonexistent",
            lenient: true,
        });
        expect(s.unreadable).toEqual([{ file: path.join(dir, "Pulumi.bad.yaml"), problem: expect.stringMatching(/^not valid YAML/) }]);
        expect(s.stackFiles.map((f) => path.basename(f.file))).toEqual(["Pulumi.t3.yaml"]);
        expect(s.holders.get(9211)?.[0]).toMatchObject({ kind: "stack-file", tenant: "t3" });
        expect(s.holders.get(9101)?.[0]).toMatchObject({ kind: "container", tenant: "t2" });
        // Strict (the default) has nothing to list: it fails instead, as above.
        const fine = await readHostState({ dockerHost: engine.host, projectDir: project({}), ledgerFile: null, procRoot: "/nonexistent" });
        expect(fine.unreadable).toEqual([]);
    });

    it("holds what the ledger recorded: stack files of other checkouts and recent `pulumi up` picks", async () => {
        const elsewhere = project({ "Pulumi.far.yaml": "config:\n  frontbase:ports:\n    backend: 9301\n" });
        const ledger = path.join(tempDir("ledger"), "l.json");
        const now = Date.now();
        await recordAllocation(ledger, {
            tenant: "far",
            ports: { backend: 1 },
            file: path.join(elsewhere, "Pulumi.far.yaml"),
            at: now,
            by: "tenant new",
        });
        await recordAllocation(ledger, { tenant: "up", ports: { edge: 9302 }, at: now, by: "pulumi up" });
        await recordAllocation(ledger, { tenant: "old", ports: { edge: 9303 }, at: now - 2 * 3600_000, by: "pulumi up" });
        await recordAllocation(ledger, {
            tenant: "gone",
            ports: { edge: 9304 },
            file: path.join(elsewhere, "Pulumi.gone.yaml"),
            at: now,
            by: "tenant new",
        });
        await recordAllocation(ledger, { tenant: "me", ports: { edge: 9305 }, at: now, by: "pulumi up" });
        const s = await readHostState({ dockerHost: engine.host, tenant: "me", ledgerFile: ledger, procRoot: "/nonexistent" });
        // The file's current pins count, not what was recorded when it was written.
        expect(s.holders.get(9301)?.[0]).toMatchObject({ kind: "stack-file", tenant: "far" });
        expect(s.holders.has(1)).toBe(false);
        expect(s.holders.get(9302)?.[0]).toMatchObject({ kind: "ledger", tenant: "up", service: "edge" });
        expect(s.holders.has(9303)).toBe(false);
        expect(s.holders.has(9304)).toBe(false);
        expect(s.own.ledger).toEqual({ edge: 9305 });
    });

    it("holds local listeners, except where the tenant's own running container is the listener", async () => {
        const base = await freeBlock(2);
        const servers = [await listen(base), await listen(base + 1)];
        const ownEngine = await startFakeEngine([
            { name: "me_frontbase-edge-1", state: "running", labels: labels("me", "edge"), bindings: { "3002/tcp": bind(base + 1) } },
        ]);
        try {
            const s = await readHostState({ dockerHost: ownEngine.host, tenant: "me", ledgerFile: null });
            expect(s.listeners).toBe("read");
            expect(s.holders.get(base)?.[0]).toMatchObject({ kind: "listener", address: "127.0.0.1" });
            expect(s.holders.has(base + 1)).toBe(false);
            const remote = await readHostState({ dockerHost: "tcp://192.0.2.1:2375", docker: null, ledgerFile: null });
            expect(remote.listeners).toBe("remote");
            expect(remote.holders.has(base)).toBe(false);
        } finally {
            await ownEngine.close();
            await closeAll(servers);
        }
    });

    it("names the engine that does not answer", async () => {
        await expect(readHostState({ dockerHost: "unix:///nonexistent/docker.sock", ledgerFile: null })).rejects.toThrow(
            "the Docker Engine at unix:///nonexistent/docker.sock does not answer",
        );
    });
});
