// Keeps secret values out of everything the double prints or throws: runner output, program
// diagnostics, container logs quoted in errors. It learns the credentials that cross the engine
// (secret config, secret scalar inputs and outputs such as a RandomPassword's `result`) and
// masks them as `[secret]`.
//
// Credentials, not names: a secret `envs` list is secret as a whole only because one entry
// holds a credential, so its other entries (`POSTGRES_USER=frontbase`, `PORT=3002`) are not
// learned. Its credential entries are learned by their key, and any credential embedded in a
// longer value (a database URL) is masked anyway, being learned from where it was generated.
import { decode } from "./serialize";
import { Wire } from "./types";

/** Shorter values ("true", "80") would mask innocent text; generated credentials are longer. */
const MIN_LENGTH = 6;

export class Scrubber {
    private readonly secrets = new Set<string>();

    add(value: string): void {
        if (value.length >= MIN_LENGTH) this.secrets.add(value);
    }

    /**
     * Learn a secret config key's text. An object holding a secure value anywhere is secret as a
     * whole (Pulumi marks the key, project/configValues.ts), so its every leaf is learned too.
     */
    addConfig(text: string): void {
        this.add(text);
        let parsed: unknown;
        try {
            parsed = JSON.parse(text);
        } catch {
            return;
        }
        if (typeof parsed === "object" && parsed !== null) for (const leaf of leaves(parsed)) this.add(leaf);
    }

    /** Learn the credentials among the secret leaves of a wire value. */
    addWire(wire: Wire): void {
        for (const value of decode(wire).secretValues) for (const leaf of leaves(value)) this.add(leaf);
    }

    scrub(text: string): string {
        let out = text;
        // Longest first, so that a secret containing another is masked whole.
        for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join("[secret]");
        return out;
    }
}

/** Env keys whose values are credentials (`DB_PASSWORD`, `SRH_TOKEN`, `ENCRYPTION_KEY`, ...). */
const CREDENTIAL_KEY = /(PASSWORD|PASSWD|TOKEN|SECRET|_KEY|^KEY|API_KEYS|CREDENTIALS?)$/i;

/** Scalar leaves of a secret value, and the credential entries of `KEY=value` lists in it. */
function leaves(v: unknown): string[] {
    if (typeof v === "string") return [v];
    if (typeof v === "number") return [String(v)];
    if (Array.isArray(v)) return v.flatMap((x) => (typeof x === "string" ? credentialOfEntry(x) : leaves(x)));
    if (typeof v === "object" && v !== null) return Object.values(v).flatMap(leaves);
    return [];
}

function credentialOfEntry(entry: string): string[] {
    const eq = entry.indexOf("=");
    return eq > 0 && CREDENTIAL_KEY.test(entry.slice(0, eq)) ? [entry.slice(eq + 1)] : [];
}
