// The tenant's one-shot containers (jobs): each runs to completion once per change of its inputs.
// Pure data, as services.ts is; TenantStack and slotContainers.ts declare them.
import type { ImageKey } from "./defaults";
import type { JobName, ServiceName } from "./naming";

export type { JobName } from "./naming";
import { Credentials, REDIS_HTTP_URL } from "./services";

/** A one-shot container: runs to completion once per change of its inputs, then stays exited. */
export interface JobSpec {
    readonly job: JobName;
    /** An image of the tenant's that has what the job runs (the backend's has curl). */
    readonly imageKey: ImageKey;
    readonly entrypoint: readonly string[];
    readonly after: readonly ServiceName[];
    env(credentials: Credentials): Record<string, string>;
}

/**
 * Upstream's migrations seed the redis-http settings the edge reads at start-up with the
 * literal token `dev_token_change_in_prod`, and only the backend's sync settings API changes
 * them (no environment variable does). So the tenant's generated token is written through that
 * API, by a job that runs after the backend is healthy and before the edge starts. The token
 * reaches it as an environment variable, never on a command line.
 */
export const REDIS_TOKEN_JOB: JobSpec = {
    job: "redis-token",
    imageKey: "backend",
    entrypoint: [
        "sh",
        "-c",
        [
            "set -eu",
            // The token is letters, digits and . _ ~ - (config.ts): it stands inside JSON as it is.
            `body='{"redis_url":"${REDIS_HTTP_URL}","redis_token":"'"$REDIS_TOKEN"'","redis_type":"self-hosted","redis_enabled":true}'`,
            `curl -fsS --retry 10 --retry-connrefused --retry-delay 2 -o /dev/null -X PUT -H 'Content-Type: application/json' --data-binary "$body" http://backend:8000/api/sync/settings/redis/`,
            `echo "redis-http token set in the backend's settings"`,
        ].join("\n"),
    ],
    after: ["backend"],
    env: (c) => ({ REDIS_TOKEN: c.redisToken }),
};
