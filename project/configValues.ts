// One stack-file config value as Pulumi reads it, at any depth. No Pulumi import, no crypto.
//
// Upstream: pulumi/pulumi v3.259 sdk/go/common/resource/config/object.go. A map whose only key
// is `secure` with a string value is a ciphertext wherever it sits (unmarshalObject,
// isSecureValue), so `pulumi config set --path --secret frontbase:env.backend.SMTP_PASSWORD x`
// stores `{secure: v1:...}` inside an object. A value containing a ciphertext anywhere makes its
// whole key secret (object.Secure, MarshalString), and decrypting it decrypts every one inside
// (decryptMap, object.decrypt). The program then gets the key as text (Plaintext.marshalText): a
// string as it is, anything else as Go's json.Marshal writes it (map keys sorted; <, >, &,
// U+2028 and U+2029 escaped), secrets in place as plain strings.
//
// Every reader of stack files (project/stackFiles.ts, project/stackSecrets.ts, and through them
// the CLI, the engine double and the backup) reads values through this module.

/** A ciphertext (`v1:<nonce>:<sealed>` for the passphrase provider) inside a config value. */
export class SecureValue {
    constructor(readonly ciphertext: string) {}
}

export type ConfigTree = null | boolean | number | string | SecureValue | ConfigTree[] | { readonly [key: string]: ConfigTree };

/** `value` as parsed from YAML, with every `{secure: "<ciphertext>"}` map turned into a SecureValue. */
export function configTree(value: unknown): ConfigTree {
    if (value === null || value === undefined) return null;
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
    if (Array.isArray(value)) return value.map(configTree);
    if (typeof value === "object") {
        const keys = Object.keys(value);
        const secure = (value as Record<string, unknown>).secure;
        if (keys.length === 1 && keys[0] === "secure" && typeof secure === "string") return new SecureValue(secure);
        return Object.fromEntries(keys.map((k) => [k, configTree((value as Record<string, unknown>)[k])]));
    }
    throw new Error(`a config value cannot be ${typeof value}`);
}

/** Whether the value holds a ciphertext anywhere, which makes its whole key secret (object.Secure). */
export function isSecret(tree: ConfigTree): boolean {
    if (tree instanceof SecureValue) return true;
    if (Array.isArray(tree)) return tree.some(isSecret);
    if (tree !== null && typeof tree === "object") return Object.values(tree).some(isSecret);
    return false;
}

/** Every ciphertext in the value, in a fixed order (keys sorted), each once per place it appears. */
export function ciphertexts(tree: ConfigTree): string[] {
    if (tree instanceof SecureValue) return [tree.ciphertext];
    if (Array.isArray(tree)) return tree.flatMap(ciphertexts);
    if (tree !== null && typeof tree === "object")
        return Object.keys(tree)
            .sort()
            .flatMap((k) => ciphertexts(tree[k]));
    return [];
}

/**
 * The text the program gets for the key (Plaintext.marshalText): every ciphertext replaced by
 * `decrypt(ciphertext)`. A value without any ciphertext needs no `decrypt`.
 */
export function configText(tree: ConfigTree, decrypt: (ciphertext: string) => string = noDecrypter): string {
    if (typeof tree === "string") return tree;
    if (tree instanceof SecureValue) return decrypt(tree.ciphertext);
    return goJson(plain(tree, decrypt));
}

/** The plain strings a decrypted value holds where its ciphertexts were (what must never be printed). */
export function secretStrings(tree: ConfigTree, decrypt: (ciphertext: string) => string): string[] {
    return ciphertexts(tree).map(decrypt);
}

function noDecrypter(ciphertext: string): string {
    throw new Error(`a secure value (${ciphertext.slice(0, 12)}...) needs the stack's secrets provider to be read`);
}

type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

function plain(tree: ConfigTree, decrypt: (ciphertext: string) => string): Plain {
    if (tree instanceof SecureValue) return decrypt(tree.ciphertext);
    if (Array.isArray(tree)) return tree.map((t) => plain(t, decrypt));
    if (tree !== null && typeof tree === "object") {
        return Object.fromEntries(
            Object.keys(tree)
                .sort() // Go's encoding/json writes map keys sorted
                .map((k) => [k, plain(tree[k], decrypt)]),
        );
    }
    return tree;
}

/** JSON.stringify of a key-sorted value, with the escapes Go's json.Marshal adds (HTML-safe, line separators). */
function goJson(v: Plain): string {
    const escapes: Record<string, string> = { "<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029" };
    return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => escapes[c]);
}

export interface StackConfig {
    /** Plain keys: `namespace:key` -> the text the program gets. */
    readonly config: Record<string, string>;
    /** Secret keys (a ciphertext at any depth) -> their value, ciphertexts in place. */
    readonly secure: ReadonlyMap<string, ConfigTree>;
}

/** A stack file's `config:` map split into what anyone can read and what needs the secrets provider. */
export function readConfigMap(raw: Readonly<Record<string, unknown>>): StackConfig {
    const config: Record<string, string> = {};
    const secure = new Map<string, ConfigTree>();
    for (const [key, value] of Object.entries(raw)) {
        const tree = configTree(value);
        if (isSecret(tree)) secure.set(key, tree);
        else config[key] = configText(tree);
    }
    return { config, secure };
}
