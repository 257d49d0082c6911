// A tenant's credentials in its stack file, as Pulumi `secure:` values (passphrase provider).
//
// Why the stack file and not the stack's state: a tenant's data volumes outlive `pulumi
// destroy` (retainOnDelete), and so must the credentials that open them: the postgres data
// directory keeps the password it was initialised with, the backend's database keeps the admin
// account and the redis settings, and stored credentials are encrypted with the tenant's
// ENCRYPTION_KEY. Values generated into state (RandomPassword) die with the stack, and a later
// `up` over the kept data would bring new ones that open nothing.
//
// Generated once, never replaced: a key already in the file is kept as it is.
import { readFileSync } from "fs";
import YAML from "yaml";
import { SecretKey } from "../components/config";
import { credentialsAtRisk, keptDataProblem, requiredCredentials } from "../components/credentialGuard";
import {
    decryptValue,
    deriveKey,
    encryptValue,
    generateFernetKey,
    generatePassword,
    newEncryptionSalt,
    passphraseFromEnv,
} from "./pulumiSecrets";
import { configText } from "./configValues";
import { readFileSafely, replaceFile } from "./safeFs";
import { MAX_STACK_FILE_BYTES, readStackFile, StackFile } from "./stackFiles";

const NAMESPACE = "frontbase";

/** What each credential is made of; `dbPassword` only for postgres tenants. */
const GENERATORS: Record<SecretKey, () => string> = {
    adminPassword: () => generatePassword(24),
    redisToken: () => generatePassword(40),
    encryptionKey: generateFernetKey,
    dbPassword: () => generatePassword(32),
};

export type EnsureResult =
    | { readonly written: readonly SecretKey[]; readonly kept: readonly SecretKey[] }
    | { readonly skipped: string }
    | { readonly refused: string };

/** The tenant's data on its host: its volumes there (components/credentialGuard.ts). */
export interface KeptData {
    readonly tenant: string;
    readonly volumes: ReadonlySet<string>;
}

/**
 * Why generating the credentials `file` lacks (none: a stack file yet to be written) would lock
 * the tenant's kept data out, or undefined when it would not.
 */
export function keptDataRefusal(
    file: Pick<StackFile, "config" | "secureKeys"> | undefined,
    stack: string,
    database: "sqlite" | "postgres",
    kept: KeptData,
): string | undefined {
    const has = (k: SecretKey) => file !== undefined && (`${NAMESPACE}:${k}` in file.config || file.secureKeys.has(`${NAMESPACE}:${k}`));
    const risk = credentialsAtRisk(
        { tenant: kept.tenant, database, stored: new Set(requiredCredentials(database).filter(has)) },
        kept.volumes,
    );
    return risk && keptDataProblem(stack, kept.tenant, risk);
}

/**
 * The credentials a stack file lacks, generated (or given) and encrypted, ready to go into the
 * file in the same write as its settings. Everything that can fail is done here, before a byte
 * is written: the passphrase is read and checked against the file's `encryptionsalt` (or a new
 * salt is made). Without a passphrase, or for a stack with another secrets provider, `skipped`
 * says why and nothing is to be written.
 */
export type CredentialPlan =
    | { readonly skipped: string }
    | {
          /** A new salt, for a file that has none. */
          readonly encryptionsalt?: string;
          /** `frontbase:<key>` -> its `secure:` value, for the keys the file lacks. */
          readonly secure: Readonly<Record<string, { readonly secure: string }>>;
          readonly written: readonly SecretKey[];
          readonly kept: readonly SecretKey[];
      };

/**
 * `text`: the stack file's text, or undefined for a file not written yet. `given`: values to
 * use instead of generated ones (a clone takes its source's ENCRYPTION_KEY).
 */
