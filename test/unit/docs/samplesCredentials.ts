// The sample output of docs/credentials.md: `tenant credentials` refusing to generate a destroyed
// postgres tenant's credentials over its kept volumes, against a fake Engine that has them.
import { session } from "../../support/docSamples";

export async function credentialsRefused(): Promise<Record<string, string>> {
    const kept = ["backend", "edge", "redis", "postgres"].map((s) => ({
        name: `acme_frontbase_${s}_data`,
        labels: { "frontbase.tenant": "acme" },
    }));
    const s = await session({
        files: { "Pulumi.acme.yaml": "config:\n  frontbase:tenant: acme\n  frontbase:database: postgres\n" },
        volumes: kept,
        env: { PULUMI_CONFIG_PASSPHRASE: "docs sample" },
    });
    try {
        return { "credentials-refused": await s.tenant(["credentials", "acme"]) };
    } finally {
        await s.close();
    }
}
