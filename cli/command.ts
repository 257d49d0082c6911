// The one shape of an operator command: a module that declares its name, summary, arguments,
// flags and `run`. The usage line, `--help` and the argument checks are generated from that
// declaration here, once: `--help`/`-h` prints the help and exits 0; a usage error prints its
// message and the usage line and exits 2, before `run` reads or changes anything.
import { Check, FlagSpec, flagUsage, parse, Parsed, UsageError } from "./args";
import type { Context } from "../tenants/context";
import { columns, indent } from "./table";

export interface ArgSpec {
    /** `tenant` is written `<tenant>` in the usage line, `[service]` when optional. */
    readonly name: string;
    readonly about: string;
    /** Only after the required ones. */
    readonly optional?: true;
    /** The last argument only: any number of values (`[stack...]`), each checked by `parse`. */
    readonly variadic?: true;
    /** Checks and converts the value; default: the text as given. */
    readonly parse?: Check<unknown>;
}

type OneValue<A> = A extends { parse: Check<infer T> } ? T : string;
type ArgValue<A> = A extends { variadic: true } ? OneValue<A>[] : OneValue<A> | (A extends { optional: true } ? undefined : never);
export type ArgsOf<A extends readonly ArgSpec[]> = { [E in A[number] as E["name"]]: ArgValue<E> };

export interface Invocation<A extends readonly ArgSpec[], F extends Record<string, FlagSpec>> {
    readonly args: ArgsOf<A>;
    readonly flags: Parsed<F>["flags"];
}

export interface CommandSpec<A extends readonly ArgSpec[], F extends Record<string, FlagSpec>> {
    /** As typed after `npm run tenant --`; also the module's file name in cli/commands/. */
    readonly name: string;
    /** One line, for `npm run tenant -- help`. */
    readonly summary: string;
    readonly args: A;
    readonly flags: F;
    /** Flags of which exactly one must be given (`--base` or `--all`). */
    readonly exactlyOne?: readonly (keyof F & string)[];
    /** Printed at the end of --help: exit codes, what the command reads and changes. */
    readonly notes?: string;
    /** How it is typed before its arguments, when it is a script of its own: `npm run dashboard --`. Default: `npm run tenant -- <name>`. */
    readonly invokedAs?: string;
    /**
     * Changes nothing (it only reads, or prints), always or with these flags (`new --dry-run`):
     * not written to the audit trail. Every call that does not say so is audited by the
     * dispatcher (cli/main.ts), new commands included.
     */
    readonly readOnly?: true | ((flags: Invocation<A, F>["flags"]) => boolean);
    /** Runs with checked arguments; returns the exit code. A UsageError thrown here is still a usage error. */
    run(call: Invocation<A, F>, ctx: Context): Promise<number>;
}

/** A declared command, as the registry and the dispatcher see it. */
export interface Command extends CommandSpec<readonly ArgSpec[], Record<string, FlagSpec>> {
    /** `logs <tenant> [service] [--follow] [--tail N|all] [--timestamps]` */
    readonly usage: string;
}

type AnySpec = CommandSpec<readonly ArgSpec[], Record<string, FlagSpec>>;

export function defineCommand<const A extends readonly ArgSpec[], const F extends Record<string, FlagSpec>>(
    spec: CommandSpec<A, F>,
): Command {
    const any = spec as unknown as AnySpec;
    return { ...any, usage: usageLine(any) };
}

/** Runs a command: help and usage errors are answered here; any other error propagates (cli/main prints it, exit 1). */
export async function invoke(command: Command, argv: readonly string[], ctx: Context): Promise<number> {
    if (asksForHelp(argv)) {
        ctx.io.out(helpText(command));
        return 0;
    }
    try {
        return await command.run(parseCall(command, argv), ctx);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        ctx.io.err(`${e.message}\n${usageText(command)}`);
        return 2;
    }
}

/**
 * What the audit trail records of a call: the tenant it names (its `<tenant>`, `<name>` or
 * `<stack>` argument) and the options given, by name; undefined when the call changes nothing: a read-only
 * command or call, or a usage error.
 */
