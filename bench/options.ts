// `npm run bench`'s command line, apart from the bench so that the docs' test can check the
// command each quoted table was measured with (test/unit/docs/figures.test.ts) without running it.
import { Group, GROUPS, OPT_IN } from "./report";

export interface Options {
    readonly runs: number;
    readonly against?: string;
    readonly only: readonly Group[];
    readonly saveBaseline: boolean;
    /** The fleet group's sizes (bench/fleet.ts). */
    readonly fleet: { readonly tenants: number; readonly idleTenants: number; readonly idleSeconds: number; readonly parallel?: number };
}

export function parseBenchArgs(argv: readonly string[]): Options {
    let runs = 10;
    let against: string | undefined;
    let only: Group[] = GROUPS.filter((g) => !OPT_IN.includes(g));
    let saveBaseline = false;
    const fleet = { tenants: 40, idleTenants: 20, idleSeconds: 300, parallel: undefined as number | undefined };
    const whole = (flag: string, v: string, min: number) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < min) fail(`${flag} must be a whole number of at least ${min}`);
        return n;
    };
    for (let i = 0; i < argv.length; i++) {
        const value = () => argv[++i] ?? fail(`${argv[i - 1]} needs a value`);
        if (argv[i] === "--runs") runs = Number(value());
        else if (argv[i] === "--against") against = value();
        else if (argv[i] === "--save-baseline") saveBaseline = true;
        else if (argv[i] === "--only") only = value().split(",") as Group[];
        else if (argv[i] === "--tenants") fleet.tenants = whole("--tenants", value(), 1);
        else if (argv[i] === "--idle-tenants") fleet.idleTenants = whole("--idle-tenants", value(), 1);
        else if (argv[i] === "--idle-seconds") fleet.idleSeconds = whole("--idle-seconds", value(), 10);
        else if (argv[i] === "--parallel") fleet.parallel = whole("--parallel", value(), 1);
        else fail(`unknown option ${argv[i]}`);
    }
    if (saveBaseline && !against) fail("--save-baseline needs --against REF");
    if (!Number.isInteger(runs) || runs < 1) fail("--runs must be a whole number above 0");
    const bad = only.filter((g) => !(GROUPS as readonly string[]).includes(g));
    if (bad.length > 0) fail(`--only: ${bad.join(", ")} is not one of ${GROUPS.join(", ")}`);
    if (fleet.idleTenants > fleet.tenants) fail("--idle-tenants cannot be more than --tenants");
    return { runs, against, only, saveBaseline, fleet };
}

function fail(message: string): never {
    throw new Error(
        `${message}\nusage: npm run bench [-- --runs N] [--against REF [--save-baseline]] [--only ${GROUPS.join(",")}]\n  fleet group: [--tenants 40] [--idle-tenants 20] [--idle-seconds 300] [--parallel K]`,
    );
}
