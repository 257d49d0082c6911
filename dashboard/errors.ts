// An API error: the HTTP status a REST client expects, a stable code, and the message the CLI gives.
export class ApiError extends Error {
    constructor(
        readonly status: number,
        readonly code: string,
        message: string,
    ) {
        super(message);
    }
}
