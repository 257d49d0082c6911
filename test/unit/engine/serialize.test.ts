// Pulumi's wire encoding as the engine double reads and writes it; secrets at rest; masking.
import { promises as fs } from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { Scrubber } from "../../engine/scrub";
import { loadKey, openSecrets, sealSecrets } from "../../engine/secrets";
import {
    canonical,
    decode,
    encode,
    masked,
    OUTPUT_VALUE_SIG,
    RESOURCE_SIG,
    secret,
    SIG_KEY,
    UNKNOWN_WIRE,
    ASSET_SIG,
} from "../../engine/serialize";
import { UNKNOWN } from "../../engine/types";

describe("decode", () => {
    it("unwraps secrets and remembers where they were", () => {
        const d = decode({ envs: secret(["A=1", "B=2"]), labels: [{ label: "x", value: secret("v") }], name: "n" });
        expect(d.value).toEqual({ envs: ["A=1", "B=2"], labels: [{ label: "x", value: "v" }], name: "n" });
        expect(d.secretPaths).toEqual(["envs", "labels[0].value"]);
        expect(d.secretValues).toEqual([["A=1", "B=2"], "v"]);
    });
    it("turns the unknown sentinel and value-less output values into UNKNOWN", () => {
        const d = decode({
            image: UNKNOWN_WIRE,
            envs: { [SIG_KEY]: OUTPUT_VALUE_SIG, secret: true },
            port: { [SIG_KEY]: OUTPUT_VALUE_SIG, value: 80 },
        });
        expect(d.value).toEqual({ image: UNKNOWN, envs: UNKNOWN, port: 80 });
        expect(d.unknownPaths.sort()).toEqual(["envs", "image"]);
        expect(d.secretPaths).toEqual(["envs"]);
    });
    it("reads resource references as their URN and ID", () => {
        expect(decode({ r: { [SIG_KEY]: RESOURCE_SIG, urn: "urn:x", id: "i" } }).value).toEqual({ r: { urn: "urn:x", id: "i" } });
    });
    it("refuses what it does not implement instead of passing it on", () => {
        expect(() => decode({ a: { [SIG_KEY]: ASSET_SIG, path: "/x" } })).toThrow(/assets and archives are not supported \(at a\)/);
        expect(() => decode({ a: { [SIG_KEY]: "nope" } })).toThrow(/unknown signature/);
    });
    it("round-trips plain values through encode", () => {
        const v = { a: [1, "x", { b: UNKNOWN }], c: null };
        expect(decode(encode(v)).value).toEqual(v);
    });
});

describe("printing", () => {
    it("masks secrets and unknowns", () => {
        expect(masked({ a: secret("p"), b: UNKNOWN_WIRE, c: [1, { d: secret(["x"]) }] })).toEqual({
            a: "[secret]",
            b: "[unknown]",
            c: [1, { d: "[secret]" }],
        });
    });
    it("compares values independently of key order", () => {
        expect(canonical({ b: 1, a: { d: 2, c: 3 } })).toBe(canonical({ a: { c: 3, d: 2 }, b: 1 }));
        expect(canonical({ a: 1 })).not.toBe(canonical({ a: "1" }));
    });
    it("scrubs credentials, also env values quoted on their own, but not the names beside them in a secret list", () => {
        const s = new Scrubber();
        s.addWire({
            envs: secret([
                "SECRET_KEY=abcdef123456",
                "PORT=80",
                "POSTGRES_USER=frontbase",
                "DB_PASSWORD=pw-0123456789",
                "DATABASE_URL=postgresql://frontbase:url-only-9876@postgres/frontbase",
            ]),
            token: secret("tok-0123456789"),
            name: "abcdef",
        });
        expect(s.scrub("env SECRET_KEY=abcdef123456; saw abcdef123456 and tok-0123456789; PORT=80, port 80")).toBe(
            "env SECRET_KEY=[secret]; saw [secret] and [secret]; PORT=80, port 80",
        );
        // The failure this prevents: "container pgx_[secret]-backend-1" for a user named frontbase.
        expect(s.scrub("container pgx_frontbase-backend-1 as user frontbase, DB_PASSWORD=pw-0123456789")).toBe(
            "container pgx_frontbase-backend-1 as user frontbase, DB_PASSWORD=[secret]",
        );
    });
});

describe("secrets at rest", () => {
    it("seals secret values with a per-directory key and opens them again", async () => {
        const dir = await fs.mkdtemp(path.join(os.tmpdir(), "frontbase-secrets-"));
        try {
            const key = await loadKey(dir);
            expect((await fs.stat(path.join(dir, ".secrets-key"))).mode & 0o777).toBe(0o600);
            const wire = { result: secret("hunter2-hunter2"), length: 15, nested: [secret({ a: 1 })] };
            const sealed = sealSecrets(key, wire);
            expect(JSON.stringify(sealed)).not.toContain("hunter2");
            expect(openSecrets(await loadKey(dir), sealed)).toEqual(wire);
            const other = Buffer.alloc(32, 7);
            expect(() => openSecrets(other, sealed)).toThrow();
        } finally {
            await fs.rm(dir, { recursive: true, force: true });
        }
    });
});
