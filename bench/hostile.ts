// How fast hostile input is refused (issue 13; the unit tests assert the behaviour: no full read
// of an oversized stack file, no wait for a forged lock): a 14 MB stack file refused by
// readStackFile (10.6 s and 1.3 GB before the size limit), and a lock forged by a pid-1 holder
// dated in the year 2286 broken by acquireLock (it once waited out the whole timeout).
import { rmSync, writeFileSync } from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { acquireLock, hostFiles } from "../ports/lock";
import { readStackFile } from "../project/stackFiles";
import { repeat, tempDir } from "./fixtures";
import { Row } from "./report";

export async function hostileBench(runs: number): Promise<Row[]> {
    const dir = tempDir("hostile");
    try {
        const big = path.join(dir, "Pulumi.big.yaml");
        writeFileSync(big, `config:\n${"  frontbase:x: y\n".repeat(900_000)}`);
        const bigFile: Row = {
            key: "hostile-big-file",
            name: "a 14 MB stack file refused (readStackFile)",
            group: "hostile",
            times: await repeat(runs, async () => {
                const t0 = performance.now();
                const refused = await readStackFile(big).then(
                    () => false,
                    (e: Error) => /at most \d+ bytes are allowed/.test(e.message),
                );
                if (!refused) throw new Error(`${big} was not refused for its size`);
                return performance.now() - t0;
            }),
        };
        const { lock } = hostFiles("unix:///nonexistent/docker.sock", path.join(dir, "locks"));
        const forgedLock: Row = {
            key: "hostile-forged-lock",
            name: "a forged lock (pid 1, year 2286) broken and taken (acquireLock)",
            group: "hostile",
            times: await repeat(runs, async () => {
                await (
                    await acquireLock(lock)
                )(); // the directory exists, as on a host
                writeFileSync(lock, JSON.stringify({ pid: 1, at: 10_000_000_000_000 }));
                const t0 = performance.now();
                const release = await acquireLock(lock, { timeoutMs: 5000 });
                const ms = performance.now() - t0;
                await release();
                return ms;
            }),
        };
        return [bigFile, forgedLock];
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}