export function callSummary(command: Command, argv: readonly string[]): { tenant: string | null; flags: string[] } | undefined {
    try {
        const { args, flags } = parseCall(command, argv);
        if (command.readOnly === true || command.readOnly?.(flags)) return undefined;
        const a = args as Record<string, unknown>;
        const named = a.tenant ?? a.name ?? a.stack;
        const given = Object.entries(flags).filter(([, v]) => v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0));
        return { tenant: typeof named === "string" ? named : null, flags: given.map(([k]) => `--${k}`) };
    } catch (e) {
        if (e instanceof UsageError) return undefined;
        throw e;
    }
}

/** `--help` or `-h` before any `--`. No flag of any command takes a value starting with a dash and an `h`. */
export function asksForHelp(argv: readonly string[]): boolean {
    const end = argv.indexOf("--");
    return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === "--help" || a === "-h");
}

/** The checked arguments and flags of `argv`, or a UsageError; nothing is run. */
export function parseCall(command: Command, argv: readonly string[]): Parameters<Command["run"]>[0] {
    const { positionals, flags } = parse(argv, command.flags, command.args.map(argUsage));
    const check = (a: ArgSpec, v: string) => (a.parse ? a.parse(v, argUsage(a)) : v);
    const args = Object.fromEntries(
        command.args.map((a, i) => [
            a.name,
            a.variadic ? positionals.slice(i).map((v) => check(a, v)) : positionals[i] === undefined ? undefined : check(a, positionals[i]),
        ]),
    );
    const group = command.exactlyOne;
    if (group && group.filter((name) => flags[name] !== undefined && flags[name] !== false).length !== 1) {
        throw new UsageError(`give exactly one of ${group.map((name) => flagUsage(name, command.flags[name])).join(" or ")}`);
    }
    return { args: args as Parameters<Command["run"]>[0]["args"], flags };
}

function argUsage(a: ArgSpec): string {
    return a.variadic ? `[${a.name}...]` : a.optional ? `[${a.name}]` : `<${a.name}>`;
}

function usageLine(spec: AnySpec): string {
    const group = spec.exactlyOne ?? [];
    const parts = [spec.name, ...spec.args.map(argUsage)];
    for (const [name, f] of Object.entries(spec.flags)) {
        const many = f.kind === "value" && f.multiple ? "..." : "";
        if (group.includes(name)) {
            if (name === group[0]) parts.push(`(${group.map((g) => flagUsage(g, spec.flags[g])).join(" | ")})`);
        } else if (f.kind === "value" && f.required) parts.push(`${flagUsage(name, f)}${many}`);
        else parts.push(`[${flagUsage(name, f)}${many}]`);
    }
    return parts.join(" ");
}

/** `usage: npm run tenant -- logs <tenant> ...`, or as the command's own script is typed. */
export function usageText(command: Command): string {
    if (command.invokedAs === undefined) return `usage: npm run tenant -- ${command.usage}`;
    return `usage: ${command.invokedAs} ${command.usage.slice(command.name.length).trim()}`.trimEnd();
}

/** What `<command> --help` prints: usage, summary, arguments, options, notes. */
export function helpText(command: Command): string {
    const rows = [
        ...command.args.map((a) => [argUsage(a), a.about]),
        ...Object.entries(command.flags).map(([name, f]) => [flagUsage(name, f), f.kind === "value" ? `${f.about} (${f.help})` : f.about]),
        ["-h, --help", "print this help"],
    ];
    const table = columns(rows).split("\n");
    const args = table.slice(0, command.args.length);
    const options = table.slice(command.args.length);
    return [
        usageText(command),
        "",
        command.summary,
        ...(args.length ? ["", "arguments:", indent(args.join("\n"))] : []),
        "",
        "options:",
        indent(options.join("\n")),
        ...(command.notes ? ["", command.notes] : []),
    ].join("\n");
}
