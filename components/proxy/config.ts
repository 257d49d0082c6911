// Stack config of the proxy stack (`Pulumi.proxy.yaml`, namespace `frontbase`). Pure.
import { z } from "zod";
import { PROJECT_KEYS } from "../release";

/** The official image, pinned (docs/proxy.md). */
export const DEFAULT_PROXY_IMAGE = "caddy:2.8.4-alpine";
export const LETS_ENCRYPT = "https://acme-v02.api.letsencrypt.org/directory";
export const LETS_ENCRYPT_STAGING = "https://acme-staging-v02.api.letsencrypt.org/directory";

export interface ProxyConfig {
    /** `acme` (the default): certificates from `acmeCa`; `internal`: from Caddy's own local CA. */
    readonly tls: "acme" | "internal";
    readonly acmeEmail?: string;
    /** ACME directory URL; Let's Encrypt by default. */
    readonly acmeCa: string;
    /** PEM bundle to trust for `acmeCa` (a private or test ACME server). */
    readonly acmeCaRoot?: string;
    /** `Strict-Transport-Security` max-age in seconds; 0 (the default) sends none. */
    readonly hstsMaxAge: number;
    readonly image: string;
    /** Address Caddy listens on for 80 and 443; all interfaces by default. */
    readonly bindAddress?: string;
    /** MiB. */
    readonly memory: number;
}

const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^(${OCTET}\\.){3}${OCTET}$`);
const STRING_KEYS = new Set(["tls", "acmeEmail", "acmeCa", "acmeCaRoot", "image", "bindAddress"]);

const schema = z
    .strictObject(
        {
            tls: z.enum(["acme", "internal"], { error: 'must be "acme" or "internal"' }).default("acme"),
            acmeEmail: z.string().email({ error: "must be an e-mail address (the ACME account's contact)" }).optional(),
            acmeCa: z
                .string()
                .url({ error: "must be an ACME directory URL such as " + LETS_ENCRYPT })
                .regex(/^https:\/\//, { error: "must be an https:// ACME directory URL" })
                .default(LETS_ENCRYPT),
            acmeCaRoot: z
                .string()
                .regex(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/, {
                    error: "must be PEM certificates (-----BEGIN CERTIFICATE----- ...)",
                })
                .optional(),
            hstsMaxAge: z
                .number()
                .int()
                .min(0)
                .max(63072000, { error: "must be seconds from 0 (no HSTS) to 63072000 (two years)" })
                .default(0),
            image: z
                .string()
                .regex(/^[a-z0-9][a-zA-Z0-9._/:@-]*$/, { error: "must be an image reference such as " + DEFAULT_PROXY_IMAGE })
                .default(DEFAULT_PROXY_IMAGE),
            bindAddress: z.string().regex(IPV4, { error: "must be an IPv4 address such as 127.0.0.1" }).optional(),
            memory: z.number().int().min(32, { error: "must be at least 32 MiB" }).max(65536).default(128),
        },
        {
            error: (iss) =>
                iss.code === "unrecognized_keys"
                    ? `unknown key(s) ${iss.keys.map((k) => `frontbase:${k}`).join(", ")} for the proxy stack; allowed: ${PROXY_CONFIG_KEYS.join(", ")}`
                    : undefined,
        },
    )
    .superRefine((c, ctx) => {
        if (c.tls === "acme" && !c.acmeEmail)
            ctx.addIssue({
                code: "custom",
                path: ["acmeEmail"],
                message:
                    'is required when frontbase:tls is "acme" (the default): the ACME account\'s contact; or set frontbase:tls to "internal"',
            });
    });

export const PROXY_CONFIG_KEYS = ["tls", "acmeEmail", "acmeCa", "acmeCaRoot", "hstsMaxAge", "image", "bindAddress", "memory"];

export class ProxyConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`Invalid proxy stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ProxyConfigError";
    }
}

/**
 * `raw`: `frontbase:key` -> the string Pulumi stores; other namespaces are ignored, and so are the
 * release keys that Pulumi.yaml gives every stack (components/release.ts): Caddy has no release.
 */
export function parseProxyConfig(raw: Readonly<Record<string, string>>): ProxyConfig {
    const values: Record<string, unknown> = {};
    for (const [full, text] of Object.entries(raw)) {
        const [ns, ...rest] = full.split(":");
        if (ns !== "frontbase" || rest.length === 0) continue;
        const key = rest.join(":");
        if ((PROJECT_KEYS as readonly string[]).includes(key)) continue;
        values[key] = STRING_KEYS.has(key) ? text : decode(text);
    }
    const r = schema.safeParse(values);
    if (!r.success)
        throw new ProxyConfigError(
            r.error.issues.map((i) => `frontbase${i.path.length ? ":" + i.path.map(String).join(".") : ""}: ${i.message}`),
        );
    return r.data;
}

function decode(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}
