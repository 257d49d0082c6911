// The bench's `cli` group: the operator commands, timed from spawn to exit. With the 20-file
// project the run opens with, each as npm runs the package.json script, minus npm's own
// start-up; with 200 stack files (issue 24), `ls` and `check` three ways: minus npm, through a
// real `npm run tenant -- <command>` as an operator types it, and through package.json's bin
// (bin/frontbase-tenant, run by its path as a shell runs it from PATH).
import { existsSync, rmSync } from "fs";
import * as path from "path";
import { pinnedFleet, tenantCommand, timed, Timed } from "./fixtures";
import type { Row } from "./report";

export interface Checkout {
    readonly label: string;
    readonly dir: string;
    readonly tenant: ReturnType<typeof tenantCommand>;
}

/** Times `once` for each checkout `only` accepts (all when not given): the row with their times. */
export type Scenario = (row: Omit<Row, "times">, once: (c: Checkout) => Promise<number>, only?: (c: Checkout) => boolean) => Promise<void>;

export async function command(
    tenant: ReturnType<typeof tenantCommand>,
    args: string[],
    env: NodeJS.ProcessEnv,
    okCodes: readonly number[],
): Promise<number> {
    const r = await tenant(args, env);
    if (!okCodes.includes(r.code ?? -1)) throw new Error(`tenant ${args.join(" ")} exited ${r.code}:\n${r.out}${r.err}`);
    return r.ms;
}

/** `npm run tenant -- <args>` in the checkout, npm included, as an operator types it. */
function npmRun(dir: string): (args: readonly string[], env: NodeJS.ProcessEnv) => Promise<Timed> {
    return (args, env) => timed("npm", ["run", "tenant", "--", ...args], { cwd: dir, env });
}

/** The checkout's bin/frontbase-tenant, by its path, from the checkout. */
function binRun(dir: string): (args: readonly string[], env: NodeJS.ProcessEnv) => Promise<Timed> {
    return (args, env) => timed(path.join(dir, "bin", "frontbase-tenant"), args, { cwd: dir, env });
}

const hasBin = (c: Checkout) => existsSync(path.join(c.dir, "bin", "frontbase-tenant"));

export async function cliBench(scenario: Scenario, env: NodeJS.ProcessEnv, fleet: Awaited<ReturnType<typeof pinnedFleet>>): Promise<void> {
    const port = String(fleet.ports[0].backend);
    for (const [key, args] of [
        ["ls", ["ls"]],
        ["check", ["check"]],
        ["status", ["status", "tenant1"]],
        ["why-port", ["why-port", port]],
    ] as const) {
        await scenario({ key, name: `tenant ${args.join(" ")}, 20 stack files`, group: "cli" }, (c) =>
            command(c.tenant, [...args], env, [0, 3]),
        );
    }
    const big = await pinnedFleet(200);
    const bigEnv = { ...env, FRONTBASE_PROJECT_DIR: big.dir };
    try {
        for (const name of ["ls", "check"]) {
            const run = (how: (c: Checkout) => ReturnType<typeof tenantCommand>) => (c: Checkout) => command(how(c), [name], bigEnv, [0]);
            await scenario(
                { key: `${name}-200`, name: `tenant ${name}, 200 stack files, minus npm`, group: "cli" },
                run((c) => c.tenant),
            );
            await scenario(
                { key: `${name}-200-npm`, name: `npm run tenant -- ${name}, 200 stack files`, group: "cli" },
                run((c) => npmRun(c.dir)),
            );
            await scenario(
                { key: `${name}-200-bin`, name: `bin/frontbase-tenant ${name}, 200 stack files`, group: "cli" },
                run((c) => binRun(c.dir)),
                hasBin,
            );
        }
    } finally {
        rmSync(big.dir, { recursive: true, force: true });
    }
}
