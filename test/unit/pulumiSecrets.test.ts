import { describe, expect, it } from "vitest";
import * as s from "../../project/pulumiSecrets";

// Upstream vectors, pulumi/pulumi v3.259.0:
// - pkg/secrets/passphrase/manager_test.go, const `state`: accepted with PULUMI_CONFIG_PASSPHRASE
//   "password" (TestPassphraseManagerCorrectPassphraseReturnsSecretsManager), refused with
//   "password123" (TestPassphraseManagerIncorrectPassphraseReturnsErrorCrypter).
// - pkg/backend/diy/backend_test.go, TestListStacksWithMultiplePassphrases: stack "a"'s state,
//   opened with passphrase "abc123" by passphrase.GetPassphraseSecretsManager.
const MANAGER_TEST_STATE = "v1:fozI5u6B030=:v1:F+6ZduKKd8G0/V7L:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ==";
const BACKEND_TEST_STATE = "v1:4iF78gb0nF0=:v1:Co6IbTWYs/UdrjgY:FSrAWOFZnj9ealCUDdJL7LrUKXX9BA==";
const checkValue = (state: string) => state.split(":").slice(2).join(":");

describe("pulumiSecrets: upstream vectors", () => {
    it("derives the key of manager_test.go's state from 'password' and decrypts its check value", async () => {
        const key = await s.deriveKey("password", MANAGER_TEST_STATE, "Pulumi.t.yaml");
        expect(key).toHaveLength(32);
        expect(s.decryptValue(key, checkValue(MANAGER_TEST_STATE))).toBe("pulumi");
        // A value written with this key opens with it, and not with another.
        const v = s.encryptValue(key, "s3cr3t");
        expect(v).toMatch(/^v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]+={0,2}$/);
        expect(s.decryptValue(key, v)).toBe("s3cr3t");
    });

    it("refuses 'password123' for manager_test.go's state with a clear message", async () => {
        await expect(s.deriveKey("password123", MANAGER_TEST_STATE, "Pulumi.t.yaml")).rejects.toThrow(
            "PULUMI_CONFIG_PASSPHRASE does not decrypt Pulumi.t.yaml's secrets (encryptionsalt)",
        );
    });

    it("derives the key of backend_test.go's state from 'abc123'", async () => {
        const key = await s.deriveKey("abc123", BACKEND_TEST_STATE);
        expect(s.decryptValue(key, checkValue(BACKEND_TEST_STATE))).toBe("pulumi");
    });

    it("rejects malformed encryptionsalt before spending a derivation", async () => {
        // manager_test.go's brokenState: SplitN gives a first part that is not "v1".
        await expect(s.deriveKey("password", "fozI5u6B030=:v1:F+6ZduL:PGMFeIzwobWRKmEAzUdaQHqC5mMRIQ==")).rejects.toThrow(
            "unknown encryptionsalt version",
        );
        await expect(s.deriveKey("password", "v1:fozI5u6B030=")).rejects.toThrow("malformed encryptionsalt");
        await expect(s.deriveKey("password", "v1:not base64!:v1:a:b")).rejects.toThrow("not standard base64");
    });
});

