// `npm run bench`'s command line, apart from the bench so that the docs' test can check the
// command each quoted table was measured with (test/unit/docs/figures.test.ts) without running it.
import { Group, GROUPS, OPT_IN } from "./report";

export interface Options {
    readonly runs: number;
    readonly against?: string;
    readonly only: readonly Group[];
    readonly saveBaseline: boolean;
}

export function parseBenchArgs(argv: readonly string[]): Options {
    let runs = 10;
    let against: string | undefined;
    let only: Group[] = GROUPS.filter((g) => !OPT_IN.includes(g));
    let saveBaseline = false;
    for (let i = 0; i < argv.length; i++) {
        const value = () => argv[++i] ?? fail(`${argv[i - 1]} needs a value`);
        if (argv[i] === "--runs") runs = Number(value());
        else if (argv[i] === "--against") against = value();
        else if (argv[i] === "--save-baseline") saveBaseline = true;
        else if (argv[i] === "--only") only = value().split(",") as Group[];
        else fail(`unknown option ${argv[i]}`);
    }
    if (saveBaseline && !against) fail("--save-baseline needs --against REF");
    if (!Number.isInteger(runs) || runs < 1) fail("--runs must be a whole number above 0");
    const bad = only.filter((g) => !(GROUPS as readonly string[]).includes(g));
    if (bad.length > 0) fail(`--only: ${bad.join(", ")} is not one of ${GROUPS.join(", ")}`);
    return { runs, against, only, saveBaseline };
}

function fail(message: string): never {
    throw new Error(`${message}\nusage: npm run bench [-- --runs N] [--against REF [--save-baseline]] [--only ${GROUPS.join(",")}]`);
}