export async function planCredentials(
    text: string | undefined,
    file: string,
    database: "sqlite" | "postgres",
    env: NodeJS.ProcessEnv,
    given: Partial<Record<SecretKey, string>> = {},
): Promise<CredentialPlan> {
    const doc = YAML.parseDocument(text ?? "{}");
    if (doc.get("secretsprovider") !== undefined) {
        return {
            skipped: `${file} uses the secrets provider ${String(doc.get("secretsprovider"))}; set the credentials with \`pulumi config set --secret\` (docs/credentials.md)`,
        };
    }
    const passphrase = passphraseFromEnv(env, (p) => readFileSync(p, "utf8"));
    if (passphrase === undefined) {
        return {
            skipped:
                "PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) is not set, so no credential was written; set it and run `npm run tenant -- new <tenant> --force` before the first deploy (docs/credentials.md)",
        };
    }
    const salt = doc.get("encryptionsalt");
    const { key, encryptionsalt } =
        typeof salt === "string"
            ? { key: await deriveKey(passphrase, salt, file), encryptionsalt: undefined }
            : await newEncryptionSalt(passphrase);
    const secure: Record<string, { secure: string }> = {};
    const written: SecretKey[] = [];
    const kept: SecretKey[] = [];
    for (const k of requiredCredentials(database)) {
        if (doc.hasIn(["config", `${NAMESPACE}:${k}`])) {
            kept.push(k);
            continue;
        }
        secure[`${NAMESPACE}:${k}`] = { secure: encryptValue(key, given[k] ?? GENERATORS[k]()) };
        written.push(k);
    }
    return { ...(encryptionsalt && written.length > 0 ? { encryptionsalt } : {}), secure, written, kept };
}

/** Puts a plan's values into a stack file's document: only keys it still lacks, and a salt only where there is none. */
export function applyCredentials(doc: YAML.Document, plan: CredentialPlan): void {
    if ("skipped" in plan) return;
    if (plan.encryptionsalt && doc.get("encryptionsalt") === undefined) doc.set("encryptionsalt", plan.encryptionsalt);
    for (const [k, v] of Object.entries(plan.secure)) if (!doc.hasIn(["config", k])) doc.setIn(["config", k], doc.createNode(v));
}

/** What a plan did, as `new` reports it. */
export function planResult(plan: CredentialPlan): EnsureResult {
    return "skipped" in plan ? { skipped: plan.skipped } : { written: plan.written, kept: plan.kept };
}

/**
 * Generate the credentials the tenant lacks into `file` as `secure:` values, encrypted with the
 * stack's passphrase (PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE), creating the
 * file's `encryptionsalt` if it has none. Without a passphrase, or for a stack that uses another
 * secrets provider, it writes nothing and says why. Given the tenant's `keptData`, it refuses,
 * writing nothing, to generate one that data was made with (credentialGuard.ts).
 */
export async function ensureCredentials(
    file: string,
    database: "sqlite" | "postgres",
    env: NodeJS.ProcessEnv,
    keptData?: KeptData,
): Promise<EnsureResult> {
    const stack = await readStackFile(file); // a regular file, a mapping, not too big
    const refused = keptData && keptDataRefusal(stack, stack.stack, database, keptData);
    if (refused) return { refused };
    const text = await readFileSafely(file, { maxBytes: MAX_STACK_FILE_BYTES });
    const plan = await planCredentials(text, file, database, env);
    if (!("skipped" in plan) && plan.written.length > 0) {
        const doc = YAML.parseDocument(text);
        applyCredentials(doc, plan);
        await replaceFile(file, doc.toString(), 0o644);
    }
    return planResult(plan);
}

/**
 * The text Pulumi hands the program for each of a stack file's secret keys, decrypted with the
 * stack's passphrase: a `secure:` value, or an object with `secure:` values inside, at any depth
 * (project/configValues.ts). For the engine double, which stands in for `pulumi up`, and for
 * whatever needs a credential back. Undefined without a passphrase; {} when nothing is secret.
 */
