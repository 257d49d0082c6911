// The suspend group of `npm run bench` (opt-in: `--only suspend`): one real sqlite tenant (the real
// images, healthInterval 2, deployed through the engine double), suspended and resumed through the
// commands an operator runs (`tenant suspend` / `tenant resume`, in this process, their `pulumi up`
// the engine double's on the stack file as the command wrote it). Timed: from the command's start
// until none of the tenant's containers runs (its memory freed), the suspend command whole, and the
// resume command whole (it exits 0 only once every service is healthy). Targets from issue 25.
import { promises as fs } from "fs";
import * as path from "path";
import { performance } from "perf_hooks";
import { run as runCli } from "../cli/main";
import { TENANT_LABEL } from "../components/naming";
import { dockerClient } from "../docker/dockerHost";
import { readStackFile, writeStackFile } from "../project/stackFiles";
import { createContext } from "../tenants/context";
import { destroy, up } from "../test/engine/engine";
import { REAL_TENANT_IMAGES } from "../test/images/frontbase";
import { freePorts, REPO, tempDir } from "./fixtures";

export interface SuspendRow {
    readonly key: string;
    readonly name: string;
    readonly times: number[];
}

const TENANT = "benchsusp";

export async function suspendBench(runs: number): Promise<SuspendRow[]> {
    const docker = dockerClient();
    const dir = tempDir("susp");
    const stateDir = tempDir("susp-state");
    const [backend, edge, frontend, redisHttp] = await freePorts(4, 19600);
    await fs.writeFile(path.join(dir, "Pulumi.yaml"), "name: frontbase\nruntime: nodejs\n");
    await writeStackFile(dir, TENANT, {
        "frontbase:tenant": TENANT,
        "frontbase:database": "sqlite",
        "frontbase:ports": { backend, edge, frontend, redisHttp },
    });
    /** What `pulumi up` hands the program: the stack file as it is now, plus the test images on loopback. */
    const engine = async () => ({
        projectDir: REPO,
        stack: TENANT,
        stateDir,
        config: {
            ...(await readStackFile(path.join(dir, `Pulumi.${TENANT}.yaml`))).config,
            "frontbase:images": JSON.stringify(REAL_TENANT_IMAGES),
            "frontbase:bindAddress": "127.0.0.1",
            "frontbase:healthInterval": "2",
            "frontbase:purgeDataOnDestroy": "true",
        },
    });
    const running = async () =>
        (await docker.listContainers({ filters: { label: [`${TENANT_LABEL}=${TENANT}`], status: ["running"] } })).length;
    const command = async (argv: string[]): Promise<number> => {
        let out = "";
        const ctx = createContext({
            projectDir: dir,
            lockDir: process.env.FRONTBASE_LOCK_DIR,
            io: { out: (s) => void (out += `${s}\n`), err: (s) => void (out += `${s}\n`) },
            pulumi: async () => (await up(await engine()), 0),
        });
        const started = performance.now();
        const code = await runCli(argv, ctx);
        const ms = performance.now() - started;
        if (code !== 0) throw new Error(`tenant ${argv.join(" ")} exited ${code}:\n${out}`);
        return ms;
    };
    const rows = { freed: [] as number[], suspend: [] as number[], resume: [] as number[] };
    // The program (in the runner, which inherits this environment) and the commands see one lock directory.
    const savedLockDir = process.env.FRONTBASE_LOCK_DIR;
    process.env.FRONTBASE_LOCK_DIR = path.join(stateDir, "locks");
    try {
        console.error(`  deploying ${TENANT} (real images)`);
        await up(await engine());
        if ((await running()) !== 5) throw new Error(`${TENANT}: ${await running()} of 5 containers run after its deploy`);
        for (let i = 0; i < runs; i++) {
            console.error(`  suspend and resume, run ${i + 1} of ${runs}`);
            const started = performance.now();
            // Polled beside the command, every 100 ms, until nothing of the tenant runs.
            const freed = (async () => {
                while ((await running()) > 0) {
                    if (performance.now() - started > 120_000) throw new Error(`${TENANT}: still running 120 s after suspend began`);
                    await new Promise((r) => setTimeout(r, 100));
                }
                return performance.now() - started;
            })();
            rows.suspend.push(await command(["suspend", TENANT]));
            rows.freed.push(await freed);
            rows.resume.push(await command(["resume", TENANT]));
        }
        return [
            { key: "suspend-freed", name: "suspend of a real tenant: until none of its containers runs", times: rows.freed },
            { key: "suspend", name: "  tenant suspend, whole (pulumi up + status)", times: rows.suspend },
            { key: "resume", name: "tenant resume of a real tenant, to every service healthy", times: rows.resume },
        ];
    } finally {
        await destroy(await engine()).catch((e) => console.error(`bench: destroy of ${TENANT}: ${(e as Error).message}`));
        if (savedLockDir === undefined) delete process.env.FRONTBASE_LOCK_DIR;
        else process.env.FRONTBASE_LOCK_DIR = savedLockDir;
        await fs.rm(stateDir, { recursive: true, force: true });
        await fs.rm(dir, { recursive: true, force: true });
    }
}
