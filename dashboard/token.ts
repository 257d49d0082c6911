// The operator's token for the dashboard: FRONTBASE_DASHBOARD_TOKEN, else a file made once with
// mode 0600 in the lock directory (its path is printed, never the token).
//
// A token is only as good as its strength: an empty file (what `touch`, a truncation, or a crash
// between creating the file and writing it leaves) or a short one would let anyone in, so the
// dashboard refuses to start with one, naming where it came from and the fix.
import * as path from "path";
import { ownerOnlySecret } from "../project/safeFs";
import { newToken } from "./auth";

export const TOKEN_ENV = "FRONTBASE_DASHBOARD_TOKEN";
/** newToken's are 43 characters; anything an operator sets must be at least this long. */
export const MIN_TOKEN_LENGTH = 32;

/** Why `token` is too weak to guard the dashboard, or undefined. */
export function tokenProblem(token: string): string | undefined {
    if (token.trim() === "") return "is empty";
    if (token.length < MIN_TOKEN_LENGTH) return `is ${token.length} characters long; a token needs at least ${MIN_TOKEN_LENGTH}`;
    return undefined;
}

export async function dashboardToken(env: NodeJS.ProcessEnv, dir: string): Promise<{ token: string; from: string }> {
    const given = env[TOKEN_ENV];
    if (given !== undefined) {
        const problem = tokenProblem(given);
        if (problem)
            throw new Error(
                `${TOKEN_ENV} ${problem}: set it to a random token of at least ${MIN_TOKEN_LENGTH} characters (openssl rand -base64 32), or unset it to use ${path.join(dir, "dashboard-token")}`,
            );
        return { token: given, from: TOKEN_ENV };
    }
    const file = path.join(dir, "dashboard-token");
    const { value, created } = await ownerOnlySecret(file, { make: newToken, missing: "", instead: `set ${TOKEN_ENV}` });
    const problem = tokenProblem(value);
    if (problem)
        throw new Error(
            `the dashboard token in ${file} ${problem}: remove the file (rm ${file}) and a new one is generated at the next start, or write a random token of at least ${MIN_TOKEN_LENGTH} characters into it`,
        );
    return { token: value, from: created ? `${file} (new)` : file };
}
