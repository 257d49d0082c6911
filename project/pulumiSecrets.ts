// Pulumi stack-file `secure:` values, read and written exactly as the Pulumi CLI's passphrase
// secrets provider does (checked against pulumi/pulumi v3.259.0). Node `crypto` only, no Pulumi
// import: `tenant new` writes credentials once into `Pulumi.<stack>.yaml` as
// `frontbase:dbPassword: {secure: v1:...}`, and the real `pulumi up` decrypts them.
//
// Upstream formats:
// - `encryptionsalt: v1:<base64 8-byte salt>:<"pulumi" encrypted with the derived key>`
//   (pkg/secrets/passphrase/manager.go: NewPassphraseSecretsManager, symmetricCrypterFromPhraseAndState).
// - key = PBKDF2-HMAC-SHA256(passphrase, salt, 1,000,000 iterations, 32 bytes)
//   (sdk/go/common/resource/config/crypt.go: NewSymmetricCrypterFromPassphrase).
// - value = `v1:<base64 12-byte nonce>:<base64 AES-256-GCM ciphertext || 16-byte tag>`, no
//   additional data, standard padded base64 (crypt.go: symmetricCrypter.EncryptValue, encryptAES256GCGM).
// - the stack file keeps `encryptionsalt` at top level and secrets as `{secure: <value>}`
//   (sdk/go/common/workspace/project.go: ProjectStack; sdk/go/common/resource/config/object.go).
import * as crypto from "crypto";

/** PBKDF2 iterations (crypt.go: NewSymmetricCrypterFromPassphrase). */
export const PBKDF2_ITERATIONS = 1_000_000;
/** crypt.go: SymmetricCrypterKeyBytes. */
export const KEY_BYTES = 32;
/** manager.go: NewPassphraseSecretsManager reads 8 random bytes of salt. */
export const SALT_BYTES = 8;
/** crypt.go: encryptAES256GCGM (the GCM standard nonce size). */
export const NONCE_BYTES = 12;
const TAG_BYTES = 16; // Go's cipher.NewGCM seals with a 16-byte tag appended to the ciphertext.
/** The plaintext of the check value inside `encryptionsalt` (manager.go). */
const CHECK_PLAINTEXT = "pulumi";

// Go's base64.StdEncoding: standard alphabet, '=' padding required. Node's decoder is lenient
// (it skips junk), so shapes are checked first.
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
function decodeStdBase64(text: string, what: string): Buffer {
    if (!STD_BASE64.test(text)) throw new Error(`${what} is not standard base64`);
    return Buffer.from(text, "base64");
}

function pbkdf2(passphrase: string, salt: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) =>
        crypto.pbkdf2(passphrase, salt, PBKDF2_ITERATIONS, KEY_BYTES, "sha256", (err, key) => (err ? reject(err) : resolve(key))),
    );
}

/** Encrypts like crypt.go's symmetricCrypter.EncryptValue: `v1:<nonce>:<ciphertext+tag>`. */
export function encryptValue(key: Buffer, plaintext: string): string {
    if (key.length !== KEY_BYTES) throw new Error(`AES-256-GCM needs a ${KEY_BYTES} byte key`);
    const nonce = crypto.randomBytes(NONCE_BYTES);
    const cipher = crypto.createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
    const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `v1:${nonce.toString("base64")}:${sealed.toString("base64")}`;
}

/**
 * Decrypts like crypt.go's symmetricCrypter.DecryptValue: exactly three ':'-separated parts,
 * version `v1`, a 12-byte nonce, and a ciphertext whose 16-byte GCM tag must verify.
 */
export function decryptValue(key: Buffer, ciphertext: string): string {
    if (key.length !== KEY_BYTES) throw new Error(`AES-256-GCM needs a ${KEY_BYTES} byte key`);
    const parts = ciphertext.split(":");
    if (parts.length !== 3) throw new Error(`bad secure value: expected "v1:<nonce>:<ciphertext>"`);
    if (parts[0] !== "v1") throw new Error(`bad secure value: unknown value version "${parts[0]}"`);
    const nonce = decodeStdBase64(parts[1], "bad secure value: nonce");
    const sealed = decodeStdBase64(parts[2], "bad secure value: ciphertext");
    if (nonce.length !== NONCE_BYTES) throw new Error("bad secure value: nonce size is incorrect");
    if (sealed.length < TAG_BYTES) throw new Error("bad secure value: ciphertext shorter than its authentication tag");
    // authTagLength pins the tag at 16 bytes: without it Node would accept a truncated tag.
    const decipher = crypto.createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    try {
        return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
        // Go: aesgcm.Open -> "cipher: message authentication failed".
        throw new Error("secure value does not decrypt: message authentication failed (wrong key, or the value was altered)");
    }
}

/**
 * The key for a stack file's `encryptionsalt`, checked as manager.go's
 * symmetricCrypterFromPhraseAndState does: the embedded check value must decrypt to "pulumi".
 * Costs one PBKDF2 run (1,000,000 iterations, off the main thread): derive once per file.
 */
