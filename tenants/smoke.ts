// Does a deployed tenant answer as its admin and its users reach it? Through its frontend, as a
// browser would (the real application's routes, FIELD-NOTES sections 1 and 6): the admin page
// loads (GET /frontbase-admin/ serves the admin app), the admin logs in (POST /api/auth/login sets
// a session cookie), and the core database answers through the API (GET /api/variables/, a list).
// The password goes to the tenant only: never into a result or an error.
export interface SmokeCheck {
    readonly what: string;
    readonly ok: boolean;
    readonly detail: string;
}

export interface SmokeResult {
    readonly ok: boolean;
    /** In order; the first failure ends the list. */
    readonly checks: readonly SmokeCheck[];
    /** How many variables the API read back, when it did. */
    readonly variables?: number;
}

export async function smokeCheck(baseUrl: string, admin: { email: string; password: string }, timeoutMs = 20_000): Promise<SmokeResult> {
    const checks: SmokeCheck[] = [];
    let cookie: string | undefined;
    let variables: number | undefined;
    const call = async (method: string, path: string, json?: unknown) => {
        const res = await fetch(new URL(path, baseUrl), {
            method,
            headers: { ...(json !== undefined ? { "content-type": "application/json" } : {}), ...(cookie ? { cookie } : {}) },
            body: json === undefined ? undefined : JSON.stringify(json),
            redirect: "manual",
            signal: AbortSignal.timeout(timeoutMs),
        });
        return { status: res.status, text: await res.text(), cookie: res.headers.get("set-cookie")?.split(";")[0] };
    };
    const step = async (what: string, run: () => Promise<string | undefined>) => {
        let problem: string | undefined;
        try {
            problem = await run();
        } catch (e) {
            const cause = (e as { cause?: { code?: string } }).cause?.code;
            problem = `no answer (${cause ?? (e as Error).message})`;
        }
        checks.push({ what, ok: problem === undefined, detail: problem ?? "ok" });
        return problem === undefined;
    };
    const ok =
        (await step("admin page", async () => {
            const r = await call("GET", "/frontbase-admin/");
            return r.status === 200 && r.text.includes('<div id="root"')
                ? undefined
                : `answered ${r.status}${r.status === 200 ? " without the admin app" : ""}`;
        })) &&
        (await step(`admin login as ${admin.email}`, async () => {
            const r = await call("POST", "/api/auth/login", { email: admin.email, password: admin.password });
            cookie = r.cookie;
            return r.status === 200 && cookie ? undefined : `answered ${r.status}${r.status === 401 ? " (the password was refused)" : ""}`;
        })) &&
        (await step("data read through the API", async () => {
            const r = await call("GET", "/api/variables/");
            let list: unknown;
            try {
                list = JSON.parse(r.text);
            } catch {
                list = undefined;
            }
            if (r.status !== 200 || !Array.isArray(list))
                return `GET /api/variables/ answered ${r.status}${r.status === 200 ? " without a list" : ""}`;
            variables = list.length;
            return undefined;
        }));
    return { ok, checks, ...(variables !== undefined ? { variables } : {}) };
}
