// `npm run tenant -- <command> ...`: operator commands for the tenants on one Docker host.
// The context is built here, once, from the process; everything below reads only it.
import { appendAudit, checkAuditable, trailExists, unixActor } from "../tenants/audit";
import { asksForHelp, callSummary, invoke } from "./command";
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
    // Every command that may change something is written to the audit trail, by name, tenant,
    // options and outcome; one the trail could not record is not run. Help and usage errors change nothing.
    const audited = asksForHelp(rest) ? undefined : callSummary(command, rest);
    if (audited) {
        try {
            await checkAuditable(ctx.lockDir);
        } catch (e) {
            ctx.io.err(`tenant ${name}: refusing to run: the audit trail cannot be written (${(e as Error).message})`);
            return 1;
        }
    }
    const hadTrail = trailExists(ctx.lockDir);
    let code: number;
    try {
        code = await invoke(command, rest, ctx);
    } catch (e) {
        ctx.io.err(`tenant ${name}: ${(e as Error).message}`);
        code = 1;
    }
    if (audited && code !== 2) {
        const line = { time: new Date(ctx.now()).toISOString(), actor: unixActor(ctx.env), via: "cli" as const, command: name, ...audited };
        await appendAudit(ctx.lockDir, { ...line, outcome: code === 0 ? "ok" : "failed", code }, hadTrail).catch((e: Error) => {
            ctx.io.err(`tenant ${name}: done, but its audit line could not be written: ${e.message}`);
            code ||= 1;
        });
    }
    return code;
}

/** The process's entry: its context, with `io` (and anything in `given`) replaced. */
export function main(argv: readonly string[], io?: Io, given: Partial<Context> = {}): Promise<number> {
    return run(argv, createContext({ ...given, ...(io ? { io } : {}) }));
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
