// Read-decide-check-write with real sockets held on loopback: the allocator steps around
// them, with a socket table, without one (bind probes), and when the table is stale (retries).
import { mkdirSync, writeFileSync } from "fs";
import type * as net from "net";
import * as path from "path";
import { afterEach, describe, expect, it } from "vitest";
import { readLedger } from "../../../ports/ledger";
import { acquireLock, hostFiles } from "../../../ports/lock";
import { PortExhaustedError } from "../../../ports/allocate";
import { PortBusyError, resolvePorts, ResolveOptions } from "../../../ports/resolve";
import { closeAll, freeBlock, listen, sameRange } from "../../support/sockets";
import { tempDir } from "../../support/temp";
import { nothingWritten } from "../../support/unchanged";

const held: net.Server[] = [];
afterEach(() => closeAll(held.splice(0)));

const temp = (p: string) => tempDir(p);

/** No engine (docker: null) on a local host: listeners are read, containers are not. */
function options(base: number, extra: Partial<ResolveOptions> = {}): ResolveOptions {
    return {
        tenant: "t1",
        dockerHost: `unix://${temp("host-")}/docker.sock`,
        docker: null,
        ranges: sameRange(base, base + 40),
        maxRetries: 3,
        bindAddress: "0.0.0.0",
        by: "test",
        lockDir: temp("lock-"),
        ...extra,
    };
}

async function hold(from: number, count: number): Promise<void> {
    for (let p = from; p < from + count; p++) held.push(await listen(p));
}

/** A /proc with a readable but empty socket table: the scan sees no listener at all. */
function staleProc(): string {
    const root = temp("stale-proc-");
    mkdirSync(path.join(root, "net"));
    writeFileSync(
        path.join(root, "net/tcp"),
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n",
    );
    return root;
}

describe("resolvePorts", () => {
    it("steps around ports held on loopback, in one scan", async () => {
        const base = await freeBlock(14);
        await hold(base, 10);
        const r = await resolvePorts(options(base));
        expect(r.ports).toEqual({ backend: base + 10, edge: base + 11, frontend: base + 12, redisHttp: base + 13 });
        expect(r.attempts).toBe(1);
    });

    it("without a socket table, finds the held ports by binding, without spending retries", async () => {
        const base = await freeBlock(14);
        await hold(base, 10);
        const r = await resolvePorts(options(base, { procRoot: temp("no-proc-"), maxRetries: 0 }));
        expect(r.state.listeners).toBe("unavailable");
        expect(r.ports).toEqual({ backend: base + 10, edge: base + 11, frontend: base + 12, redisHttp: base + 13 });
        expect(r.attempts).toBeGreaterThan(1);
    });

    it("rescans when the bind check contradicts the scan, then fails after maxRetries naming port and service", async () => {
        const base = await freeBlock(12);
        await hold(base, 12);
        const log: string[] = [];
        const o = options(base, { procRoot: staleProc(), maxRetries: 1, log: (m) => log.push(m) });
        const err = await resolvePorts(o).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PortBusyError);
        // Scan 1 picked base..base+3 (all refused), scan 2 base+4..base+7 (refused again): give up.
        expect(err).toMatchObject({ port: base + 4, service: "backend" });
        expect((err as Error).message).toContain(
            `port ${base + 4} for backend is still in use: bind on 0.0.0.0:${base + 4} failed with EADDRINUSE after 2 scans (frontbase:maxRetries = 1)`,
        );
        expect(log).toEqual([
            `port(s) ${base} (EADDRINUSE), ${base + 1} (EADDRINUSE), ${base + 2} (EADDRINUSE), ${base + 3} (EADDRINUSE) refused a bind after the scan; rescanning`,
        ]);
        // Nothing recorded for a failed allocation.
        expect(await readLedger(hostFiles(o.dockerHost, o.lockDir).ledger)).toEqual([]);
    });

    it("fails on a full range naming the range and how many ports are held by what, never listing the holders", async () => {
        const base = await freeBlock(300);
        await hold(base, 290);
        const reservedPorts = Array.from({ length: 10 }, (_, i) => base + 290 + i);
        const o = options(base, { ranges: sameRange(base, base + 299), reservedPorts });
        const err = await resolvePorts(o).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(PortExhaustedError);
        expect((err as Error).message).toBe(
            `no free port for backend in its range ${base}-${base + 299}: all 300 port(s) are taken, 300 held (290 by listening processes, 10 by frontbase:reservedPorts); ` +
                "widen frontbase:portRanges.backend or free a port",
        );
        expect(await readLedger(hostFiles(o.dockerHost, o.lockDir).ledger)).toEqual([]);
    });

    it("records the decision in the host's ledger, so the next tenant steps around it before any container exists", async () => {
        const base = await freeBlock(8);
        const first = options(base);
        const a = await resolvePorts(first);
        const b = await resolvePorts({ ...first, tenant: "t2" });
        expect(a.ports).toEqual({ backend: base, edge: base + 1, frontend: base + 2, redisHttp: base + 3 });
        expect(b.ports).toEqual({ backend: base + 4, edge: base + 5, frontend: base + 6, redisHttp: base + 7 });
        // And t1 again keeps its ports: its ledger entry is its own.
        expect((await resolvePorts(first)).sources).toEqual({
            backend: "previous",
            edge: "previous",
            frontend: "previous",
            redisHttp: "previous",
        });
    });

    it("refuses to allocate around a stack file that is not YAML (its pins are unknown), and records nothing", async () => {
        const base = await freeBlock(4);
        const projectDir = temp("project-");
        writeFileSync(path.join(projectDir, "Pulumi.bad.yaml"), "config: [unclosed\n");
        const o = options(base, { projectDir });
        await expect(resolvePorts(o)).rejects.toThrow(/Pulumi\.bad\.yaml: not valid YAML/);
        expect(await readLedger(hostFiles(o.dockerHost, o.lockDir).ledger)).toEqual([]);
    });

    it("keeps pinned ports as given and does not bind-check them", async () => {
        const base = await freeBlock(4);
        await hold(base, 1);
        const r = await resolvePorts(options(base, { pinned: { backend: base } }));
        expect(r.ports).toEqual({ backend: base, edge: base + 1, frontend: base + 2, redisHttp: base + 3 });
        expect(r.sources.backend).toBe("pinned");
    });

    it("in a dry run takes no lock and records nothing", async () => {
        const base = await freeBlock(4);
        const o = options(base, { dryRun: true, commit: async () => "should not be called" });
        await (
            await acquireLock(hostFiles(o.dockerHost, o.lockDir).lock)
        )(); // the lock directory exists, as on a host
        const untouched = nothingWritten({ lockDir: o.lockDir });
        const r = await resolvePorts(o);
        expect(r.ports.backend).toBe(base);
        expect(r.file).toBeUndefined();
        untouched();
    });
});
