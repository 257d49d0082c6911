// `frontbase:env`: a tenant's own variables per service (components/tenantEnv.ts). Every refused
// case by name; what the services get; and a stack file holding nested secure values, as
// `pulumi config set --path --secret frontbase:env.backend.SMTP_PASSWORD ...` writes it, read by
// `tenant check` without the passphrase (names checked, no secret read).
import * as path from "path";
import { describe, expect, it } from "vitest";
import YAML from "yaml";
import { ConfigError, parseTenantConfig, TenantConfig } from "../../components/config";
import { envList, tenantServices } from "../../components/services";
import { MAX_ENV_VALUE, PROGRAM_ENV } from "../../components/tenantEnv";
import { encryptValue, newEncryptionSalt } from "../../project/pulumiSecrets";
import { readStackFile } from "../../project/stackFiles";
import { pinsOf } from "../../project/stackPins";
import { tempLockDir, tempProject, tenant } from "../support/cliRun";

const PORTS = { backend: 8001, edge: 3003, frontend: 8081, redisHttp: 8082 };
const parse = (env: unknown, extra: Record<string, string> = {}, secret = false): TenantConfig =>
    parseTenantConfig(
        { "frontbase:env": JSON.stringify(env), ...extra },
        { stack: "tenant1", secretKeys: new Set(["frontbase:dbPassword", ...(secret ? ["frontbase:env"] : [])]) },
    );

function problemsOf(env: unknown, extra: Record<string, string> = {}): readonly string[] {
    try {
        parse(env, extra);
    } catch (e) {
        if (e instanceof ConfigError) return e.problems;
        throw e;
    }
    throw new Error("expected a ConfigError");
}

const byService = (cfg: TenantConfig) => Object.fromEntries(tenantServices(cfg, PORTS).map((s) => [s.service, s]));
const OWN_BACKEND =
    "ADMIN_EMAIL, ADMIN_PASSWORD, ALLOW_REGISTRATION, DATABASE, DATABASE_URL, DB_PASSWORD, EDGE_ENGINE_URL, EDGE_SSR_URL, EDGE_URL, ENCRYPTION_KEY, ENVIRONMENT, REDIS_TOKEN";
const OWN_EDGE = "FASTAPI_URL, NODE_ENV, PAGES_DB_URL, PORT, PUBLIC_URL, SQLITE_PATH, UPSTASH_REDIS_REST_TOKEN, UPSTASH_REDIS_REST_URL";

