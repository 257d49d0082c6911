// Stack config (namespace `frontbase`) -> a validated tenant config. Pure: no Pulumi import.
//
// Every key is checked before any resource is declared; unknown keys are errors, because a
// typo such as `frontbase:databse` must not fall back silently to a default.
import { z } from "zod";
import {
    ALL_PORT_KEYS,
    AnyPortKey,
    NODE_NAME_PATTERN,
    NODE_NAME_RULE,
    PORT_KEYS,
    PortKey,
    TENANT_NAME_MAX,
    tenantNameProblem,
} from "./naming";
import { domainList, imageRef, IPV4, memoryMiB, perImageKey, perPortKey, port, range, secretString, HEALTH_SECONDS } from "./configFields";
import { parseReleases, ReleaseStanding, standingOf, unknownReleaseProblem } from "./release";
import {
    ALL_INTERFACES,
    DEFAULT_IMAGES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MEMORY,
    DEFAULT_PORT_RANGES,
    ImageKey,
    LOOPBACK,
    NAMESPACE,
    PortRange,
    PUBLISH_MODES,
    PublishMode,
    Target,
    TARGETS,
} from "./defaults";
import { tenantEnvProblems, TenantEnv, tenantEnvSchema } from "./tenantEnv";
import { duplicatePinnedPort, targetMismatch } from "./configRules";
import { configText, ConfigTree, SecureValue } from "../project/configValues";

export {
    ALL_INTERFACES,
    DEFAULT_IMAGES,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MEMORY,
    DEFAULT_PORT_RANGES,
    IMAGE_KEYS,
    LOOPBACK,
    NAMESPACE,
    PUBLISH_MODES,
    TARGETS,
} from "./defaults";
export type { ImageKey, PortRange, PublishMode, Target } from "./defaults";

/** Keys whose values are plain strings; every other value is JSON (number, boolean, object). */
const STRING_KEYS = new Set([
    "tenant",
    "database",
    "target",
    "node",
    "publishMode",
    "dbPassword",
    "redisToken",
    "adminPassword",
    "encryptionKey",
    "release",
    "publicHost",
    "bindAddress",
    "adminEmail",
]);
/**
 * Keys that must be stored encrypted (`pulumi config set --secret`). `tenant new` generates
 * them into the stack file, so that they live as long as the tenant's data (not its state).
 */
export const SECRET_KEYS = ["dbPassword", "redisToken", "adminPassword", "encryptionKey"] as const;
export type SecretKey = (typeof SECRET_KEYS)[number];

const schema = z.strictObject(
    {
        tenant: z.string().superRefine((v, ctx) => {
            const problem = tenantNameProblem(v);
            if (problem) ctx.addIssue({ code: "custom", message: v.length > TENANT_NAME_MAX ? problem : `${problem} (got "${v}")` });
        }),
        database: z.enum(["sqlite", "postgres"], { error: 'must be "sqlite" or "postgres"' }).default("sqlite"),
        // The second slot's ports (backend2, edge2, frontend2) allocate from their service's range.
        ports: perPortKey(port, ALL_PORT_KEYS).default({}),
        portRanges: perPortKey(range, PORT_KEYS).default({}),
        reservedPorts: z.array(port, { error: "must be a list of port numbers" }).default([]),
        maxRetries: z.number().int().min(0).max(20, { error: "must be an integer from 0 to 20" }).default(DEFAULT_MAX_RETRIES),
        images: perImageKey(imageRef).default({}),
        memory: perImageKey(memoryMiB).default({}),
        dbPassword: secretString.optional(),
        redisToken: secretString.regex(/^[A-Za-z0-9._~-]+$/, { error: "must use only letters, digits and . _ ~ -" }).optional(),
        adminPassword: secretString.optional(),
        // A Fernet key, as Python's cryptography `Fernet.generate_key()` makes one.
        encryptionKey: z
            .string()
            .regex(/^[A-Za-z0-9_-]{43}=$/, { error: "must be a Fernet key: 32 bytes in url-safe base64 (44 characters ending in =)" })
            .optional(),
        purgeDataOnDestroy: z.boolean({ error: "must be true or false" }).default(false),
        publicHost: z
            .string()
            .regex(/^[A-Za-z0-9.-]+$|^\[[0-9a-fA-F:]+\]$/, { error: "must be a host name or IP address" })
            .default("localhost"),
        // Default: 0.0.0.0, or 127.0.0.1 when the tenant has domains (the proxy faces the world).
        bindAddress: z
            .string()
            .regex(IPV4, { error: "must be an IPv4 address such as 0.0.0.0 or 127.0.0.1 (four numbers from 0 to 255)" })
            .optional(),
        domains: domainList.default([]),
        adminEmail: z.string().email({ error: "must be an e-mail address" }).default("admin@example.com"),
        target: z
            .enum(TARGETS, { error: 'must be "docker" (one Docker host) or "swarm" (a Docker Swarm cluster, through its manager)' })
            .default("docker"),
        node: z.string().regex(NODE_NAME_PATTERN, { error: NODE_NAME_RULE }).optional(),
        encryptOverlay: z.boolean({ error: "must be true or false" }).default(false),
        publishMode: z
            .enum(PUBLISH_MODES, {
                error: 'must be "host" (on the tenant\'s node) or "ingress" (the routing mesh: on every node, needs IPVS)',
            })
            .default("host"),
        healthInterval: z.number(HEALTH_SECONDS).int(HEALTH_SECONDS).min(1, HEALTH_SECONDS).max(3600, HEALTH_SECONDS).optional(),
        // Checked by components/release.ts, which names each bad entry.
        release: z.string().optional(),
        releases: z.unknown().optional(),
        env: tenantEnvSchema.default({}),
        suspended: z.boolean({ error: "must be true or false (`npm run tenant -- suspend|resume <tenant>` writes it)" }).default(false),
    },
    { error: (iss) => (iss.code === "unrecognized_keys" ? unknownKeys(iss.keys) : undefined) },
);

