// Local images for tests (built by `npm run images:test`; no registry is reachable).
//
// One Debian trixie base for everything built here: the real Frontbase images (frontbase.ts)
// and the stand-ins below. images/frontbase/build.sh bootstraps it (debootstrap, `docker
// import`); test/images/build.sh and images/frontbase/build.sh both read its name from this
// line with sed: keep it a plain string literal.
export const BASE_IMAGE = "frontbase-real/debian:trixie";

/** What tests that only need a shell and coreutils run (ops, ports, the engine double's own tests). */
export const TEST_BASE_IMAGE = BASE_IMAGE;

/**
 * The services that are not Frontbase's own code. redis and postgres are Debian's real
 * redis-server and PostgreSQL, behind entrypoints that keep the official images' contracts;
 * redis-http is a small Upstash-compatible proxy (upstream's serverless-redis-http is Elixir
 * with hex.pm dependencies and cannot be built here). Frontbase's backend, edge and frontend
 * are the real ones (frontbase.ts); there are no stand-ins for them any more.
 * build.sh reads these names with sed: keep one `key: "frontbase-test/<dir>:<tag>",` per line.
 */
export const TEST_IMAGES = {
    redis: "frontbase-test/redis:stand-in",
    redisHttp: "frontbase-test/redis-http:stand-in",
    postgres: "frontbase-test/postgres:stand-in",
} as const;

/** The proxy stack's Caddy (`frontbase:image` of Pulumi.proxy.yaml): Debian's caddy package. Not a tenant image. */
export const TEST_PROXY_IMAGE = "frontbase-test/caddy:debian";
