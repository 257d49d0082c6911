// Secrets at rest in the double's state files: sealed with AES-256-GCM, like Pulumi's
// passphrase secrets manager keeps ciphertext in the stack's state. The key lives next to
// the state (mode 0600); the point is that a state file that ends up in a log or a test
// report does not carry credentials in plain text.
import { createCipheriv, createDecipheriv, randomBytes } from "crypto";
import { promises as fs } from "fs";
import * as path from "path";
import { isSecret, SECRET_SIG, SIG_KEY } from "./serialize";
import { Wire } from "./types";

const SEALED = "$sealed";
const KEY_FILE = ".secrets-key";

export type Key = Buffer;

export async function loadKey(stateDir: string): Promise<Key> {
    const file = path.join(stateDir, KEY_FILE);
    await fs.mkdir(stateDir, { recursive: true, mode: 0o700 });
    try {
        return Buffer.from((await fs.readFile(file, "utf8")).trim(), "hex");
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    const key = randomBytes(32);
    try {
        await fs.writeFile(file, key.toString("hex"), { mode: 0o600, flag: "wx" });
        return key;
    } catch (e) {
        // Another process created it first: use theirs, or its sealed values could not be read.
        if ((e as NodeJS.ErrnoException).code === "EEXIST") return Buffer.from((await fs.readFile(file, "utf8")).trim(), "hex");
        throw e;
    }
}

function seal(key: Key, value: Wire): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
    return [iv, cipher.getAuthTag(), body].map((b) => b.toString("base64")).join(".");
}

function unseal(key: Key, text: string): Wire {
    const [iv, tag, body] = text.split(".").map((p) => Buffer.from(p, "base64"));
    const decipher = createDecipheriv("aes-256-gcm", key, iv);
    decipher.setAuthTag(tag);
    return JSON.parse(Buffer.concat([decipher.update(body), decipher.final()]).toString("utf8"));
}

/** Every secret wrapper's value replaced by ciphertext. */
export function sealSecrets(key: Key, wire: Wire): Wire {
    if (isSecret(wire)) return { [SEALED]: seal(key, wire.value) };
    if (Array.isArray(wire)) return wire.map((x) => sealSecrets(key, x));
    if (typeof wire === "object" && wire !== null)
        return Object.fromEntries(Object.entries(wire).map(([k, x]) => [k, sealSecrets(key, x)]));
    return wire;
}

/** The inverse of sealSecrets: ciphertext back to secret wrappers. */
export function openSecrets(key: Key, stored: Wire): Wire {
    if (Array.isArray(stored)) return stored.map((x) => openSecrets(key, x));
    if (typeof stored === "object" && stored !== null) {
        const o = stored as Record<string, Wire>;
        if (typeof o[SEALED] === "string" && Object.keys(o).length === 1) return { [SIG_KEY]: SECRET_SIG, value: unseal(key, o[SEALED]) };
        return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, openSecrets(key, x)]));
    }
    return stored;
}