/** Every key of the `frontbase` namespace, for error messages and the table in docs/configuration.md. */
export const CONFIG_KEYS = Object.keys(schema.shape);

function unknownKeys(keys: readonly string[]): string {
    return `unknown key(s) ${keys.map((k) => `${NAMESPACE}:${k}`).join(", ")}; allowed: ${CONFIG_KEYS.join(", ")}`;
}

type Parsed = z.output<typeof schema>;

/** The validated config a TenantStack is built from. Ports not pinned are allocated later. */
export interface TenantConfig {
    readonly tenant: string;
    readonly database: "sqlite" | "postgres";
    readonly ports: Partial<Record<AnyPortKey, number>>;
    readonly portRanges: Record<PortKey, PortRange>;
    readonly reservedPorts: readonly number[];
    readonly maxRetries: number;
    /** Its stack file's `frontbase:images`, else its release's, else the defaults. */
    readonly images: Record<ImageKey, string>;
    /** The release its config names (`frontbase:release`, from Pulumi.yaml or its stack file). */
    readonly release?: string;
    /** Whether it runs that release's images, its own, or the `:latest` defaults. */
    readonly standing: ReleaseStanding;
    readonly memory: Record<ImageKey, number>;
    readonly dbPassword?: string;
    readonly redisToken?: string;
    readonly adminPassword?: string;
    readonly encryptionKey?: string;
    readonly purgeDataOnDestroy: boolean;
    readonly publicHost: string;
    readonly bindAddress: string;
    readonly adminEmail: string;
    /** Host names the host's proxy routes to this tenant's frontend; the first is its public URL. */
    readonly domains: readonly string[];
    /**
     * Seconds between health checks, for every service; unset: each service's own (10-15 s).
     * Docker runs the first check one interval after start, so this sets how fast `up` is.
     */
    readonly healthInterval?: number;
    /**
     * Not a config key: whether the stack's Docker host runs health checks at a start interval
     * (API 1.44, Docker 25, and later), read from the host by the program before it declares
     * anything (stacks/tenant.ts). Unset: the engine is older, or not asked (tests, `tenant` commands).
     */
    readonly healthStartInterval?: boolean;
    /** `docker`: containers on one Docker host; `swarm`: services on a Swarm cluster, through its manager. */
    readonly target: Target;
    /** Swarm only: the node (hostname or ID) that runs the tenant and holds its volumes. */
    readonly node?: string;
    /** Swarm only: encrypt the tenant's overlay network (IPsec between nodes). */
    readonly encryptOverlay: boolean;
    /** Swarm only: `host` publishes on the tenant's node; `ingress`, through the routing mesh on every node. */
    readonly publishMode: PublishMode;
    /** The tenant's own variables per service (components/tenantEnv.ts); {} when secret and read without its passphrase. */
    readonly env: TenantEnv;
    /** Whether `frontbase:env` holds a secure value (then every service's env list is a secret). */
    readonly envSecret: boolean;
    /** Containers stopped (swarm: 0 replicas); volumes, networks, ports and credentials kept (containerArgs.ts SUSPENDED). */
    readonly suspended: boolean;
}

