// Issue 13, items 8 and 10: a stack file that is not a mapping, is a link, is not a regular
// file or is huge is refused by every command that reads it, without reading more than the
// allowed size (how fast: `npm run bench -- --only hostile`), and nothing changes.
import { execFileSync } from "child_process";
import { symlinkSync, truncateSync, writeFileSync } from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStackFile } from "../../../project/stackFiles";
import { tempLockDir, tempProject, tenant } from "../../support/cliRun";
import { FakeEngine, startFakeEngine } from "../../support/fakeEngine";
import { tempDir } from "../../support/temp";
import { nothingWritten } from "../../support/unchanged";

let engine: FakeEngine;
beforeAll(async () => void (engine = await startFakeEngine([])));
afterAll(() => engine.close());

type Setup = (dir: string, file: string) => void;
const text =
    (t: string): Setup =>
    (_, file) =>
        writeFileSync(file, t);
const ROWS: [string, Setup, string][] = [
    ["a YAML list", text("- a\n- b\n"), 'must be a YAML mapping with a "config" key (got a list)'],
    ["YAML text", text("hello world\n"), 'must be a YAML mapping with a "config" key (got the text "hello world")'],
    ["a YAML number", text("42\n"), 'must be a YAML mapping with a "config" key (got number 42)'],
    ["config as a list", text("config:\n  - frontbase:tenant\n"), '"config" must be a map'],
    ["a symlink to /etc/passwd", (_, file) => symlinkSync("/etc/passwd", file), "is a symbolic link; it must be a regular file"],
    [
        "a symlink to a valid stack file",
        (dir, file) => (writeFileSync(path.join(dir, "real.yaml"), "config: {}\n"), symlinkSync(path.join(dir, "real.yaml"), file)),
        "is a symbolic link; it must be a regular file",
    ],
    ["a FIFO (reading it would hang)", (_, file) => execFileSync("mkfifo", [file]), "is not a regular file"],
    ["a directory", (_, file) => execFileSync("mkdir", [file]), "is not a regular file"],
    ["14 MB of config", text(`config:\n${"  frontbase:x: y\n".repeat(900_000)}`), "is 15300008 bytes; at most 262144 bytes are allowed"],
    // Sparse: no disk used, but a reader that read it whole would never finish (or run out of memory).
    ["a 1 TiB file", (_, file) => (writeFileSync(file, "config:\n"), truncateSync(file, 2 ** 40)), `is ${2 ** 40} bytes; at most 262144`],
];

describe("hostile stack files", () => {
    it.each(ROWS)("%s: readStackFile refuses it at once, naming the file", async (_, setup, problem) => {
        const dir = tempDir("sf");
        const file = path.join(dir, "Pulumi.a.yaml");
        setup(dir, file);
        await expect(readStackFile(file)).rejects.toThrow(`${file}: ${problem}`);
    });

    it.each(ROWS)("%s: `check` and `preflight` exit 1 naming it, and change nothing", async (_, setup, problem) => {
        const dir = tempProject();
        setup(dir, path.join(dir, "Pulumi.a.yaml"));
        const env = { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: tempLockDir(), DOCKER_HOST: engine.host };
        const untouched = nothingWritten({ project: dir, lockDir: env.FRONTBASE_LOCK_DIR, engine });
        const check = await tenant(["check"], env);
        expect([check.code, check.out]).toEqual([1, expect.stringContaining(problem)]);
        const pre = await tenant(["preflight", "a"], env);
        expect([pre.code, pre.err]).toEqual([1, expect.stringContaining(problem)]);
        untouched();
    });
});
