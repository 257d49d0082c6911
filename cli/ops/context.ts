// The commands' entry points before cli/command.ts, `runStatus(argv, io, ctx)` and the like,
// kept for the tests written against them (test/integration, test/unit/gitops). They run the
// declared command exactly as cli/main does, minus main's catch: errors other than usage
// errors propagate. New code and new tests call invoke() or main's run() with a Context.
import { Command, invoke } from "../command";
import { Context, createContext, Io, PulumiRunner, Terminal } from "../../tenants/context";

/** The old context: what it does not name comes from the process (createContext). */
export type OpsContext = Partial<Context> & {
    readonly projectDir: string;
    readonly terminal: Terminal;
    readonly env: NodeJS.ProcessEnv;
};

export type LegacyRunner = (argv: string[], io: Io, ctx: OpsContext, pulumi?: PulumiRunner) => Promise<number>;

export function legacyRunner(command: Command): LegacyRunner {
    return (argv, io, ctx, pulumi) => invoke(command, argv, createContext({ ...ctx, io, ...(pulumi ? { pulumi } : {}) }));
}