describe("pulumiSecrets: new salt, round trip, tampering", () => {
    it("a new encryptionsalt has upstream's shape and re-derives to the same key", async () => {
        const { encryptionsalt, key } = await s.newEncryptionSalt("correct horse");
        expect(encryptionsalt).toMatch(/^v1:[A-Za-z0-9+/]{11}=:v1:[A-Za-z0-9+/]{16}:[A-Za-z0-9+/]{30}==$/);
        expect(Buffer.from(encryptionsalt.split(":")[1], "base64")).toHaveLength(8);
        expect(await s.deriveKey("correct horse", encryptionsalt)).toEqual(key);

        for (const text of ["", "p@ss:word", "ünïcødé ✓", "x".repeat(1000)]) {
            const v = s.encryptValue(key, text);
            expect(s.decryptValue(key, v)).toBe(text);
            expect(s.encryptValue(key, text)).not.toBe(v); // fresh nonce each time
        }

        // Tampering: any flipped bit in the ciphertext or tag, a changed nonce, a truncated tag.
        const v = s.encryptValue(key, "dbpassword");
        const [, nonce, body] = v.split(":");
        const raw = Buffer.from(body, "base64");
        for (const i of [0, raw.length - 1]) {
            const bad = Buffer.from(raw);
            bad[i] ^= 1;
            expect(() => s.decryptValue(key, `v1:${nonce}:${bad.toString("base64")}`)).toThrow("message authentication failed");
        }
        const otherNonce = Buffer.alloc(12, 7).toString("base64");
        expect(() => s.decryptValue(key, `v1:${otherNonce}:${body}`)).toThrow("message authentication failed");
        const short = raw.subarray(0, raw.length - 4).toString("base64");
        expect(() => s.decryptValue(key, `v1:${nonce}:${short}`)).toThrow("message authentication failed");
        expect(() => s.decryptValue(key, `v1:${nonce}:AAAA`)).toThrow("shorter than its authentication tag");
        expect(() => s.decryptValue(key, `v2:${nonce}:${body}`)).toThrow("unknown value version");
        expect(() => s.decryptValue(key, `v1:${nonce}:${body}:x`)).toThrow("bad secure value");
        expect(() => s.decryptValue(key, `v1:AAAA:${body}`)).toThrow("nonce size is incorrect");
        expect(() => s.decryptValue(Buffer.alloc(32), v)).toThrow("message authentication failed");
    });
});

describe("pulumiSecrets: passphraseFromEnv", () => {
    const files: Record<string, string> = { "/p": "\uFEFF secret \u0085\r\n", "/q": "  two words \t\n" };
    const read = (p: string) => {
        if (!(p in files)) throw new Error(`ENOENT ${p}`);
        return files[p];
    };

    it("follows readPassphrase: the variable verbatim (even empty), else the trimmed file", () => {
        expect(s.passphraseFromEnv({ PULUMI_CONFIG_PASSPHRASE: " x ", PULUMI_CONFIG_PASSPHRASE_FILE: "/q" }, read)).toBe(" x ");
        expect(s.passphraseFromEnv({ PULUMI_CONFIG_PASSPHRASE: "" }, read)).toBe("");
        expect(s.passphraseFromEnv({ PULUMI_CONFIG_PASSPHRASE_FILE: "/q" }, read)).toBe("two words");
        // Go's strings.TrimSpace: NEL is space, a byte-order mark is not.
        expect(s.passphraseFromEnv({ PULUMI_CONFIG_PASSPHRASE_FILE: "/p" }, read)).toBe("\uFEFF secret");
        expect(s.passphraseFromEnv({ PULUMI_CONFIG_PASSPHRASE_FILE: "" }, read)).toBeUndefined();
        expect(s.passphraseFromEnv({}, read)).toBeUndefined();
        expect(() => s.passphraseFromEnv({ PULUMI_CONFIG_PASSPHRASE_FILE: "/missing" }, read)).toThrow(
            "unable to read PULUMI_CONFIG_PASSPHRASE_FILE: ENOENT /missing",
        );
    });
});

describe("pulumiSecrets: generators", () => {
    it("generateFernetKey: 44 url-safe base64 characters with '=' padding, decoding to 32 bytes", () => {
        const seen = new Set<string>();
        for (let i = 0; i < 200; i++) {
            const k = s.generateFernetKey();
            expect(k).toMatch(/^[A-Za-z0-9_-]{43}=$/);
            expect(Buffer.from(k, "base64url")).toHaveLength(32);
            seen.add(k);
        }
        expect(seen.size).toBe(200);
    });

    it("generatePassword: alphanumeric of the asked length, at least 2 lower, 2 upper, 2 digits", () => {
        for (const length of [6, 7, 12, 32, 64]) {
            for (let i = 0; i < 100; i++) {
                const p = s.generatePassword(length);
                expect(p).toMatch(new RegExp(`^[A-Za-z0-9]{${length}}$`));
                expect(p.replace(/[^a-z]/g, "").length).toBeGreaterThanOrEqual(2);
                expect(p.replace(/[^A-Z]/g, "").length).toBeGreaterThanOrEqual(2);
                expect(p.replace(/[^0-9]/g, "").length).toBeGreaterThanOrEqual(2);
            }
        }
        expect(new Set(Array.from({ length: 50 }, () => s.generatePassword(32))).size).toBe(50);
        for (const bad of [5, 0, 6.5, NaN]) expect(() => s.generatePassword(bad)).toThrow("password length");
    });
});