describe("frontbase:env: refused before anything is declared, naming the key and what is allowed", () => {
    const own = (svc: string, name: string, list: string) =>
        `frontbase:env.${svc}.${name}: set by the program itself; the ${svc}'s own variables are not yours to set (${list})`;
    it.each<[string, unknown, Record<string, string>, string]>([
        ["the database the program picks", { backend: { DATABASE: "postgresql" } }, {}, own("backend", "DATABASE", OWN_BACKEND)],
        [
            "the postgres password, on a sqlite tenant too",
            { backend: { DB_PASSWORD: "x" } },
            {},
            own("backend", "DB_PASSWORD", OWN_BACKEND),
        ],
        ["the admin password", { backend: { ADMIN_PASSWORD: "x" } }, {}, own("backend", "ADMIN_PASSWORD", OWN_BACKEND)],
        ["the encryption key", { backend: { ENCRYPTION_KEY: "x" } }, {}, own("backend", "ENCRYPTION_KEY", OWN_BACKEND)],
        ["the backend's redis token", { backend: { REDIS_TOKEN: "x" } }, {}, own("backend", "REDIS_TOKEN", OWN_BACKEND)],
        ["the edge's address", { backend: { EDGE_URL: "http://x" } }, {}, own("backend", "EDGE_URL", OWN_BACKEND)],
        [
            "DATABASE_URL (splits the sync sub-app off the core database)",
            { backend: { DATABASE_URL: "x" } },
            {},
            own("backend", "DATABASE_URL", OWN_BACKEND),
        ],
        ["the edge's port", { edge: { PORT: "4000" } }, {}, own("edge", "PORT", OWN_EDGE)],
        [
            "the edge's redis-http URL",
            { edge: { UPSTASH_REDIS_REST_URL: "http://x" } },
            {},
            own("edge", "UPSTASH_REDIS_REST_URL", OWN_EDGE),
        ],
        ["the edge's redis-http token", { edge: { UPSTASH_REDIS_REST_TOKEN: "x" } }, {}, own("edge", "UPSTASH_REDIS_REST_TOKEN", OWN_EDGE)],
        ["the edge's public URL", { edge: { PUBLIC_URL: "http://x" } }, {}, own("edge", "PUBLIC_URL", OWN_EDGE)],
        [
            "redis-http's token",
            { redisHttp: { SRH_TOKEN: "x" } },
            {},
            own("redisHttp", "SRH_TOKEN", "SRH_CONNECTION_STRING, SRH_MODE, SRH_TOKEN"),
        ],
        [
            "postgres' password",
            { postgres: { POSTGRES_PASSWORD: "x" } },
            { "frontbase:database": "postgres", "frontbase:dbPassword": "a-long-db-password" },
            own("postgres", "POSTGRES_PASSWORD", "POSTGRES_DB, POSTGRES_PASSWORD, POSTGRES_USER"),
        ],
        [
            "postgres on a sqlite tenant",
            { postgres: { TZ: "UTC" } },
            {},
            'frontbase:env.postgres: this tenant has no postgres (frontbase:database is "sqlite")',
        ],
        [
            "a service that does not exist",
            { worker: { A: "1" } },
            {},
            "frontbase:env: unknown service(s) worker; allowed: backend, edge, frontend, redis, redisHttp, postgres",
        ],
        [
            "redis-http spelled as the container is",
            { "redis-http": { A: "1" } },
            {},
            "frontbase:env: unknown service(s) redis-http; allowed: backend, edge, frontend, redis, redisHttp, postgres",
        ],
        [
            "a name with a dash",
            { edge: { "ALLOWED-ORIGINS": "x" } },
            {},
            "frontbase:env.edge.ALLOWED-ORIGINS: must be a valid environment variable name",
        ],
        ["a name starting with a digit", { edge: { "1X": "x" } }, {}, "frontbase:env.edge.1X: must be a valid environment variable name"],
        ["a name with =", { edge: { "A=B": "x" } }, {}, "frontbase:env.edge.A=B: must be a valid environment variable name"],
        ["an empty name", { edge: { "": "x" } }, {}, "frontbase:env.edge.: must be a valid environment variable name"],
        [
            "a name over 128 characters",
            { edge: { ["A".repeat(129)]: "x" } },
            {},
            `frontbase:env.edge.${"A".repeat(129)}: must be a valid environment variable name`,
        ],
        [
            "a value over 8 KiB",
            { backend: { SMTP_CERT: "x".repeat(MAX_ENV_VALUE + 1) } },
            {},
            "frontbase:env.backend.SMTP_CERT: must be at most 8192 bytes",
        ],
        [
            "a value of 8 KiB in multi-byte characters",
            { backend: { A: "é".repeat(MAX_ENV_VALUE / 2 + 1) } },
            {},
            "frontbase:env.backend.A: must be at most 8192 bytes",
        ],
        ["a NUL in a value", { backend: { A: "a\u0000b" } }, {}, "frontbase:env.backend.A: must not contain a NUL character"],
        ["an object as a value", { edge: { A: { b: "c" } } }, {}, "frontbase:env.edge.A: must be a text value (or a number or true/false)"],
        ["a list as a value", { edge: { A: ["b"] } }, {}, "frontbase:env.edge.A: must be a text value (or a number or true/false)"],
        ["null as a value", { edge: { A: null } }, {}, "frontbase:env.edge.A: must be a text value (or a number or true/false)"],
        ["a service given a list", { edge: ["A=1"] }, {}, "frontbase:env.edge: must be a map of NAME: value"],
        [
            "env as a list",
            ["A=1"],
            {},
            'frontbase:env: must be a map of service -> {NAME: value}, e.g. {"edge": {"ALLOWED_ORIGINS": "https://a.example"}}',
        ],
    ])("%s", (_, env, extra, message) => {
        const problems = problemsOf(env, extra);
        expect(problems.length).toBe(1);
        expect(problems[0].startsWith(message)).toBe(true);
    });

    it("names every bad key at once, and never a value", () => {
        const problems = problemsOf({ backend: { ADMIN_PASSWORD: "hunter2-secret", SMTP_HOST: "ok" }, edge: { PORT: "9" } });
        expect(problems).toEqual([own("backend", "ADMIN_PASSWORD", OWN_BACKEND), own("edge", "PORT", OWN_EDGE)]);
        expect(problems.join("\n")).not.toContain("hunter2-secret");
    });
});

describe("frontbase:env: the variables the program sets itself", () => {
    it("are exactly what the services' own env holds under either database (plus the backend's DATABASE_URL)", () => {
        const own = new Map<string, Set<string>>();
        const creds = { redisToken: "t", adminPassword: "p", encryptionKey: "k", dbPassword: "d" };
        for (const extra of [{}, { "frontbase:database": "postgres", "frontbase:dbPassword": "a-long-db-password" }] as Record<
            string,
            string
        >[])
            for (const s of tenantServices(parse({}, extra), PORTS))
                for (const k of Object.keys(s.env(creds))) own.set(s.imageKey, (own.get(s.imageKey) ?? new Set()).add(k));
        own.get("backend")!.add("DATABASE_URL");
        const listed = Object.fromEntries(Object.entries(PROGRAM_ENV).map(([k, v]) => [k, [...v].sort()]));
        expect(listed).toEqual({ frontend: [], redis: [], ...Object.fromEntries([...own].map(([k, v]) => [k, [...v].sort()])) });
    });
});

