// A stack's config as `pulumi up` hands it to the program: Pulumi.<stack>.yaml read as Pulumi
// reads it (project/stackFiles.ts, project/configValues.ts), its secret keys decrypted with the
// stack's passphrase, a secure value nested anywhere inside an object included, and every
// secret key marked (PULUMI_CONFIG_SECRET_KEYS); then the harness's own overrides.
import { existsSync } from "fs";
import * as path from "path";
import { readStackFile, stackFileName } from "../../project/stackFiles";
import { decryptStackSecrets } from "../../project/stackSecrets";

export interface Overrides {
    /** `--config key=value`: plain values; `frontbase:` is implied for a bare key. */
    readonly config: Record<string, string>;
    /** `--secret key=value`: secret values, marked as such. */
    readonly secrets: Record<string, string>;
}

/** `dbPassword` -> `frontbase:dbPassword`, as `pulumi config set` qualifies keys. */
function qualify(project: string, entries: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(entries).map(([k, v]) => [k.includes(":") ? k : `${project}:${k}`, v]));
}

export async function stackConfig(
    projectDir: string,
    project: string,
    stack: string,
    given: Overrides,
    env: NodeJS.ProcessEnv = process.env,
): Promise<{ config: Record<string, string>; secretKeys: string[] }> {
    const file = path.join(projectDir, stackFileName(stack));
    const fromFile = existsSync(file) ? await readStackFile(file) : undefined;
    const decrypted = fromFile && fromFile.secureKeys.size > 0 ? await decryptStackSecrets(file, env) : {};
    const secrets = { ...decrypted, ...qualify(project, given.secrets) };
    const undecryptable = [...(fromFile?.secureKeys ?? [])].filter((k) => !(k in secrets));
    if (undecryptable.length > 0) {
        throw new Error(
            `${file}: ${undecryptable.join(", ")} encrypted; set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE), or pass --secret ${undecryptable[0]}=...`,
        );
    }
    return { config: { ...fromFile?.config, ...qualify(project, given.config), ...secrets }, secretKeys: Object.keys(secrets) };
}
