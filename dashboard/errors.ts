// An API error: the HTTP status a REST client expects, a stable code, and the message the CLI gives.
import { ConflictError, NotDeployedError, UnknownTenantError, UsageError } from "../tenants/errors";

export class ApiError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
    ) {
        super(message);
    }
}

/**
 * What an operation's error means to a client: bad input 400, no such tenant 404, nothing
 * deployed or a conflict 409; anything else is the Docker host (or the disk) failing, 502.
 */
export function apiErrorOf(e: unknown): ApiError {
    if (e instanceof ApiError) return e;
    const message = (e as Error).message;
    if (e instanceof UsageError) return new ApiError(400, "bad_request", message);
    if (e instanceof UnknownTenantError) return new ApiError(404, "unknown_tenant", message);
    if (e instanceof NotDeployedError) return new ApiError(409, "not_deployed", message);
    if (e instanceof ConflictError) return new ApiError(409, "conflict", message);
    return new ApiError(502, "failed", message);
}
