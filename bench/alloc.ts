// The allocation alone (resolvePorts in this process), as the old bench timed it: lock, one read
// of the host, allocation, bind check, ledger write; idle, with 1,000 ports held, and for the
// 300th tenant (299 stack files).
import { rmSync, unlinkSync } from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { DEFAULT_PORT_RANGES } from "../components/config";
import { dockerClient } from "../docker/dockerHost";
import { hostFiles } from "../ports/lock";
import { resolvePorts } from "../ports/resolve";
import { holding, holdLow, pinnedFleet, repeat, tempDir } from "./fixtures";
import { Row } from "./report";

export async function allocationAlone(dockerHost: string, runs: number): Promise<Row[]> {
    const docker = dockerClient(dockerHost);
    const lockDir = path.join(tempDir("lock-alone"), "locks");
    const project = tempDir("empty");
    const once = async (i: number, projectDir = project) => {
        unlinkIfThere(hostFiles(dockerHost, lockDir).ledger); // each run is a new tenant
        const t0 = performance.now();
        await resolvePorts({
            tenant: `alone${i}`,
            dockerHost,
            docker,
            projectDir,
            ranges: DEFAULT_PORT_RANGES,
            maxRetries: 3,
            bindAddress: "0.0.0.0",
            by: "bench",
            lockDir,
        });
        return performance.now() - t0;
    };
    try {
        let i = 0;
        const idle: Row = {
            key: "alone-idle",
            name: "allocation alone (in-process), idle",
            group: "alloc",
            times: await repeat(runs, () => once(i++)),
        };
        const held = await holding(holdLow(1000), async (n): Promise<Row> => ({
            key: "alone-held",
            name: `allocation alone (in-process), ${n} held`,
            group: "alloc",
            times: await repeat(runs, () => once(i++)),
        }));
        const fleet = await pinnedFleet(299);
        try {
            const big = {
                key: "alone-fleet",
                name: "allocation alone (in-process), 300th tenant (299 stack files)",
                group: "alloc" as const,
                times: await repeat(runs, () => once(i++, fleet.dir)),
            };
            return [idle, held, big];
        } finally {
            rmSync(fleet.dir, { recursive: true, force: true });
        }
    } finally {
        rmSync(path.dirname(lockDir), { recursive: true, force: true });
        rmSync(project, { recursive: true, force: true });
    }
}

function unlinkIfThere(file: string): void {
    try {
        unlinkSync(file);
    } catch {
        // not there yet
    }
}
