// The REAL Frontbase images built on these machines (no Docker Hub, no PyPI) by
// `npm run images:frontbase` (images/frontbase/build.sh) from ../shared/frontbase/src on a
// local Debian trixie base. Not stand-ins: upstream's own code, Debian's Python and Node.
//
// The build tags each image twice: `<repo>:<content hash>` (source subtree + recipe + base
// image, so a changed input gives a new tag and an unchanged one skips the build) and the
// stable `<repo>:local` below, which the tests and `frontbase:images` use. build.sh reads
// these names with sed: keep one `key: "name",` per line.
import { BASE_IMAGE, TEST_IMAGES } from "./images";

/** The Debian trixie base they are built on (the stand-ins too): its name lives in images.ts. */
export const REAL_BASE_IMAGE = BASE_IMAGE;

export const REAL_IMAGES = {
    backend: "frontbase-real/backend:local",
    edge: "frontbase-real/edge:local",
    frontend: "frontbase-real/frontend:local",
} as const;

/**
 * Every image a real tenant runs: the three real Frontbase services, plus redis and postgres
 * from the test images (they are Debian's real redis-server and PostgreSQL, see README.md)
 * and redis-http, which stays a stand-in (upstream's is Elixir with hex.pm dependencies and
 * cannot be built here; ours speaks the Upstash REST protocol as the edge uses it).
 */
export const REAL_TENANT_IMAGES = {
    ...REAL_IMAGES,
    redis: TEST_IMAGES.redis,
    redisHttp: TEST_IMAGES.redisHttp,
    postgres: TEST_IMAGES.postgres,
} as const;

/** The same map as stack config: `frontbase:images` is stored as JSON text. */
export const REAL_TENANT_IMAGES_CONFIG = JSON.stringify(REAL_TENANT_IMAGES);
