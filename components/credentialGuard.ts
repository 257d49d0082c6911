// Never new credentials over a tenant's kept data. Pure: which stored credentials a deploy would
// have to generate, and whether the data they must open is already there.
//
// A tenant's volumes outlive `pulumi destroy`; its credentials live in its stack file (`tenant
// new` writes them) or, for a stack file without them, in the stack's state (TenantStack's
// RandomPassword fallback), which a destroy loses. Deploying such a stack again over the kept
// volumes would generate new ones: postgres keeps the password its data directory was made with,
// so the backend never connects; what the backend stored stays encrypted with the old
// ENCRYPTION_KEY. The program, `tenant new` and `tenant credentials` refuse that instead, before
// anything is written or created, and say how to get the old values back.
import { SECRET_KEYS, SecretKey } from "./config";
import { volumeName } from "./naming";

/** The credentials a tenant runs with: `dbPassword` only with postgres. */
export function requiredCredentials(database: "sqlite" | "postgres"): SecretKey[] {
    return SECRET_KEYS.filter((k) => k !== "dbPassword" || database === "postgres");
}

/**
 * The volumes whose data only the old value of `key` opens (the real application, FIELD-NOTES
 * section 1): postgres keeps the password its data directory was made with; the backend encrypts
 * what it stores (its database: sqlite in its volume, or postgres) with ENCRYPTION_KEY. The admin
 * password is read from the environment only (app/routers/auth.py), and the redis token is
 * written into the stored settings again by the token job whenever it changes: new ones of those
 * lock nothing out, so they are not refused (a backup keeps only the first two, for the same reason).
 */
function boundTo(tenant: string, key: SecretKey): string[] {
    if (key === "dbPassword") return [volumeName(tenant, "postgres")];
    if (key === "encryptionKey") return [volumeName(tenant, "backend"), volumeName(tenant, "postgres")];
    return [];
}

export interface CredentialsAtRisk {
    /** Required credentials the stack does not store, whose data is there. */
    readonly missing: readonly SecretKey[];
    /** The existing volumes they were made for. */
    readonly volumes: readonly string[];
}

/** What a deploy would generate over kept data (undefined: nothing). `volumes`: the names that exist on the tenant's host. */
export function credentialsAtRisk(
    t: { readonly tenant: string; readonly database: "sqlite" | "postgres"; readonly stored: ReadonlySet<string> },
    volumes: ReadonlySet<string>,
): CredentialsAtRisk | undefined {
    const missing = requiredCredentials(t.database).filter((k) => !t.stored.has(k) && boundTo(t.tenant, k).some((v) => volumes.has(v)));
    if (missing.length === 0) return undefined;
    const kept = [...new Set(missing.flatMap((k) => boundTo(t.tenant, k)))].filter((v) => volumes.has(v)).sort();
    return { missing, volumes: kept };
}

/** The refusal: what is missing, over which data, and how to get the old values back. */
export function keptDataProblem(stack: string, tenant: string, risk: CredentialsAtRisk): string {
    const keys = risk.missing.map((k) => `frontbase:${k}`).join(", ");
    return [
        `tenant ${tenant}'s data is kept in ${risk.volumes.join(", ")}, but Pulumi.${stack}.yaml stores no ${keys}:`,
        "new ones would not open that data (postgres keeps the password its data directory was made with;",
        "what the backend stored stays encrypted with the old ENCRYPTION_KEY). Put the old values in the stack file",
        `first (docs/credentials.md, "Recovering credentials"): from the stack while it still has them`,
        `(pulumi stack output --show-secrets --stack ${stack}), or from the tenant's latest backup (it holds both);`,
        `set each with pulumi config set --secret frontbase:<key> <value> --stack ${stack},`,
        `then npm run tenant -- credentials ${stack} adds the others.`,
        `Or, to start over without that data: npm run tenant -- purge ${tenant}.`,
    ].join("\n    ");
}
