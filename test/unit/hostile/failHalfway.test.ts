// Issue 20, round two, through the real CLI against a stand-in Engine: commands that failed
// half-way (items 6, 7, 8), validation that stopped short (items 9, 10), and the proxy stack
// taken for a tenant (issue 21, item 2). Each row asserts the exit code, a message naming what
// is wrong and the fix, and that nothing was written: the project's files, the lock directory,
// the directory a restic repository was pointed at, and the Engine (no request but reads).
import { randomBytes } from "crypto";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encryptValue, newEncryptionSalt } from "../../../project/pulumiSecrets";
import { tempProject, tenant } from "../../support/cliRun";
import { FakeEngine, startFakeEngine } from "../../support/fakeEngine";
import { nothingWritten } from "../../support/unchanged";
import { tempDir } from "../../support/temp";

const PASSPHRASE = "the right passphrase";
const PORTS = "  frontbase:ports:\n    backend: 9801\n    edge: 9802\n    frontend: 9803\n    redisHttp: 9804\n";
let engine: FakeEngine;
/** A stack file for t1 with credentials encrypted under PASSPHRASE, as `tenant new` writes it. */
let SEALED: string;

beforeAll(async () => {
    engine = await startFakeEngine([]);
    const { encryptionsalt, key } = await newEncryptionSalt(PASSPHRASE);
    const secure = (v: string) => `{ secure: "${encryptValue(key, v)}" }`;
    SEALED =
        `encryptionsalt: ${encryptionsalt}\nconfig:\n  frontbase:tenant: t1\n${PORTS}` +
        `  frontbase:adminPassword: ${secure("Aa11aa11aa11aa11aa11aa11")}\n  frontbase:redisToken: ${secure("Bb22".repeat(10))}\n` +
        `  frontbase:encryptionKey: ${secure("k".repeat(43) + "=")}\n`;
});
afterAll(async () => {
    await engine.close();
});

/** SEALED with one value sealed under another key: its authentication tag does not verify under the file's. */
const damagedValue = () =>
    SEALED.replace(
        /frontbase:redisToken: \{ secure: "[^"]+" \}/,
        `frontbase:redisToken: { secure: "${encryptValue(randomBytes(32), "x")}" }`,
    );
const damagedSalt = () => SEALED.replace(/^encryptionsalt: v1:[^:]+:/m, "encryptionsalt: v1:AAAAAAAAAAA=:");
const PROXY_OK = "config:\n  frontbase:tls: internal\n";

interface Row {
    readonly files: () => Record<string, string>;
    readonly argv: readonly string[];
    readonly env?: Record<string, string | undefined>;
    /** A directory outside the project that RESTIC_REPOSITORY names, with these files in it (or none: it does not exist). */
    readonly repo?: Record<string, string> | "missing";
    readonly code: number;
    readonly says: readonly string[];
}

