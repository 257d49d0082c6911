// `npm run tenant -- <command> ...`: operator commands for the tenants on one Docker host.
// The context is built here, once, from the process; everything below reads only it.
import { invoke } from "./command";
import { Context, createContext, Io } from "../tenants/context";
import { loadCommand, overview } from "./registry";

export type { Io } from "../tenants/context";

/** Dispatches `argv` (command name first) in `ctx`: the exit code, never a throw. */
export async function run(argv: readonly string[], ctx: Context): Promise<number> {
    const [name, ...rest] = argv;
    if (name === "help" && rest.length > 0 && loadCommand(rest[0])) return run([rest[0], "--help"], ctx);
    if (name === undefined || name === "help" || name === "--help" || name === "-h") {
        ctx.io.out(await overview());
        return name === undefined ? 2 : 0;
    }
    const load = loadCommand(name);
    if (!load) {
        ctx.io.err(`unknown command "${name}"\n\n${await overview()}`);
        return 2;
    }
    const command = await load;
    try {
        return await invoke(command, rest, ctx);
    } catch (e) {
        ctx.io.err(`tenant ${name}: ${(e as Error).message}`);
        return 1;
    }
}

/** The process's entry: its context, with `io` (and anything in `given`) replaced. */
export function main(argv: readonly string[], io?: Io, given: Partial<Context> = {}): Promise<number> {
    return run(argv, createContext({ ...given, ...(io ? { io } : {}) }));
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