describe("frontbase:env: accepted", () => {
    it("gives each service its own variables after the program's, the others nothing new", () => {
        const cfg = parse({ edge: { ALLOWED_ORIGINS: "https://a.example", API_KEYS: "k1,k2" }, backend: { SMTP_HOST: "mail.example" } });
        const s = byService(cfg);
        const creds = { redisToken: "t", adminPassword: "p", encryptionKey: "k" };
        expect(s.edge.env(creds)).toMatchObject({ ALLOWED_ORIGINS: "https://a.example", API_KEYS: "k1,k2", PORT: "3002" });
        expect(envList(s.backend.env(creds))).toContain("SMTP_HOST=mail.example");
        const plain = byService(parse({}));
        for (const svc of ["frontend", "redis", "redis-http"]) expect(s[svc].env(creds)).toEqual(plain[svc].env(creds));
    });

    it("takes numbers and booleans (as `pulumi config set --path` stores them) as text, and values up to 8 KiB", () => {
        const cfg = parse({ backend: { SMTP_PORT: 587, SMTP_TLS: true, CERT: "x".repeat(MAX_ENV_VALUE) } });
        expect(cfg.env.backend).toEqual({ SMTP_PORT: "587", SMTP_TLS: "true", CERT: "x".repeat(MAX_ENV_VALUE) });
    });

    it("keeps a service's env plain when the key is plain, and makes it secret (also on the frontend) when the key is", () => {
        const env = { frontend: { TZ: "UTC" }, edge: { ALLOWED_ORIGINS: "https://a.example" } };
        expect(byService(parse(env)).frontend.usesCredentials).toBe(false);
        const secret = byService(parse(env, {}, true));
        expect([secret.frontend.usesCredentials, secret.edge.usesCredentials, secret.redis.usesCredentials]).toEqual([true, true, false]);
    });

    it("allows a variable the postgres service reads on a postgres tenant", () => {
        const cfg = parse({ postgres: { TZ: "UTC" } }, { "frontbase:database": "postgres", "frontbase:dbPassword": "a-long-db-password" });
        expect(byService(cfg).postgres.env({ redisToken: "", adminPassword: "", encryptionKey: "", dbPassword: "d" })).toMatchObject({
            TZ: "UTC",
            POSTGRES_PASSWORD: "d",
        });
    });
});

describe("a stack file with secure values inside frontbase:env (pulumi config set --path --secret)", async () => {
    const { encryptionsalt, key } = await newEncryptionSalt("env, test only");
    const stackFile = (env: unknown) => YAML.stringify({ encryptionsalt, config: { "frontbase:ports": PORTS, "frontbase:env": env } });
    const SMTP = { secure: encryptValue(key, "smtp-password-0123") };

    it("passes tenant check, which checks its names without the passphrase", async () => {
        const project = tempProject({ "Pulumi.acme.yaml": stackFile({ backend: { SMTP_HOST: "mail.example", SMTP_PASSWORD: SMTP } }) });
        const r = await tenant(["check"], { FRONTBASE_PROJECT_DIR: project, FRONTBASE_LOCK_DIR: tempLockDir() });
        expect([r.code, r.err, r.out.split("\n")[0]]).toEqual([
            0,
            "",
            "ok: 1 stack file(s), 1 tenant(s) in " + project + "; every port in range, none pinned twice",
        ]);
        const pins = pinsOf(await readStackFile(path.join(project, "Pulumi.acme.yaml")));
        // The secret key's values are not read here: env is empty, and known to be secret.
        expect([pins.config?.env, pins.config?.envSecret]).toEqual([{}, true]);
    });

    it("passes tenant check when the whole map is one secure value (`pulumi config set --secret frontbase:env '{...}'`), unread", async () => {
        const project = tempProject({ "Pulumi.acme.yaml": stackFile({ secure: encryptValue(key, '{"edge":{"API_KEYS":"k"}}') }) });
        const r = await tenant(["check"], { FRONTBASE_PROJECT_DIR: project, FRONTBASE_LOCK_DIR: tempLockDir() });
        expect([r.code, r.err]).toEqual([0, ""]);
    });

    it("fails tenant check when a secure value sits under a name the program manages, naming it", async () => {
        const project = tempProject({ "Pulumi.acme.yaml": stackFile({ backend: { ADMIN_PASSWORD: SMTP } }) });
        const r = await tenant(["check"], { FRONTBASE_PROJECT_DIR: project, FRONTBASE_LOCK_DIR: tempLockDir() });
        expect(r.code).toBe(1);
        expect(r.out).toContain("frontbase:env.backend.ADMIN_PASSWORD: set by the program itself");
        expect(r.out).not.toContain(SMTP.secure);
    });
});
