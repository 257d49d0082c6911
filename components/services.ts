// What each Frontbase service needs: image, ports, env, volume, health check, start order.
// Pure data from ../shared/FIELD-NOTES.md section 1; TenantStack turns it into resources.
import type { ImageKey, TenantConfig } from "./config";
import { withTenantEnv } from "./tenantEnv";
import { Healthcheck, healthcheckOf, Probe } from "./healthChecks";
import { JobName, PortKey, ServiceName } from "./naming";

/** The credentials of one tenant, as plain strings (TenantStack keeps them as secrets). */
export interface Credentials {
    readonly redisToken: string;
    readonly adminPassword: string;
    /** The Fernet key the backend encrypts stored credentials with. */
    readonly encryptionKey: string;
    /** Only for `database: postgres`. */
    readonly dbPassword?: string;
}

export interface ServiceSpec {
    readonly service: ServiceName;
    readonly imageKey: ImageKey;
    /** Port inside the container; fixed by the image (nginx targets edge:3002 and backend:8000). */
    readonly internalPort: number;
    /** Config key of the host port it is published on; absent for services never published. */
    readonly hostPort?: PortKey;
    /** Mount path of the service's data volume, if it keeps data. */
    readonly dataPath?: string;
    readonly command?: readonly string[];
    readonly healthcheck?: Healthcheck;
    /** How long `pulumi up` waits for the container to turn healthy, in seconds. */
    readonly waitTimeout: number;
    /**
     * Seconds between the stop signal and SIGKILL when the provider removes the container
     * (replacement or destroy). The provider's default is 0: an immediate kill.
     */
    readonly stopGraceSeconds: number;
    /**
     * Run the service under Docker's init (tini) as process 1: for a server that installs no
     * SIGTERM handler, which as process 1 ignores the signal and is killed after the grace period.
     */
    readonly init?: boolean;
    /** Services that must be healthy (or started, when they have no check) first. */
    readonly after: readonly ServiceName[];
    /**
     * Services whose address this one resolves once, at start-up (the frontend's nginx has no
     * `resolver`): when one of them is replaced, this container must be replaced too.
     */
    readonly follows?: readonly ServiceName[];
    /** Jobs that must have run before it starts, and whose re-run must restart it. */
    readonly afterJobs?: readonly JobName[];
    /** Whether `env` reads credentials (then the env list is a secret). */
    readonly usesCredentials: boolean;
    env(credentials: Credentials): Record<string, string>;
}

export const POSTGRES_USER = "frontbase";
const EDGE_URL = "http://edge:3002";
export const REDIS_HTTP_URL = "http://redis-http:80";

export function publicUrl(cfg: Pick<TenantConfig, "publicHost">, port: number): string {
    return `http://${cfg.publicHost}:${port}`;
}

/**
 * Where users reach the tenant: https://<first domain> behind the host's proxy, else its
 * frontend's host port. The edge builds absolute links from it (PUBLIC_URL), so it never falls
 * back to the request's X-Forwarded-Proto, which the frontend's nginx resets to its own `http`.
 */
export function siteUrl(cfg: Pick<TenantConfig, "publicHost" | "domains">, frontendPort: number): string {
    return cfg.domains.length > 0 ? `https://${cfg.domains[0]}` : publicUrl(cfg, frontendPort);
}

/** The `urls` output: the frontend's is the site's (its domain, when it has one), the others their host port's. */
export function portUrl(cfg: Pick<TenantConfig, "publicHost" | "domains">, key: PortKey, port: number): string {
    return key === "frontend" ? siteUrl(cfg, port) : publicUrl(cfg, port);
}

/**
 * The backend's database, as the real backend reads it (app/database/config.py): `DATABASE`
 * picks sqlite (/app/data/frontbase.db in its volume) or postgres at host `postgres`, user and
 * database `frontbase` (both hard-coded upstream), password `DB_PASSWORD`. It ignores
 * `DATABASE_URL`, and must not get one: the sync sub-app would honour it and split off.
 */
export function backendDatabaseEnv(cfg: Pick<TenantConfig, "database">, dbPassword?: string): Record<string, string> {
    if (cfg.database === "sqlite") return { DATABASE: "sqlite" };
    if (dbPassword === undefined) throw new Error("backendDatabaseEnv: postgres needs a password");
    return { DATABASE: "postgresql", DB_PASSWORD: dbPassword };
}

/** The database in the tenant's own postgres: the name the backend hard-codes. Isolation comes from one postgres per tenant. */
export const POSTGRES_DB = "frontbase";

/** A service as declared below: its health check still the service's own, shaped for the host by healthcheckOf. */
type Declared = Omit<ServiceSpec, "healthcheck"> & { readonly probe?: Probe };

