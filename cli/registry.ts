// Every operator command is a file in ./commands named after it, loaded lazily so that one
// command's dependencies never slow another (and no shared list needs editing).
import { readdirSync } from "fs";
import * as path from "path";
import type { Command } from "./main";

const dir = path.join(__dirname, "commands");

export const COMMANDS: Record<string, () => Promise<Command>> = Object.fromEntries(
    readdirSync(dir)
        .filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith(".d.ts") && !f.endsWith(".test.ts"))
        .map((f) => f.replace(/\.(ts|js)$/, ""))
        .sort()
        .map((name) => [name, async () => (await import(path.join(dir, name))).command as Command]),
);
