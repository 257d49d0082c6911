// Temporary directories of a test file, all removed after it (test/support/setup.ts registers
// removeTempDirs for every unit test file, so no file needs to remember to).
import { mkdtempSync, rmSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";

const made: string[] = [];

export function tempDir(prefix: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), `fbports-${prefix}-`));
    made.push(dir);
    return dir;
}

export function removeTempDirs(): void {
    for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