const ROWS: [string, Row][] = [
    // Item 6: a command that fails writes nothing.
    [
        "new --force with a wrong passphrase: refused before the file's settings are rewritten",
        {
            files: () => ({ "Pulumi.t1.yaml": SEALED }),
            argv: ["new", "t1", "--force"],
            env: { PULUMI_CONFIG_PASSPHRASE: "wrong" },
            code: 1,
            says: ["PULUMI_CONFIG_PASSPHRASE does not decrypt", "Pulumi.t1.yaml"],
        },
    ],
    [
        "new --force on a damaged encryptionsalt",
        {
            files: () => ({ "Pulumi.t1.yaml": damagedSalt() }),
            argv: ["new", "t1", "--force", "--database", "postgres"],
            code: 1,
            says: ["does not decrypt", "encryptionsalt"],
        },
    ],
    [
        "new with a passphrase file that cannot be read: no stack file is left behind",
        {
            files: () => ({}),
            argv: ["new", "t1"],
            env: { PULUMI_CONFIG_PASSPHRASE: undefined, PULUMI_CONFIG_PASSPHRASE_FILE: "/nonexistent/passphrase" },
            code: 1,
            says: ["unable to read PULUMI_CONFIG_PASSPHRASE_FILE"],
        },
    ],
    [
        "restore --into the tenant itself",
        {
            files: () => ({ "Pulumi.t1.yaml": SEALED }),
            argv: ["restore", "t1", "--into", "t1"],
            code: 2,
            says: ["--into t1: that is the tenant being restored"],
        },
    ],
    // Item 7: a repository is created only where nothing is, after the tenant is known.
    [
        "backup into a directory that holds other files",
        {
            files: () => ({ "Pulumi.t1.yaml": SEALED }),
            argv: ["backup", "t1"],
            repo: { "notes.txt": "mine" },
            code: 1,
            says: ["holds 1 other entry (notes.txt)", "only where nothing is"],
        },
    ],
    [
        "backup --init into a directory that holds other files",
        {
            files: () => ({ "Pulumi.t1.yaml": SEALED }),
            argv: ["backup", "t1", "--init"],
            repo: { "notes.txt": "mine" },
            code: 1,
            says: ["holds 1 other entry (notes.txt)"],
        },
    ],
    [
        "backup at a mistyped repository path, without --init",
        {
            files: () => ({ "Pulumi.t1.yaml": SEALED }),
            argv: ["backup", "t1"],
            repo: "missing",
            code: 1,
            says: ["does not exist", "backup --init"],
        },
    ],
    [
        "backup of an unknown tenant: refused before any repository is made",
        {
            files: () => ({}),
            argv: ["backup", "nobody"],
            repo: "missing",
            env: { RESTIC_PASSWORD: "x" },
            code: 1,
            says: ['unknown tenant "nobody"'],
        },
    ],
    [
        "backup of an unknown tenant with the default repository: no repository, no password file",
        { files: () => ({}), argv: ["backup", "nobody"], code: 1, says: ['unknown tenant "nobody"'] },
    ],
    // Item 8: an empty or malformed snapshot ID is a usage error.
    [
        "restore --snapshot= (empty)",
        { files: () => ({}), argv: ["restore", "t1", "--snapshot="], code: 2, says: ['--snapshot "": must be a snapshot ID'] },
    ],
    [
        "restore --snapshot with a non-hex ID",
        {
            files: () => ({}),
            argv: ["restore", "t1", "--snapshot", "latest;rm"],
            code: 2,
            says: ['--snapshot "latest;rm": must be a snapshot ID'],
        },
    ],
    [
        "restore --snapshot with three digits",
        { files: () => ({}), argv: ["restore", "t1", "--snapshot", "abc"], code: 2, says: ["4 to 64 hex digits"] },
    ],
    // Item 9: preflight opens the secure values the program will need.
    [
        "preflight with a wrong passphrase",
        {
            files: () => ({ "Pulumi.t1.yaml": SEALED }),
            argv: ["preflight", "t1"],
            env: { PULUMI_CONFIG_PASSPHRASE: "wrong" },
            code: 1,
            says: ["PULUMI_CONFIG_PASSPHRASE does not decrypt", "Pulumi.t1.yaml"],
        },
    ],
    [
        "preflight with a damaged secure value: the key is named",
        {
            files: () => ({ "Pulumi.t1.yaml": damagedValue() }),
            argv: ["preflight", "t1"],
            code: 1,
            says: ["frontbase:redisToken: secure value does not decrypt"],
        },
    ],
    [
        "preflight with secure values and no encryptionsalt",
        {
            files: () => ({ "Pulumi.t1.yaml": SEALED.replace(/^encryptionsalt: .*\n/m, "") }),
            argv: ["preflight", "t1"],
            code: 1,
            says: ["no encryptionsalt"],
        },
    ],
    // Item 10: the proxy's file is checked, settings outside `config:` are refused, the proxy is no tenant.
    [
        "check with frontbase:tls: bogus in the proxy's file",
        {
            files: () => ({ "Pulumi.proxy.yaml": "config:\n  frontbase:tls: bogus\n" }),
            argv: ["check"],
            code: 1,
            says: ['frontbase:tls: must be "acme" or "internal"'],
        },
    ],
    [
        "check with tenant keys in the proxy's file",
        {
            files: () => ({ "Pulumi.proxy.yaml": `config:\n  frontbase:tls: internal\n  frontbase:database: postgres\n${PORTS}` }),
            argv: ["check"],
            code: 1,
            says: ["unknown key(s) frontbase:database, frontbase:ports for the proxy stack"],
        },
    ],
    [
        "check with a misspelled config:",
        {
            files: () => ({ "Pulumi.t1.yaml": `confg:\n${PORTS}` }),
            argv: ["check"],
            code: 1,
            says: ["unknown top-level key(s) confg", "settings go under config:"],
        },
    ],
    [
        "check with frontbase: keys at the top level",
        {
            files: () => ({ "Pulumi.t1.yaml": "frontbase:database: postgres\nconfig: {}\n" }),
            argv: ["check"],
            code: 1,
            says: ["unknown top-level key(s) frontbase:database"],
        },
    ],
    ["new proxy", { files: () => ({}), argv: ["new", "proxy"], code: 2, says: [`<name> "proxy": is the host's proxy stack`] }],
    // Issue 21, item 2: the proxy stack is not a tenant anywhere.
    [
        "status proxy",
        {
            files: () => ({ "Pulumi.proxy.yaml": PROXY_OK }),
            argv: ["status", "proxy"],
            code: 2,
            says: ["is the host's proxy stack (Pulumi.proxy.yaml), not a tenant"],
        },
    ],
    [
        "preflight proxy without its file: not the tenant new advice",
        { files: () => ({}), argv: ["preflight", "proxy"], code: 1, says: ["written by hand, not by tenant new", "docs/proxy.md"] },
    ],
];

describe("round two: commands that fail write nothing, checks that reach the end", () => {
    it.each(ROWS)("%s", async (_, row) => {
        const dir = tempProject(row.files());
        const lockDir = path.join(tempDir("locks"), "frontbase-tenants");
        const repo = path.join(tempDir("repo"), "restic");
        if (row.repo && row.repo !== "missing") {
            mkdirSync(repo);
            for (const [name, text] of Object.entries(row.repo)) writeFileSync(path.join(repo, name), text);
        }
        const untouched = nothingWritten({ project: dir, outside: [repo], engine });
        const r = await tenant([...row.argv], {
            FRONTBASE_PROJECT_DIR: dir,
            FRONTBASE_LOCK_DIR: lockDir,
            DOCKER_HOST: engine.host,
            PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
            PULUMI_CONFIG_PASSPHRASE_FILE: undefined,
            RESTIC_REPOSITORY: row.repo ? repo : undefined,
            RESTIC_PASSWORD: row.repo ? "repository password" : undefined,
            RESTIC_PASSWORD_FILE: undefined,
            RESTIC_REPOSITORY_FILE: undefined,
            ...row.env,
        });
        expect(r.code, r.out + r.err).toBe(row.code);
        for (const s of row.says) expect(r.out + r.err).toContain(s);
        expect(r.out + r.err).not.toMatch(/\n\s+at .+:\d+:\d+\)?$/m); // no stack trace
        untouched();
        expect(existsSync(lockDir) ? readdirSync(lockDir) : []).toEqual([]);
    });
});
