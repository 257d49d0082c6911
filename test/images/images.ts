// Local stand-in images for tests (built by `npm run images:test`; no registry is reachable).
// Every integration test deploys tenants with `frontbase:images` set to these.
export const TEST_BASE_IMAGE = "frontbase-test/debian:bookworm";

export const TEST_IMAGES = {
    backend: "frontbase-test/backend:stand-in",
    edge: "frontbase-test/edge:stand-in",
    frontend: "frontbase-test/frontend:stand-in",
    redis: "frontbase-test/redis:stand-in",
    redisHttp: "frontbase-test/redis-http:stand-in",
    postgres: "frontbase-test/postgres:stand-in",
} as const;

/** The proxy stack's Caddy (`frontbase:image` of Pulumi.proxy.yaml): Debian's caddy package. Not a tenant image. */
export const TEST_PROXY_IMAGE = "frontbase-test/caddy:debian";

/** The same map as stack config: `frontbase:images` is stored as JSON text. */
export const TEST_IMAGES_CONFIG = JSON.stringify(TEST_IMAGES);