/** The services of one tenant in start order; postgres only for `database: postgres`. */
export function tenantServices(cfg: TenantConfig, ports: Record<PortKey, number>): ServiceSpec[] {
    const frontendUrl = siteUrl(cfg, ports.frontend);
    const upstash = (c: Credentials) => ({ UPSTASH_REDIS_REST_URL: REDIS_HTTP_URL, UPSTASH_REDIS_REST_TOKEN: c.redisToken });
    const specs: Declared[] = [];
    if (cfg.database === "postgres") {
        const db = POSTGRES_DB;
        specs.push({
            service: "postgres",
            imageKey: "postgres",
            internalPort: 5432,
            dataPath: "/var/lib/postgresql/data",
            probe: { tests: ["pg_isready", "-U", POSTGRES_USER, "-d", db], own: { interval: 10, retries: 5, startPeriod: 10 } },
            waitTimeout: 120,
            // A fast shutdown (SIGINT, the image's stop signal) writes a checkpoint; killed,
            // postgres does crash recovery at the next start.
            stopGraceSeconds: 60,
            after: [],
            usesCredentials: true,
            env: (c) => ({ POSTGRES_USER, POSTGRES_PASSWORD: required(c.dbPassword, "dbPassword"), POSTGRES_DB: db }),
        });
    }
    specs.push(
        {
            service: "redis",
            imageKey: "redis",
            internalPort: 6379,
            dataPath: "/data",
            // Append-only so that a write survives a container replacement, not only a clean stop.
            // hz 1: redis' background tasks once a second, not ten times (idle: 0.04% of a core
            // instead of 0.27%, docs/speed.md "Fleet"); expired keys are still dropped when read,
            // and dynamic-hz raises it while many clients are connected.
            command: ["redis-server", "--appendonly", "yes", "--hz", "1"],
            probe: { tests: ["redis-cli", "ping"], own: { interval: 10, retries: 5, timeout: 3 } },
            waitTimeout: 60,
            // On SIGTERM redis flushes the append-only file; killed, it may lose the last second.
            stopGraceSeconds: 30,
            after: [],
            usesCredentials: false,
            env: () => ({}),
        },
        {
            service: "redis-http",
            imageKey: "redisHttp",
            internalPort: 80,
            hostPort: "redisHttp",
            waitTimeout: 60,
            stopGraceSeconds: 10,
            after: ["redis"],
            usesCredentials: true,
            env: (c) => ({ SRH_MODE: "env", SRH_TOKEN: c.redisToken, SRH_CONNECTION_STRING: "redis://redis:6379" }),
        },
        {
            service: "backend",
            imageKey: "backend",
            internalPort: 8000,
            hostPort: "backend",
            dataPath: "/app/data",
            // curl, not an interpreter start every 10 s; the slash avoids FastAPI's 307.
            probe: {
                tests: ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8000/health/"],
                own: { interval: 10, retries: 5, startPeriod: 60 },
            },
            waitTimeout: 180,
            // uvicorn finishes requests in flight and closes its database connections.
            stopGraceSeconds: 20,
            after: cfg.database === "postgres" ? ["postgres"] : [],
            usesCredentials: true,
            // What the real backend reads (FIELD-NOTES section 1). Not set because it reads
            // nothing of them: SECRET_KEY, CORS_ORIGINS (CORS is hard-coded), DATABASE_URL.
            env: (c) => ({
                ...backendDatabaseEnv(cfg, c.dbPassword),
                EDGE_URL,
                EDGE_SSR_URL: EDGE_URL,
                EDGE_ENGINE_URL: EDGE_URL,
                ADMIN_EMAIL: cfg.adminEmail,
                ADMIN_PASSWORD: c.adminPassword,
                ENCRYPTION_KEY: c.encryptionKey,
                REDIS_TOKEN: c.redisToken,
                ENVIRONMENT: "production",
                ALLOW_REGISTRATION: "false",
            }),
        },
        {
            service: "edge",
            imageKey: "edge",
            internalPort: 3002,
            hostPort: "edge",
            dataPath: "/app/data",
            probe: {
                tests: ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:3002/api/health"],
                own: { interval: 15, retries: 3, startPeriod: 10 },
            },
            waitTimeout: 120,
            // The real edge (node, process 1) installs no SIGTERM handler, so without an init it
            // ignores the signal and is killed after the whole grace period (measured: 20 s;
            // with init, 0.4 s). Under init the signal ends node, and SQLite's journal keeps
            // the databases consistent.
            stopGraceSeconds: 20,
            init: true,
            after: ["backend", "redis-http"],
            // The edge reads the redis-http token from the backend once, at start-up.
            afterJobs: ["redis-token"],
            usesCredentials: true,
            env: (c) => ({
                NODE_ENV: "production",
                PORT: "3002",
                SQLITE_PATH: "/app/data/edge.db",
                PAGES_DB_URL: "file:/app/data/pages.db",
                FASTAPI_URL: "http://backend:8000",
                PUBLIC_URL: frontendUrl,
                ...upstash(c),
            }),
        },
        {
            service: "frontend",
            imageKey: "frontend",
            internalPort: 80,
            hostPort: "frontend",
            // nginx's own location (upstream nginx.conf), answered without an upstream.
            probe: { tests: ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1/nginx-health"], own: { interval: 10, retries: 3 } },
            waitTimeout: 60,
            stopGraceSeconds: 10,
            after: ["backend", "edge"],
            follows: ["backend", "edge"],
            usesCredentials: false,
            env: () => ({}),
        },
    );
    return specs.map(({ probe, ...s }) =>
        withTenantEnv(probe ? { ...s, healthcheck: healthcheckOf(probe, cfg, s.waitTimeout) } : s, cfg.env, cfg.envSecret),
    );
}

/** `{A: "1"}` -> `["A=1"]`, sorted so that the list (and so the diff) is stable. */
export function envList(env: Record<string, string>): string[] {
    return Object.keys(env)
        .sort()
        .map((k) => `${k}=${env[k]}`);
}

function required<T>(v: T | undefined, what: string): T {
    if (v === undefined) throw new Error(`missing credential ${what}`);
    return v;
}
