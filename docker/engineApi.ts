// What the stack's Docker Engine can do, by its API version (GET /version's ApiVersion).
import type Docker from "dockerode";

/** Health checks' start interval: API 1.44 (Docker 25) and later (moby api/types/container HealthConfig.StartInterval). */
export const START_INTERVAL_API = "1.44";

/** `a >= b` for API versions ("1.41", "1.44"). Pure. */
export function apiAtLeast(a: string, b: string): boolean {
    const [am, an] = a.split(".").map(Number);
    const [bm, bn] = b.split(".").map(Number);
    if ([am, an, bm, bn].some((n) => !Number.isInteger(n))) throw new Error(`not a Docker API version: ${a} or ${b}`);
    return am !== bm ? am > bm : an >= bn;
}

/** Whether the Engine runs health checks at a start interval while a container starts. */
export async function hasStartInterval(docker: Docker): Promise<boolean> {
    return apiAtLeast((await docker.version()).ApiVersion, START_INTERVAL_API);
}