export async function decryptStackSecrets(file: string, env: NodeJS.ProcessEnv): Promise<Record<string, string> | undefined> {
    const { secure } = await readStackFile(file);
    if (secure.size === 0) return {};
    const doc = YAML.parse(await readFileSafely(file, { maxBytes: MAX_STACK_FILE_BYTES })) as { encryptionsalt?: unknown };
    const passphrase = passphraseFromEnv(env, (p) => readFileSync(p, "utf8"));
    if (passphrase === undefined || typeof doc.encryptionsalt !== "string") return undefined;
    const key = await deriveKey(passphrase, doc.encryptionsalt, file);
    const decrypt = (ciphertext: string) => decryptValue(key, ciphertext);
    return Object.fromEntries([...secure].map(([k, tree]) => [k, configText(tree, decrypt)]));
}

/**
 * Whether the program will be able to open the stack file's `secure:` values, checked as `pulumi
 * up` will open them: the passphrase against `encryptionsalt`, then every value. `problems` name
 * the file and the key that fails; `notes` say what could not be checked (no passphrase here,
 * another secrets provider). The one place that finds a file's secure values for this check.
 */
export async function checkStackSecrets(file: string, env: NodeJS.ProcessEnv): Promise<{ problems: string[]; notes: string[] }> {
    // Secure values at any depth (pulumi config set --path --secret), as readStackFile finds them.
    const secure = [...(await readStackFile(file)).secure];
    const doc = YAML.parse(await readFileSafely(file, { maxBytes: MAX_STACK_FILE_BYTES })) as {
        encryptionsalt?: unknown;
        secretsprovider?: unknown;
    };
    if (secure.length === 0) return { problems: [], notes: [] };
    const keys = secure.map(([k]) => k).join(", ");
    if (doc.secretsprovider !== undefined)
        return {
            problems: [],
            notes: [
                `${file} uses the secrets provider ${String(doc.secretsprovider)}: its secure values (${keys}) are opened by pulumi up only`,
            ],
        };
    let passphrase: string | undefined;
    try {
        passphrase = passphraseFromEnv(env, (p) => readFileSync(p, "utf8"));
    } catch (e) {
        return { problems: [`${file}: ${(e as Error).message}`], notes: [] };
    }
    if (passphrase === undefined)
        return {
            problems: [],
            notes: [
                `PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) is not set: ${keys} in ${file} are not checked here; pulumi up will ask for the passphrase`,
            ],
        };
    if (typeof doc.encryptionsalt !== "string")
        return { problems: [`${file} has secure values (${keys}) but no encryptionsalt: no passphrase can open them`], notes: [] };
    let key: Buffer;
    try {
        key = await deriveKey(passphrase, doc.encryptionsalt, file);
    } catch (e) {
        return { problems: [(e as Error).message], notes: [] };
    }
    const problems: string[] = [];
    for (const [k, v] of secure) {
        try {
            configText(v, (ciphertext) => decryptValue(key, ciphertext));
        } catch (e) {
            problems.push(`${file}: ${k}: ${(e as Error).message}`);
        }
    }
    return { problems, notes: [] };
}

/**
 * Set one credential in `file` to `value`, as a `secure:` value under the file's existing
 * `encryptionsalt` (a clone's stack file takes its source's ENCRYPTION_KEY this way). Needs the
 * stack's passphrase; says so, naming the variable, when it is missing.
 */
export async function setStackSecret(file: string, name: SecretKey, value: string, env: NodeJS.ProcessEnv): Promise<void> {
    await readStackFile(file);
    const doc = YAML.parseDocument(await readFileSafely(file, { maxBytes: MAX_STACK_FILE_BYTES }));
    const passphrase = passphraseFromEnv(env, (p) => readFileSync(p, "utf8"));
    const salt = doc.get("encryptionsalt");
    if (passphrase === undefined)
        throw new Error(
            `setting ${NAMESPACE}:${name} in ${file} needs the stack's passphrase: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE)`,
        );
    if (typeof salt !== "string") throw new Error(`${file} has no encryptionsalt: create the stack with npm run tenant -- new first`);
    doc.setIn(["config", `${NAMESPACE}:${name}`], doc.createNode({ secure: encryptValue(await deriveKey(passphrase, salt, file), value) }));
    await replaceFile(file, doc.toString(), 0o644);
}
