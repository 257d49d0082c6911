// The pure parts of backups: the retention policy, the manifest's checks, what counts as newer
// data, restic's failures in an operator's words, the helper's log frames, ages.
import { spawn } from "child_process";
import { mkdirSync, readlinkSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { demux, tarOf, untar } from "../../backup/engineIo";
import { Manifest, newerThanSnapshot, parseManifest, verifyFiles } from "../../backup/manifest";
import { resticProblem, resticTarget, tenantOfSnapshot, tenantTag } from "../../backup/restic";
import { DEFAULT_RETENTION, forgetArgs, parseRetention } from "../../backup/retention";
import { age, parseAge } from "../../tenants/checks";
import { lastBackupRows } from "../../cli/commands/backups";
import { tempDir } from "../support/temp";

const manifest = (over: Partial<Manifest> = {}): Manifest => ({
    format: 1,
    tenant: "t1",
    startedAt: "2026-12-03T10:00:00.000Z",
    database: "sqlite",
    volumes: ["redis", "backend", "edge"],
    images: {},
    config: {},
    files: [{ path: "volumes/backend/frontbase.db", size: 3, sha256: "a".repeat(64), kind: "sqlite" }],
    sourceTimes: { "backend/frontbase.db": Date.parse("2026-12-03T10:00:01.000Z") },
    tool: "0.1.0",
    ...over,
});

describe("retention", () => {
    it.each([
        [DEFAULT_RETENTION, ["--keep-daily", "7", "--keep-weekly", "4", "--keep-monthly", "6"]],
        ["monthly=2, last=3", ["--keep-last", "3", "--keep-monthly", "2"]],
    ])("%s -> restic forget options in restic's order", (text, args) => {
        expect(forgetArgs(parseRetention(text))).toEqual(args);
    });
    it.each([
        ["", /is empty/],
        ["daily", /"daily" is not UNIT=COUNT/],
        ["fortnightly=2", /unknown unit "fortnightly"; allowed: last, hourly, daily, weekly, monthly, yearly/],
        ["daily=0", /daily must keep at least 1/],
        ["daily=1,daily=2", /"daily" is given twice/],
    ])("rejects %j naming the variable and what is allowed", (text, problem) => {
        expect(() => parseRetention(text)).toThrow(problem);
        expect(() => parseRetention(text)).toThrow(/^FRONTBASE_BACKUP_KEEP: /);
    });
});

describe("manifest", () => {
    it("parses its own JSON and refuses what is not one", () => {
        expect(parseManifest(JSON.stringify(manifest()), "abcd").tenant).toBe("t1");
        expect(() => parseManifest("{", "abcd")).toThrow(/snapshot abcd: manifest.json is not JSON/);
        expect(() => parseManifest(JSON.stringify({ ...manifest(), format: 9 }), "abcd")).toThrow(/format 9 is not 1/);
        expect(() => parseManifest(JSON.stringify({ format: 1 }), "abcd")).toThrow(/lacks tenant/);
    });
    it("names every missing or changed file", () => {
        const m = manifest();
        expect(verifyFiles(m, new Map([["volumes/backend/frontbase.db", { size: 3, sha256: "a".repeat(64) }]]))).toEqual([]);
        expect(verifyFiles(m, new Map())).toEqual(["volumes/backend/frontbase.db: missing"]);
        expect(verifyFiles(m, new Map([["volumes/backend/frontbase.db", { size: 3, sha256: "b".repeat(64) }]]))[0]).toMatch(
            /sha256 bbbbbbbbbbbb; the manifest says 3 bytes, aaaaaaaaaaaa/,
        );
    });
    it("counts as newer a file written after capture saw it, or one it never saw written after capture began; never redis", () => {
        const m = manifest();
        const at = (iso: string) => Date.parse(iso);
        const live = [
            { path: "backend/frontbase.db", mtimeMs: at("2026-12-03T10:00:01.000Z") }, // as capture left it
            { path: "backend/settings.json", mtimeMs: at("2026-12-03T09:59:00.000Z") }, // older than capture
            { path: "edge/new.db", mtimeMs: at("2026-12-03T10:05:00.000Z") }, // written since
            { path: "redis/dump.rdb", mtimeMs: at("2026-12-03T11:00:00.000Z") },
        ];
        expect(newerThanSnapshot(live, m).map((f) => f.path)).toEqual(["edge/new.db"]);
        expect(
            newerThanSnapshot([{ path: "backend/frontbase.db", mtimeMs: at("2026-12-03T10:00:02.000Z") }], m).map((f) => f.path),
        ).toEqual(["backend/frontbase.db"]);
    });
});

describe("restic", () => {
    it("uses restic's variables as given, else the default repository and password file in the lock dir", () => {
        const given = resticTarget({ RESTIC_REPOSITORY: "s3:host/bucket", RESTIC_PASSWORD: "x" }, "/var/lib/frontbase");
        expect([given.repository, given.defaultPasswordFile, given.env.RESTIC_PASSWORD_FILE]).toEqual([
            "s3:host/bucket",
            undefined,
            undefined,
        ]);
        const dflt = resticTarget({}, "/var/lib/frontbase");
        expect([dflt.repository, dflt.env.RESTIC_REPOSITORY, dflt.env.RESTIC_PASSWORD_FILE]).toEqual([
            "/var/lib/frontbase/backups",
            "/var/lib/frontbase/backups",
            "/var/lib/frontbase/restic-password",
        ]);
    });
    it("puts restic's failures in words that say what to do, never quoting a password", () => {
        expect(resticProblem("/r", "Fatal: wrong password or no key found\n", 1)).toMatch(
            /\/r does not open with the password given .*: wrong password/,
        );
        expect(
            resticProblem(
                "/r",
                "Fatal: unable to open config file: stat /r/config: no such file or directory\nIs there a repository at the following location?\n/r\n",
                1,
            ),
        ).toMatch(/no restic repository at \/r \(create one/);
        expect(resticProblem("/r", "boom\n", 3)).toBe("restic exited with 3 on /r: boom");
    });
    it("tags snapshots by tenant", () => {
        expect(tenantOfSnapshot({ tags: ["x", tenantTag("a-b")] })).toBe("a-b");
        expect(tenantOfSnapshot({ tags: ["x"] })).toBeUndefined();
    });
});

describe("the helper's logs and ages", () => {
    it("splits Docker's multiplexed log frames into stdout and stderr", () => {
        const frame = (stream: number, text: string) => {
            const header = Buffer.from([stream, 0, 0, 0, 0, 0, 0, 0]);
            header.writeUInt32BE(Buffer.byteLength(text), 4);
            return Buffer.concat([header, Buffer.from(text)]);
        };
        expect(demux(Buffer.concat([frame(1, "out1 "), frame(2, "err"), frame(1, "out2")]))).toEqual(["out1 out2", "err"]);
    });
    it("stages a tree for the helper under its top directory with every link's target as it was (../x, ./y, /abs)", async () => {
        const src = tempDir("stage-src");
        mkdirSync(path.join(src, "volumes/backend"), { recursive: true });
        writeFileSync(path.join(src, "volumes/backend/y"), "y\n");
        const targets = { up: "../../../../etc/shadow", here: "./y", abs: "/etc/passwd" };
        for (const [name, target] of Object.entries(targets)) symlinkSync(target, path.join(src, "volumes/backend", name));
        // Read back as the helper's container gets it: one top directory, `stage`, dropped on extraction.
        const out = tempDir("stage-out");
        const listing = spawn("tar", ["-t"], { stdio: ["pipe", "pipe", "inherit"] });
        let names = "";
        listing.stdout.on("data", (d: Buffer) => void (names += String(d)));
        const listed = new Promise((r) => listing.on("close", r));
        tarOf(src, "stage").pipe(listing.stdin);
        await listed;
        expect(
            names
                .split("\n")
                .filter(Boolean)
                .every((n) => n === "stage/" || n.startsWith("stage/volumes")),
        ).toBe(true);
        await untar(tarOf(src, "stage"), out);
        const got = Object.fromEntries(Object.keys(targets).map((name) => [name, readlinkSync(path.join(out, "volumes/backend", name))]));
        expect(got).toEqual(targets);
    });
    it("reads --max-age and prints ages", () => {
        expect(parseAge("26h", "--max-age")).toBe(26 * 3_600_000);
        expect(parseAge("2d", "--max-age")).toBe(2 * 86_400_000);
        expect(() => parseAge("1w", "--max-age")).toThrow(/90m, 26h or 2d/);
        expect([age(5 * 60_000), age(3 * 3_600_000), age(3 * 86_400_000)]).toEqual(["5m", "3.0h", "3.0d"]);
    });
});

describe("backups --json", () => {
    const snap = (tenant: string, time: string, id: string) => ({
        id: id.repeat(8),
        short_id: id.repeat(8).slice(0, 8),
        time,
        hostname: "h",
        paths: ["/s"],
        tags: [tenantTag(tenant)],
    });

    it("gives a tenant never backed up lastBackup, snapshot and ageMs null, as the API's lastBackup is", () => {
        const now = Date.parse("2026-12-04T12:00:00Z");
        const rows = lastBackupRows(
            ["never", "acme"],
            [snap("acme", "2026-12-04T10:00:00Z", "a"), snap("acme", "2026-12-04T11:00:00Z", "b")],
            now,
        );
        expect(rows).toEqual([
            { tenant: "acme", lastBackup: "2026-12-04T11:00:00Z", snapshot: "bbbbbbbb", ageMs: 3_600_000 },
            { tenant: "never", lastBackup: null, snapshot: null, ageMs: null },
        ]);
        expect(JSON.parse(JSON.stringify(rows))[1]).toEqual({ tenant: "never", lastBackup: null, snapshot: null, ageMs: null });
    });
});
