// What each Frontbase service needs: image, ports, env, volume, health check, start order.
// Pure data from ../shared/FIELD-NOTES.md section 1; TenantStack turns it into resources.
import type { ImageKey, TenantConfig } from "./config";
import { withTenantEnv } from "./tenantEnv";
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

/** Durations in Go's `time.Duration` text, the form the provider reads back (`1m0s`, not `60s`). */
export interface Healthcheck {
    readonly tests: readonly string[];
    readonly interval: string;
    readonly timeout: string;
    readonly retries: number;
    readonly startPeriod: string;
    /** Only on engines that have it (API 1.44+): the interval during the start period. */
    readonly startInterval?: string;
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

/**
 * Seconds -> Go's `time.Duration.String()` text ("1m0s", "1h30m0s", "0s"). The provider
 * reads health check durations back from Docker in this form (flattenHealthcheck), so any
 * other spelling of the same duration is a diff on every refresh.
 */
export function goDuration(seconds: number): string {
    if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`goDuration: ${seconds} is not a whole number of seconds`);
    if (seconds === 0) return "0s";
    const h = Math.floor(seconds / 3600);
    const m = Math.floor((seconds % 3600) / 60);
    const s = seconds % 60;
    if (h > 0) return `${h}h${m}m${s}s`;
    if (m > 0) return `${m}m${s}s`;
    return `${s}s`;
}

/** With a start interval: one check a second while a service starts, so `up` moves on as soon as it answers. */
export const START_INTERVAL = 1;
/**
 * With a start interval, the interval between checks once a service is up. Each check is a process
 * that Docker starts inside the container, about 60-100 ms of CPU on the host for the exec alone
 * (docs/speed.md, "Fleet"): at 120 s, four checked services cost a tenant about 0.3% of one core.
 */
export const MONITOR_INTERVAL = 120;

interface OwnCheck {
    readonly interval: number;
    readonly retries: number;
    readonly startPeriod?: number;
    readonly timeout?: number;
}

/**
 * A health check; times in seconds. Two shapes, by what the Docker host can do:
 *  - with a start interval (`cfg.healthStartInterval`, API 1.44+): a check every second during the
 *    start period (`startWithin`, as long as `up` waits for the service), then every
 *    MONITOR_INTERVAL (or `healthInterval`): fast deploys, cheap idle;
 *  - without (older engines: Docker runs the first check one interval after start, and every
 *    interval after that): the service's own interval, or `healthInterval`. The interval is then
 *    a trade between how fast `up` is and what an idle tenant costs.
 * Retries grow when the interval shrinks, so that a service is declared unhealthy only after as
 * long a run of failures as with its own: a short interval speeds up `up`, it does not make a slow
 * moment fatal.
 */
function check(
    tests: string[],
    own: OwnCheck,
    cfg: Pick<TenantConfig, "healthInterval" | "healthStartInterval">,
    startWithin: number,
): Healthcheck {
    const retriesAt = (interval: number) => Math.max(own.retries, Math.ceil((own.interval * own.retries) / interval));
    const base = { tests: ["CMD", ...tests], timeout: goDuration(own.timeout ?? 5) };
    if (cfg.healthStartInterval) {
        const interval = cfg.healthInterval ?? MONITOR_INTERVAL;
        return {
            ...base,
            interval: goDuration(interval),
            retries: retriesAt(interval),
            startPeriod: goDuration(Math.max(own.startPeriod ?? 0, startWithin)),
            startInterval: goDuration(START_INTERVAL),
        };
    }
    const interval = cfg.healthInterval ?? own.interval;
    return { ...base, interval: goDuration(interval), retries: retriesAt(interval), startPeriod: goDuration(own.startPeriod ?? 0) };
}

/** The services of one tenant in start order; postgres only for `database: postgres`. */
export function tenantServices(cfg: TenantConfig, ports: Record<PortKey, number>): ServiceSpec[] {
    const frontendUrl = siteUrl(cfg, ports.frontend);
    const upstash = (c: Credentials) => ({ UPSTASH_REDIS_REST_URL: REDIS_HTTP_URL, UPSTASH_REDIS_REST_TOKEN: c.redisToken });
    const specs: ServiceSpec[] = [];
    if (cfg.database === "postgres") {
        const db = POSTGRES_DB;
        specs.push({
            service: "postgres",
            imageKey: "postgres",
            internalPort: 5432,
            dataPath: "/var/lib/postgresql/data",
            healthcheck: check(["pg_isready", "-U", POSTGRES_USER, "-d", db], { interval: 10, retries: 5, startPeriod: 10 }, cfg, 120),
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
            healthcheck: check(["redis-cli", "ping"], { interval: 10, retries: 5, timeout: 3 }, cfg, 60),
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
            healthcheck: check(
                ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8000/health/"],
                { interval: 10, retries: 5, startPeriod: 60 },
                cfg,
                180,
            ),
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
            healthcheck: check(
                ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:3002/api/health"],
                { interval: 15, retries: 3, startPeriod: 10 },
                cfg,
                120,
            ),
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
            healthcheck: check(["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1/nginx-health"], { interval: 10, retries: 3 }, cfg, 60),
            waitTimeout: 60,
            stopGraceSeconds: 10,
            after: ["backend", "edge"],
            follows: ["backend", "edge"],
            usesCredentials: false,
            env: () => ({}),
        },
    );
    return specs.map((s) => withTenantEnv(s, cfg.env, cfg.envSecret));
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
