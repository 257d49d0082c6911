// `npm run tenant -- <command> ...`: operator commands for the tenants on one Docker host.
import { COMMANDS } from "./registry";

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
    const [name, ...rest] = argv;
    if (name === undefined || name === "help" || name === "--help" || name === "-h") {
        io.out(usage());
        return name === undefined ? 2 : 0;
    }
    const load = COMMANDS[name];
    if (!load) {
        io.err(`unknown command "${name}"\n\n${usage()}`);
        return 2;
    }
    const command = await load();
    try {
        return await command.run(rest, io);
    } catch (e) {
        io.err(`tenant ${name}: ${(e as Error).message}`);
        return 1;
    }
}

export interface Io {
    out(text: string): void;
    err(text: string): void;
}

export interface Command {
    /** One line: `new <name> [--database sqlite|postgres] ...` */
    readonly usage: string;
    run(argv: string[], io: Io): Promise<number>;
}

function processIo(): Io {
    return { out: (t) => void process.stdout.write(t.endsWith("\n") ? t : `${t}\n`), err: (t) => void process.stderr.write(t.endsWith("\n") ? t : `${t}\n`) };
}

function usage(): string {
    return ["usage: npm run tenant -- <command> [options]", "", "commands:", ...Object.keys(COMMANDS).map((c) => `  ${c}`)].join("\n");
}

if (require.main === module) {
    main(process.argv.slice(2)).then((code) => (process.exitCode = code));
}
