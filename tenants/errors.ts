// The errors of the operations on tenants, by what went wrong rather than by message text, so
// that each caller answers in its own terms: the CLI with an exit code (2 for bad input), the
// dashboard's API with an HTTP status (400, 404, 409) instead of matching words in a message.

/** Bad input: a value, or a combination of values, that is not allowed. CLI: exit 2 with the usage line; API: 400. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** No stack file, container or volume of that tenant anywhere. API: 404. */
export class UnknownTenantError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UnknownTenantError";
    }
}

/** The tenant exists but has nothing deployed for what was asked (no containers, no such service). API: 409. */
export class NotDeployedError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "NotDeployedError";
    }
}

/** What was asked would overwrite or take what someone else holds (an existing tenant, another's ports). API: 409. */
export class ConflictError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConflictError";
    }
}
