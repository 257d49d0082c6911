// The rollout group of `npm run bench` (opt-in: `--only rollout`): N = 4 real sqlite tenants (the
// real images, healthInterval 2), deployed once, then moved by `tenant rollout --all` between two
// releases whose backend, edge and frontend differ (new image IDs), in waves 1,100%: once one stack
// at a time, once two at a time. Each move is timed whole (wall) and per tenant deployed (the
// rollout's own mean of backup-less up + verify + smoke). `pulumi up` is the engine double in a
// process of its own (test/integration/support/harnessPulumi.ts), as in the rollout suite.
import { releaseFleet } from "../test/integration/support/releaseFleet";
import { testTenant } from "../test/integration/support/tenants";
import { backupBenchProblem } from "./backup";

export const ROLLOUT_TENANTS = 4;

export interface RolloutRow {
    readonly key: string;
    readonly name: string;
    readonly times: number[];
    readonly note?: string;
}

/** Why the group cannot run here (the real images missing), if it cannot. */
export const rolloutBenchProblem = backupBenchProblem;

export async function rolloutBench(runs: number): Promise<RolloutRow[]> {
    const stacks = Array.from({ length: ROLLOUT_TENANTS }, (_, i) => testTenant(`bench${i}`)).sort();
    const saved = process.env.PULUMI_CONFIG_PASSPHRASE;
    process.env.PULUMI_CONFIG_PASSPHRASE = "bench only";
    const fleet = await releaseFleet(stacks);
    const rows = { p1: { wall: [] as number[], per: [] as number[] }, p2: { wall: [] as number[], per: [] as number[] } };
    try {
        const a = await fleet.tagRealImages(`bench-a-${stacks[0].slice(-6)}`);
        await fleet.variantOf(`bench-b-${stacks[0].slice(-6)}`, a);
        const [nameA, nameB] = Object.keys(fleet.releases);
        await fleet.declare(nameA);
        const first = await fleet.rollout(["--all", "--waves", "100%", "--parallel", "2", "--yes", "--json"]);
        if (first.code !== 0) throw new Error(`the first rollout failed:\n${first.err}`);
        let on = nameA;
        for (let i = 0; i < runs; i++) {
            for (const parallel of ["1", "2"] as const) {
                on = on === nameA ? nameB : nameA;
                await fleet.declare(on);
                const r = await fleet.rollout(["--all", "--waves", "1,100%", "--parallel", parallel, "--yes", "--json"]);
                if (r.code !== 0) throw new Error(`the rollout to ${on} failed:\n${r.err}`);
                const row = parallel === "1" ? rows.p1 : rows.p2;
                row.wall.push(r.json.wallMs);
                row.per.push(r.json.perStackMs!);
            }
        }
    } finally {
        await fleet.cleanup();
        if (saved === undefined) delete process.env.PULUMI_CONFIG_PASSPHRASE;
        else process.env.PULUMI_CONFIG_PASSPHRASE = saved;
    }
    const n = ROLLOUT_TENANTS;
    return [
        { key: "rollout-p1", name: `rollout of ${n} real tenants to a new release, waves 1,100%, --parallel 1: wall`, times: rows.p1.wall },
        { key: "rollout-p1-each", name: `  per tenant (up + verify + smoke)`, times: rows.p1.per },
        { key: "rollout-p2", name: `rollout of ${n} real tenants, --parallel 2: wall`, times: rows.p2.wall },
        { key: "rollout-p2-each", name: `  per tenant (up + verify + smoke)`, times: rows.p2.per },
    ];
}
