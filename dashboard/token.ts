// The operator's token for the dashboard: FRONTBASE_DASHBOARD_TOKEN, else a file made once with
// mode 0600 in the lock directory (its path is printed, never the token).
import * as path from "path";
import { ownerOnlySecret } from "../project/safeFs";
import { newToken } from "./auth";

export const TOKEN_ENV = "FRONTBASE_DASHBOARD_TOKEN";

export async function dashboardToken(env: NodeJS.ProcessEnv, dir: string): Promise<{ token: string; from: string }> {
    if (env[TOKEN_ENV]) return { token: env[TOKEN_ENV]!, from: TOKEN_ENV };
    const file = path.join(dir, "dashboard-token");
    const { value, created } = await ownerOnlySecret(file, { make: newToken, missing: "", instead: `set ${TOKEN_ENV}` });
    return { token: value, from: created ? `${file} (new)` : file };
}