export class ConfigError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`Invalid stack config:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

export interface ConfigContext {
    /** The stack's name; the tenant defaults to it. */
    readonly stack: string;
    /** Fully qualified keys (`frontbase:dbPassword`) that Pulumi holds encrypted. */
    readonly secretKeys?: ReadonlySet<string>;
    /** Secret keys read without the passphrase (ciphertexts in place): `env`'s names are still checked. */
    readonly secure?: ReadonlyMap<string, ConfigTree>;
}

/**
 * Validate raw stack config: `raw` maps keys (with or without the `frontbase:` prefix) to
 * the strings Pulumi stores. Keys of other namespaces (`docker:host`, `pulumi:*`) are ignored.
 */
export function parseTenantConfig(raw: Readonly<Record<string, string>>, ctx: ConfigContext): TenantConfig {
    const problems: string[] = [];
    const values: Record<string, unknown> = {};
    for (const [fullKey, text] of Object.entries(raw)) {
        const key = fullKey.includes(":") ? stripNamespace(fullKey) : fullKey;
        if (key === undefined) continue;
        values[key] = STRING_KEYS.has(key) ? text : decode(text);
    }
    values.tenant ??= ctx.stack;
    // Secure values inside the map: its names are checked. A map encrypted whole cannot be read here.
    const unreadEnv = values.env === undefined ? ctx.secure?.get(`${NAMESPACE}:env`) : undefined;
    if (unreadEnv !== undefined && !(unreadEnv instanceof SecureValue)) values.env = decode(configText(unreadEnv, () => ""));
    for (const key of SECRET_KEYS) {
        const qualified = `${NAMESPACE}:${key}`;
        if (values[key] !== undefined && ctx.secretKeys && !ctx.secretKeys.has(qualified)) {
            problems.push(`${qualified}: is stored in plain text; set it with \`pulumi config set --secret ${key}\``);
        }
    }
    const result = schema.safeParse(values);
    if (!result.success) {
        for (const issue of result.error.issues) problems.push(`${describePath(issue.path)}: ${issue.message}`);
    }
    const releases = values.releases === undefined ? undefined : parseReleases(values.releases);
    problems.push(...(releases?.problems ?? []));
    const release = typeof values.release === "string" ? values.release : undefined;
    const unknown = release !== undefined && unknownReleaseProblem(release, releases?.releases);
    if (unknown) problems.push(unknown);
    if (problems.length > 0) throw new ConfigError(problems);
    const parsed = (result as { data: Parsed }).data;
    const envSecret = ctx.secretKeys?.has(`${NAMESPACE}:env`) ?? unreadEnv !== undefined;
    const cfg = complete(parsed, release ? releases!.releases[release] : {}, { secret: envSecret, unread: unreadEnv !== undefined });
    const envProblems = tenantEnvProblems(parsed.env, cfg.database);
    if (envProblems.length > 0) throw new ConfigError(envProblems);
    const clash = duplicatePinnedPort(cfg.ports);
    if (clash) throw new ConfigError([clash]);
    const targetProblems = targetMismatch(cfg);
    if (targetProblems.length > 0) throw new ConfigError(targetProblems);
    return cfg;
}

function complete(
    { releases: _, ...p }: Parsed,
    releaseImages: Partial<Record<ImageKey, string>>,
    env: { secret: boolean; unread: boolean },
): TenantConfig {
    const own = dropUndefined(p.images);
    return {
        ...p,
        standing: standingOf(p.release, own),
        env: env.unread ? {} : p.env,
        envSecret: env.secret,
        ports: p.ports as Partial<Record<AnyPortKey, number>>,
        portRanges: { ...DEFAULT_PORT_RANGES, ...dropUndefined(p.portRanges) },
        images: { ...DEFAULT_IMAGES, ...releaseImages, ...own },
        memory: { ...DEFAULT_MEMORY, ...dropUndefined(p.memory) },
        // A swarm node publishes on every interface, proxy or not.
        bindAddress: p.bindAddress ?? (p.domains.length > 0 && p.target !== "swarm" ? LOOPBACK : ALL_INTERFACES),
    };
}

function stripNamespace(fullKey: string): string | undefined {
    const [ns, ...rest] = fullKey.split(":");
    return ns === NAMESPACE ? rest.join(":") : undefined;
}

/** Pulumi stores objects, lists, numbers and booleans as JSON text. */
function decode(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

function describePath(path: readonly PropertyKey[]): string {
    if (path.length === 0) return NAMESPACE;
    return `${NAMESPACE}:${path.map(String).join(".")}`;
}

function dropUndefined<T extends object>(o: T): { [K in keyof T]-?: Exclude<T[K], undefined> } {
    return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as never;
}
