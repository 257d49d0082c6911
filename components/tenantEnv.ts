// A tenant's own environment variables (`frontbase:env`), per service. Pure: no Pulumi import.
//
// `frontbase:env` maps a service (the keys of `images`) to `NAME: value`. Values may be Pulumi
// secure values at any depth (`pulumi config set --path --secret frontbase:env.backend.X v`);
// the key is then secret as a whole (project/configValues.ts), and so is every service's own
// list here: the program cannot tell which of the values was the secure one.
import { z } from "zod";
import { IMAGE_KEYS, ImageKey } from "./defaults";

export type TenantEnv = Partial<Record<ImageKey, Readonly<Record<string, string>>>>;

/** What POSIX calls a portable name (and what a shell can `export`). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const MAX_ENV_NAME = 128;
/** Bytes (UTF-8) per value: a PEM certificate fits; Linux takes at most 128 KiB per string. */
export const MAX_ENV_VALUE = 8192;
/**
 * The variables the program sets itself, per service, under either database (services.ts; a
 * unit test holds this list to the services' own env), plus the backend's `DATABASE_URL`, which
 * it must never get: with it the real backend's sync sub-app leaves the core database.
 */
export const PROGRAM_ENV: Record<ImageKey, readonly string[]> = {
    backend: [
        "ADMIN_EMAIL",
        "ADMIN_PASSWORD",
        "ALLOW_REGISTRATION",
        "DATABASE",
        "DATABASE_URL",
        "DB_PASSWORD",
        "EDGE_ENGINE_URL",
        "EDGE_SSR_URL",
        "EDGE_URL",
        "ENCRYPTION_KEY",
        "ENVIRONMENT",
        "REDIS_TOKEN",
    ],
    edge: [
        "FASTAPI_URL",
        "NODE_ENV",
        "PAGES_DB_URL",
        "PORT",
        "PUBLIC_URL",
        "SQLITE_PATH",
        "UPSTASH_REDIS_REST_TOKEN",
        "UPSTASH_REDIS_REST_URL",
    ],
    frontend: [],
    redis: [],
    redisHttp: ["SRH_CONNECTION_STRING", "SRH_MODE", "SRH_TOKEN"],
    postgres: ["POSTGRES_DB", "POSTGRES_PASSWORD", "POSTGRES_USER"],
};

const NAME_RULE = `must be a valid environment variable name: a letter or _, then letters, digits or _, at most ${MAX_ENV_NAME} characters`;

// `pulumi config set --path` stores `true` and `42` as a boolean and a number: both are text to a process.
const value = z
    .union([z.string(), z.number(), z.boolean()], { error: "must be a text value (or a number or true/false)" })
    .transform((v, ctx) => {
        const text = String(v);
        if (Buffer.byteLength(text, "utf8") > MAX_ENV_VALUE)
            ctx.addIssue({ code: "custom", message: `must be at most ${MAX_ENV_VALUE} bytes` });
        // execve passes NUL-terminated strings: a NUL would cut the value short.
        if (text.includes("\0")) ctx.addIssue({ code: "custom", message: "must not contain a NUL character" });
        return text;
    });

const serviceEnv = z.record(z.string(), value, { error: "must be a map of NAME: value" }).superRefine((vars, ctx) => {
    for (const name of Object.keys(vars))
        if (!ENV_NAME.test(name) || name.length > MAX_ENV_NAME) ctx.addIssue({ code: "custom", path: [name], message: NAME_RULE });
});

/** The schema of `frontbase:env`: a strict map of service -> variables. */
export const tenantEnvSchema = z.strictObject(
    Object.fromEntries(IMAGE_KEYS.map((k) => [k, serviceEnv.optional()])) as Record<ImageKey, z.ZodOptional<typeof serviceEnv>>,
    {
        error: (iss) =>
            iss.code === "unrecognized_keys"
                ? `unknown service(s) ${iss.keys.join(", ")}; allowed: ${IMAGE_KEYS.join(", ")}`
                : 'must be a map of service -> {NAME: value}, e.g. {"edge": {"ALLOWED_ORIGINS": "https://a.example"}}',
    },
);

/**
 * What the stack's `env` may not hold: a service the tenant does not run, a variable the
 * program sets itself (`DB_PASSWORD` on a sqlite tenant too).
 */
export function tenantEnvProblems(env: TenantEnv, database: "sqlite" | "postgres"): string[] {
    const problems: string[] = [];
    for (const [service, vars] of Object.entries(env) as [ImageKey, Record<string, string>][]) {
        if (vars === undefined) continue;
        if (service === "postgres" && database !== "postgres") {
            problems.push(`frontbase:env.postgres: this tenant has no postgres (frontbase:database is "${database}")`);
            continue;
        }
        const own = PROGRAM_ENV[service];
        for (const name of Object.keys(vars))
            if (own.includes(name))
                problems.push(
                    `frontbase:env.${service}.${name}: set by the program itself; the ${service}'s own variables are not yours to set (${own.join(", ")})`,
                );
    }
    return problems;
}

/** What of a service spec (services.ts ServiceSpec) its env is made of. */
interface EnvSpec<C> {
    readonly imageKey: ImageKey;
    readonly usesCredentials: boolean;
    env(credentials: C): Record<string, string>;
}

/** The spec with the tenant's variables added; its env secret as a whole when `frontbase:env` is. */
export function withTenantEnv<C, S extends EnvSpec<C>>(spec: S, env: TenantEnv, secret: boolean): S {
    const extra = env[spec.imageKey];
    if (extra === undefined || Object.keys(extra).length === 0) return spec;
    return { ...spec, usesCredentials: spec.usesCredentials || secret, env: (c: C) => ({ ...extra, ...spec.env(c) }) };
}
