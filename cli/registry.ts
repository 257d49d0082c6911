// Every operator command, loaded lazily so that one command's dependencies never slow another.
import type { Command } from "./main";

export const COMMANDS: Record<string, () => Promise<Command>> = {};