export async function deriveKey(passphrase: string, encryptionsalt: string, file = "the stack file"): Promise<Buffer> {
    // strings.SplitN(state, ":", 3): "v1", the salt, then the check value (itself "v1:<nonce>:<ct>").
    const first = encryptionsalt.indexOf(":");
    const second = first < 0 ? -1 : encryptionsalt.indexOf(":", first + 1);
    if (second < 0) throw new Error(`${file}: malformed encryptionsalt (expected "v1:<salt>:<check value>")`);
    if (encryptionsalt.slice(0, first) !== "v1") throw new Error(`${file}: unknown encryptionsalt version`);
    const salt = decodeStdBase64(encryptionsalt.slice(first + 1, second), `${file}: encryptionsalt's salt`);
    const key = await pbkdf2(passphrase, salt);
    let check: string | undefined;
    try {
        check = decryptValue(key, encryptionsalt.slice(second + 1));
    } catch {
        check = undefined;
    }
    // Upstream returns ErrIncorrectPassphrase ("incorrect passphrase") for any failure here.
    if (check !== CHECK_PLAINTEXT) throw new Error(`PULUMI_CONFIG_PASSPHRASE does not decrypt ${file}'s secrets (encryptionsalt)`);
    return key;
}

/** A fresh `encryptionsalt` and its key, as manager.go's NewPassphraseSecretsManager makes them. */
export async function newEncryptionSalt(passphrase: string): Promise<{ encryptionsalt: string; key: Buffer }> {
    const salt = crypto.randomBytes(SALT_BYTES);
    const key = await pbkdf2(passphrase, salt);
    return { encryptionsalt: `v1:${salt.toString("base64")}:${encryptValue(key, CHECK_PLAINTEXT)}`, key };
}

// Go's unicode.IsSpace, which strings.TrimSpace uses. Unlike JS String.prototype.trim it
// trims U+0085 (NEL) and keeps U+FEFF (a byte-order mark stays part of the passphrase).
const GO_SPACE = "[\\t\\n\\v\\f\\r \\u0085\\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000]";
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, "g");
export function goTrimSpace(s: string): string {
    return s.replace(GO_TRIM, "");
}

/**
 * The passphrase as manager.go's readPassphrase takes it from the environment:
 * PULUMI_CONFIG_PASSPHRASE if set at all (verbatim: not trimmed, and "" is a valid passphrase),
 * else, if PULUMI_CONFIG_PASSPHRASE_FILE is set and non-empty, that file's contents with
 * strings.TrimSpace applied; else undefined (upstream then prompts, or fails when non-interactive).
 * `readFile` is injected to keep this module crypto-only; a relative path is the caller's cwd's
 * (upstream: filepath.Abs), e.g. `(p) => fs.readFileSync(p, "utf8")`.
 */
export function passphraseFromEnv(env: Record<string, string | undefined>, readFile: (path: string) => string): string | undefined {
    const phrase = env.PULUMI_CONFIG_PASSPHRASE;
    if (phrase !== undefined) return phrase;
    const file = env.PULUMI_CONFIG_PASSPHRASE_FILE;
    if (file !== undefined && file !== "") {
        let text: string;
        try {
            text = readFile(file);
        } catch (e) {
            throw new Error(`unable to read PULUMI_CONFIG_PASSPHRASE_FILE: ${(e as Error).message}`, { cause: e });
        }
        return goTrimSpace(text);
    }
    return undefined;
}

const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = LOWER.toUpperCase();
const DIGITS = "0123456789";
const ALPHANUMERIC = LOWER + UPPER + DIGITS;

/**
 * A random alphanumeric password with at least 2 lowercase letters, 2 uppercase letters and
 * 2 digits. Every character is drawn uniformly (crypto.randomInt); draws that miss a class are
 * redrawn whole, so the result is uniform over all passwords that satisfy the rule.
 */
export function generatePassword(length: number): string {
    if (!Number.isInteger(length) || length < 6 || length > 1024) {
        throw new Error(`password length must be an integer from 6 to 1024 (got ${length})`);
    }
    const count = (s: string, set: string) => [...s].filter((c) => set.includes(c)).length;
    for (;;) {
        let out = "";
        for (let i = 0; i < length; i++) out += ALPHANUMERIC[crypto.randomInt(ALPHANUMERIC.length)];
        if (count(out, LOWER) >= 2 && count(out, UPPER) >= 2 && count(out, DIGITS) >= 2) return out;
    }
}

/**
 * A Fernet key as Python's cryptography `Fernet.generate_key()` makes it:
 * `base64.urlsafe_b64encode(os.urandom(32))`, 44 characters including the trailing '='.
 * (Node's "base64url" drops the padding, so the standard encoding is translated instead.)
 */
export function generateFernetKey(): string {
    return crypto.randomBytes(32).toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
}
