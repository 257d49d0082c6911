// A tenant's defaults and the fixed vocabularies of its config: what a stack file may leave out,
// and the values some keys take. Pure data; components/config.ts validates against it and
// exports it again, so that importers have one place to look.
import type { PortKey } from "./naming";

export const NAMESPACE = "frontbase";

export const IMAGE_KEYS = ["backend", "edge", "frontend", "redis", "redisHttp", "postgres"] as const;
export type ImageKey = (typeof IMAGE_KEYS)[number];

/** Upstream images pinned to a version; Frontbase's own are built per host (docs/images.md). */
export const DEFAULT_IMAGES: Record<ImageKey, string> = {
    backend: "frontbase-backend:latest",
    edge: "frontbase-edge:latest",
    frontend: "frontbase-frontend:latest",
    redis: "redis:7.4.2-alpine",
    redisHttp: "hiett/serverless-redis-http:0.0.10",
    postgres: "postgres:16.6-alpine",
};

/**
 * Memory limits in MiB, from the real services' memory at rest (docs/configuration.md, "Memory"): about 4x
 * the highest reading for what grows with load, more where the service's own buffers need it
 * (postgres' shared_buffers, redis as a cache).
 */
export const DEFAULT_MEMORY: Record<ImageKey, number> = {
    backend: 512,
    edge: 256,
    frontend: 64,
    redis: 256,
    redisHttp: 64,
    postgres: 384,
};

export interface PortRange {
    readonly from: number;
    readonly to: number;
}

/** The design document's ranges. They overlap; the allocator never hands a port out twice. */
export const DEFAULT_PORT_RANGES: Record<PortKey, PortRange> = {
    backend: { from: 8000, to: 8999 },
    edge: { from: 3002, to: 3999 },
    frontend: { from: 8080, to: 8999 },
    redisHttp: { from: 8079, to: 8999 },
};

export const DEFAULT_MAX_RETRIES = 3;

/** Behind the proxy a tenant publishes its host ports on loopback only, unless `bindAddress` says otherwise. */
export const LOOPBACK = "127.0.0.1";
export const ALL_INTERFACES = "0.0.0.0";

export const TARGETS = ["docker", "swarm"] as const;
export type Target = (typeof TARGETS)[number];
export const PUBLISH_MODES = ["host", "ingress"] as const;
export type PublishMode = (typeof PUBLISH_MODES)[number];
