// Keeps secret values out of everything the double prints or throws: runner output, program
// diagnostics, container logs quoted in errors. It learns every secret that crosses the engine
// (secret config, secret inputs and outputs) and masks them as `[secret]`.
import { decode } from "./serialize";
import { Wire } from "./types";

/** Shorter values ("true", "80") would mask innocent text; generated credentials are longer. */
const MIN_LENGTH = 6;

export class Scrubber {
    private readonly secrets = new Set<string>();

    add(value: string): void {
        if (value.length >= MIN_LENGTH) this.secrets.add(value);
        // Env entries (`KEY=value`) and URLs embed the credential in a longer string.
        const eq = value.indexOf("=");
        if (eq > 0 && value.length - eq - 1 >= MIN_LENGTH) this.secrets.add(value.slice(eq + 1));
    }

    /** Learn the secret leaves of a wire value. */
    addWire(wire: Wire): void {
        for (const leaf of leaves(decode(wire).secretValues)) this.add(leaf);
    }

    scrub(text: string): string {
        let out = text;
        // Longest first, so that a secret containing another is masked whole.
        for (const s of [...this.secrets].sort((a, b) => b.length - a.length)) out = out.split(s).join("[secret]");
        return out;
    }
}

function leaves(v: unknown): string[] {
    if (typeof v === "string") return [v];
    if (typeof v === "number") return [String(v)];
    if (Array.isArray(v)) return v.flatMap(leaves);
    if (typeof v === "object" && v !== null) return Object.values(v).flatMap(leaves);
    return [];
}
