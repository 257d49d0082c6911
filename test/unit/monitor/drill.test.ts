// The pure parts of drills and what they share with the alerts: the drill tenant's name, the
// drill log (append-only, with the lock directory's rules), and the proxy certificates' ends read
// from PEM (a leaf and a CA made with openssl, fixtures/caddy-chain.pem).
import { chmodSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { certificatesOf } from "../../../monitor/certificates";
import { drillName } from "../../../monitor/drill";
import { DrillRecord, drillLogFile, lastDrills, recordDrill } from "../../../monitor/drillLog";
import { DRILL_TENANT } from "../../../monitor/findings";
import { tenantNameProblem } from "../../../components/naming";
import { tempDir } from "../../support/temp";

describe("drillName", () => {
    it("is a valid tenant name of at most 40 characters that alerts know as a drill's", () => {
        for (const source of ["acme", "a".repeat(40), "x-y-z-".repeat(6).slice(0, 40).replace(/-$/, "")]) {
            const name = drillName(source, "0a1b2c");
            expect(tenantNameProblem(name)).toBeUndefined();
            expect(name.length).toBeLessThanOrEqual(40);
            expect(DRILL_TENANT.test(name)).toBe(true);
        }
        expect(drillName("acme", "0a1b2c")).toBe("drill-0a1b2c-acme");
        expect(DRILL_TENANT.test("drill-acme")).toBe(false);
    });
});

describe("the drill log", () => {
    const record = (tenant: string, passed: boolean, at: string): DrillRecord => ({
        at,
        tenant,
        drillTenant: `drill-000000-${tenant}`,
        passed,
        totalMs: 1,
        ...(passed ? {} : { reason: "restore: x" }),
    });

    it("appends one JSON line per drill and gives each tenant's last; a torn line is skipped", async () => {
        const dir = path.join(tempDir("drills"), "locks");
        await recordDrill(dir, record("acme", true, "2026-01-01T00:00:00Z"));
        await recordDrill(dir, record("beta", true, "2026-01-02T00:00:00Z"));
        await recordDrill(dir, record("acme", false, "2026-01-03T00:00:00Z"));
        const text = readFileSync(drillLogFile(dir), "utf8");
        expect(
            text
                .split("\n")
                .filter(Boolean)
                .map((l) => JSON.parse(l).tenant),
        ).toEqual(["acme", "beta", "acme"]);
        writeFileSync(drillLogFile(dir), `${text}{"tenant": "acme", "at"`, { flag: "a" });
        const last = await lastDrills(dir);
        expect(last.acme).toMatchObject({ passed: false, reason: "restore: x" });
        expect(last.beta.passed).toBe(true);
    });

    it("refuses a log that is a link or that others can write, and writes nothing then", async () => {
        const dir = path.join(tempDir("drills"), "locks");
        mkdirSync(dir, { mode: 0o700 });
        const elsewhere = path.join(path.dirname(dir), "elsewhere");
        writeFileSync(elsewhere, "");
        symlinkSync(elsewhere, drillLogFile(dir));
        await expect(recordDrill(dir, record("acme", true, "2026-01-01T00:00:00Z"))).rejects.toThrow(
            /is a symbolic link; it must be a regular file/,
        );
        await expect(lastDrills(dir)).rejects.toThrow(/is a symbolic link/);
        expect(readFileSync(elsewhere, "utf8")).toBe("");
        const other = path.join(tempDir("drills"), "locks");
        mkdirSync(other, { mode: 0o700 });
        writeFileSync(drillLogFile(other), "");
        chmodSync(drillLogFile(other), 0o666);
        await expect(recordDrill(other, record("acme", true, "2026-01-01T00:00:00Z"))).rejects.toThrow(
            /has mode 0666, writable by .*every user; it may be forged/,
        );
        expect(readFileSync(drillLogFile(other), "utf8")).toBe("");
    });
});

describe("certificatesOf", () => {
    it("gives each leaf certificate's first DNS name and end, and leaves a CA of the chain out", () => {
        const pem = readFileSync(path.join(__dirname, "fixtures", "caddy-chain.pem"), "utf8");
        expect(certificatesOf(pem)).toEqual([{ domain: "acme.example.com", notAfter: Date.parse("2036-12-01T16:24:48Z") }]);
        expect(certificatesOf("")).toEqual([]);
    });
});
