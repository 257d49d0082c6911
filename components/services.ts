// What each Frontbase service needs: image, ports, env, volume, health check, start order.
// Pure data from ../shared/FIELD-NOTES.md section 1; TenantStack turns it into resources.
import { ImageKey, TenantConfig } from "./config";
import { databaseName, PortKey, ServiceName } from "./naming";

/** The credentials of one tenant, as plain strings (TenantStack keeps them as secrets). */
export interface Credentials {
    readonly redisToken: string;
    readonly secretKey: string;
    readonly adminPassword: string;
    /** Only for `database: postgres`. */
    readonly dbPassword?: string;
}

export interface Healthcheck {
    readonly tests: readonly string[];
    readonly interval: string;
    readonly timeout: string;
    readonly retries: number;
    readonly startPeriod: string;
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
    /** Services that must be healthy (or started, when they have no check) first. */
    readonly after: readonly ServiceName[];
    /** Whether `env` reads credentials (then the env list is a secret). */
    readonly usesCredentials: boolean;
    env(credentials: Credentials): Record<string, string>;
}

export const POSTGRES_USER = "frontbase";
const EDGE_URL = "http://edge:3002";
const REDIS_HTTP_URL = "http://redis-http:80";

export function publicUrl(cfg: Pick<TenantConfig, "publicHost">, port: number): string {
    return `http://${cfg.publicHost}:${port}`;
}

/** The backend's SQLAlchemy URL: sqlite in its volume, or the tenant's own postgres database. */
export function backendDatabaseUrl(cfg: Pick<TenantConfig, "tenant" | "database">, dbPassword?: string): string {
    if (cfg.database === "sqlite") return "sqlite+aiosqlite:////app/data/frontbase.db";
    if (dbPassword === undefined) throw new Error("backendDatabaseUrl: postgres needs a password");
    return `postgresql+asyncpg://${POSTGRES_USER}:${encodeURIComponent(dbPassword)}@postgres:5432/${databaseName(cfg.tenant)}`;
}

function check(tests: string[], interval: string, retries: number, startPeriod = "0s", timeout = "5s"): Healthcheck {
    return { tests: ["CMD", ...tests], interval, timeout, retries, startPeriod };
}

/** The services of one tenant in start order; postgres only for `database: postgres`. */
export function tenantServices(cfg: TenantConfig, ports: Record<PortKey, number>): ServiceSpec[] {
    const frontendUrl = publicUrl(cfg, ports.frontend);
    const upstash = (c: Credentials) => ({ UPSTASH_REDIS_REST_URL: REDIS_HTTP_URL, UPSTASH_REDIS_REST_TOKEN: c.redisToken });
    const specs: ServiceSpec[] = [];
    if (cfg.database === "postgres") {
        const db = databaseName(cfg.tenant);
        specs.push({
            service: "postgres",
            imageKey: "postgres",
            internalPort: 5432,
            dataPath: "/var/lib/postgresql/data",
            healthcheck: check(["pg_isready", "-U", POSTGRES_USER, "-d", db], "10s", 5, "10s"),
            waitTimeout: 120,
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
            command: ["redis-server", "--appendonly", "yes"],
            healthcheck: check(["redis-cli", "ping"], "10s", 5, "0s", "3s"),
            waitTimeout: 60,
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
            healthcheck: check(
                ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/', timeout=4)"],
                "10s",
                5,
                "60s",
            ),
            waitTimeout: 180,
            after: cfg.database === "postgres" ? ["postgres"] : [],
            usesCredentials: true,
            env: (c) => ({
                DATABASE_URL: backendDatabaseUrl(cfg, c.dbPassword),
                SECRET_KEY: c.secretKey,
                CORS_ORIGINS: frontendUrl,
                EDGE_URL,
                EDGE_SSR_URL: EDGE_URL,
                EDGE_ENGINE_URL: EDGE_URL,
                ADMIN_EMAIL: cfg.adminEmail,
                ADMIN_PASSWORD: c.adminPassword,
                ENVIRONMENT: "production",
                ALLOW_REGISTRATION: "false",
                ...upstash(c),
            }),
        },
        {
            service: "edge",
            imageKey: "edge",
            internalPort: 3002,
            hostPort: "edge",
            dataPath: "/app/data",
            healthcheck: check(
                ["node", "-e", "fetch('http://127.0.0.1:3002/api/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"],
                "15s",
                3,
                "10s",
            ),
            waitTimeout: 120,
            after: ["backend", "redis-http"],
            usesCredentials: true,
            env: (c) => ({
                NODE_ENV: "production",
                PORT: "3002",
                SQLITE_PATH: "/app/data/edge.db",
                DATABASE_URL: "file:/app/data/edge.db",
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
            healthcheck: check(["wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"], "10s", 3),
            waitTimeout: 60,
            after: ["backend", "edge"],
            usesCredentials: false,
            env: () => ({}),
        },
    );
    return specs;
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
