// Every operator command is a file in ./commands named after it, loaded lazily so that one
// command's dependencies never slow another (and no shared list needs editing).
import { readdirSync } from "fs";
import * as path from "path";
import type { Command } from "./command";
import { columns, indent } from "./table";

const dir = path.join(__dirname, "commands");

export const COMMANDS: Record<string, () => Promise<Command>> = Object.fromEntries(
    readdirSync(dir)
        .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts") && !f.endsWith(".test.ts"))
        .map((f) => f.replace(/\.(ts|js)$/, ""))
        .sort()
        .map((name) => [name, async () => (await import(path.join(dir, name))).command as Command]),
);

/** The command called `name`, or undefined when there is none (`hasOwn`: not `constructor`). */
export function loadCommand(name: string): Promise<Command> | undefined {
    return Object.hasOwn(COMMANDS, name) ? COMMANDS[name]() : undefined;
}

/** `npm run tenant -- help`: every command with its summary. Loads them all, so only for help. */
export async function overview(): Promise<string> {
    const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
    return [
        "usage: npm run tenant -- <command> [options]",
        "",
        "commands:",
        indent(columns(commands.map((c) => [c.name, c.summary]))),
        "",
        "npm run tenant -- <command> --help shows a command's arguments and options.",
    ].join("\n");
}
