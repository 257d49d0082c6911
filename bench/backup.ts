// The backup group of `npm run bench` (`--only backup`): a real sqlite tenant (the real images,
// deployed through the engine double) grown to about 50 MB and then 500 MB of data in its
// database (random blobs: neither compressible nor deduplicable), timed through the CLI as an
// operator runs it: the first backup, a second of the unchanged tenant (how much it adds to the
// repository shows restic's deduplication), and a restore over the running tenant.
import { execFile } from "child_process";
import { rmSync, writeFileSync } from "fs";
import * as path from "path";
import { promisify } from "util";
import { dockerClient } from "../docker/dockerHost";
import { destroy, up } from "../test/engine/engine";
import { REAL_TENANT_IMAGES } from "../test/images/frontbase";
import { freePorts, REPO, tempDir, tenantCommand } from "./fixtures";

const run = promisify(execFile);

export interface BackupRow {
    readonly key: string;
    readonly name: string;
    readonly times: number[];
    readonly note?: string;
}

/** Why the group cannot run here, if it cannot: restic or the real images missing. */
export async function backupBenchProblem(): Promise<string | undefined> {
    if (
        (await run("sh", ["-c", "command -v restic"]).then(
            () => true,
            () => false,
        )) === false
    )
        return "restic is not installed (apt-get install restic)";
    const docker = dockerClient();
    for (const image of Object.values(REAL_TENANT_IMAGES)) {
        if (
            !(await docker
                .getImage(image)
                .inspect()
                .then(
                    () => true,
                    () => false,
                ))
        )
            return `image ${image} is missing (npm run images:test)`;
    }
    return undefined;
}

export async function backupBench(runs: number, env: NodeJS.ProcessEnv): Promise<BackupRow[]> {
    const tenant = "benchbk";
    const stateDir = tempDir("bk-state");
    const repoDir = tempDir("bk-restic");
    writeFileSync(path.join(repoDir, "password"), "bench only\n", { mode: 0o600 });
    const cli = tenantCommand(REPO);
    const bkEnv = { ...env, RESTIC_REPOSITORY: path.join(repoDir, "repo"), RESTIC_PASSWORD_FILE: path.join(repoDir, "password") };
    const [backend, edge, frontend, redisHttp] = await freePorts(4, 19500);
    const config = {
        "frontbase:tenant": tenant,
        "frontbase:ports": JSON.stringify({ backend, edge, frontend, redisHttp }),
        "frontbase:images": JSON.stringify(REAL_TENANT_IMAGES),
        "frontbase:bindAddress": "127.0.0.1",
        "frontbase:healthInterval": "2",
        "frontbase:purgeDataOnDestroy": "true",
    };
    const engine = { projectDir: REPO, stack: tenant, stateDir, config };
    const once = async (args: string[]): Promise<{ ms: number; out: string }> => {
        const r = await cli(args, bkEnv);
        if (r.code !== 0) throw new Error(`tenant ${args.join(" ")} exited ${r.code}:\n${r.out}${r.err}`);
        return { ms: r.ms, out: r.out };
    };
    const rows: BackupRow[] = [];
    try {
        console.error(`  deploying ${tenant} (real images)`);
        await up(engine);
        let mb = 0;
        for (const size of [50, 500]) {
            await grow(tenant, size - mb);
            mb = size;
            console.error(`  backup and restore at ${size} MB`);
            const first: number[] = [];
            const again: number[] = [];
            const restore: number[] = [];
            let added = "";
            for (let i = 0; i < runs; i++) {
                // A fresh repository per round: the first backup is a first one every time.
                rmSync(bkEnv.RESTIC_REPOSITORY, { recursive: true, force: true });
                first.push((await once(["backup", tenant, "--init"])).ms); // a repository RESTIC_REPOSITORY names is made only with --init
                const second = await once(["backup", tenant]);
                again.push(second.ms);
                added = /\(([\d.]+ [KM]iB) new\)/.exec(second.out)?.[1] ?? "?";
                restore.push((await once(["restore", tenant, "--force"])).ms);
            }
            rows.push(
                { key: `backup-${size}`, name: `backup, ${size} MB tenant (first)`, times: first },
                {
                    key: `backup-again-${size}`,
                    name: `backup, ${size} MB tenant, unchanged (second)`,
                    times: again,
                    note: `added ${added} to the repository`,
                },
                { key: `restore-${size}`, name: `restore --force, ${size} MB tenant, to healthy`, times: restore },
            );
        }
        return rows;
    } finally {
        await destroy(engine).catch((e) => console.error(`bench: destroy of ${tenant}: ${(e as Error).message}`));
        rmSync(stateDir, { recursive: true, force: true });
        rmSync(repoDir, { recursive: true, force: true });
    }
}

/** Adds `mb` MiB of random blobs to the tenant's real database, through sqlite3 in its backend. */
async function grow(tenant: string, mb: number): Promise<void> {
    const sql = `CREATE TABLE IF NOT EXISTS bench_blob(b BLOB); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ${mb}) INSERT INTO bench_blob SELECT randomblob(1048576) FROM c;`;
    await run("docker", ["exec", `${tenant}_frontbase-backend-1`, "sqlite3", "/app/data/frontbase.db", sql], { timeout: 600_000 });
}
