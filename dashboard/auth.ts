// Who may use the dashboard: one operator token (FRONTBASE_DASHBOARD_TOKEN, else generated once
// into a 0600 file), sent by API clients as `Authorization: Bearer <token>`; the page logs in with
// it once and then holds an HttpOnly session cookie. A request authenticated by its cookie must
// also carry the session's CSRF token (`X-CSRF-Token`) on anything that changes something: a
// cookie is sent by the browser on its own, a header only by the page's own script. Pure, but for
// the randomness.
import { createHash, randomBytes, timingSafeEqual } from "crypto";

export const SESSION_COOKIE = "frontbase_session";
export const CSRF_HEADER = "x-csrf-token";
export const SESSION_TTL_MS = 12 * 60 * 60_000;

/** Compares in constant time (over SHA-256 digests, so lengths leak nothing either). An empty expected secret matches nothing. */
export function sameSecret(given: string, expected: string): boolean {
    if (expected === "") return false;
    const a = createHash("sha256").update(given).digest();
    const b = createHash("sha256").update(expected).digest();
    return timingSafeEqual(a, b);
}

export function newToken(): string {
    return randomBytes(32).toString("base64url");
}

export interface Session {
    readonly id: string;
    readonly csrf: string;
    readonly expires: number;
}

export class Sessions {
    private readonly byId = new Map<string, Session>();
    constructor(private readonly now: () => number = Date.now) {}

    open(): Session {
        const s = { id: newToken(), csrf: newToken(), expires: this.now() + SESSION_TTL_MS };
        this.byId.set(s.id, s);
        return s;
    }

    find(id: string | undefined): Session | undefined {
        if (!id) return undefined;
        const s = this.byId.get(id);
        if (s && s.expires <= this.now()) this.byId.delete(id);
        return s && s.expires > this.now() ? s : undefined;
    }

    close(id: string | undefined): void {
        if (id) this.byId.delete(id);
    }
}

/** `a=1; b=2` -> { a: "1", b: "2" }. A value that is not valid percent-encoding is left out: no session matches it (401). */
export function parseCookies(header: string | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    for (const part of (header ?? "").split(";")) {
        const i = part.indexOf("=");
        if (i <= 0) continue;
        try {
            out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
        } catch {
            // URI malformed: not a cookie this server set.
        }
    }
    return out;
}

/** The session cookie: HttpOnly (no script reads it), SameSite=Strict, Secure when served over TLS. */
export function sessionCookie(id: string, secure: boolean, maxAgeS = SESSION_TTL_MS / 1000): string {
    return `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? "; Secure" : ""}`;
}

export type Caller = { readonly by: "token" } | { readonly by: "session"; readonly session: Session };

export type AuthResult =
    | { readonly ok: true; readonly caller: Caller }
    | { readonly ok: false; readonly status: 401 | 403; readonly code: string; readonly message: string };

const MUTATING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/** The caller of a request, or why it is refused: no credentials or a wrong token (401), a cookie call without its CSRF token (403). */
export function authenticate(
    req: { method: string; headers: Record<string, string | string[] | undefined> },
    token: string,
    sessions: Sessions,
): AuthResult {
    const header = req.headers.authorization;
    const auth = Array.isArray(header) ? header[0] : header;
    if (auth !== undefined) {
        const m = /^Bearer (.+)$/.exec(auth);
        if (m && sameSecret(m[1], token)) return { ok: true, caller: { by: "token" } };
        return {
            ok: false,
            status: 401,
            code: "bad_token",
            message: "the Authorization header's token is not the dashboard's (send Authorization: Bearer <token>)",
        };
    }
    const cookie = req.headers.cookie;
    const session = sessions.find(parseCookies(Array.isArray(cookie) ? cookie.join(";") : cookie)[SESSION_COOKIE]);
    if (!session)
        return { ok: false, status: 401, code: "unauthenticated", message: "log in first, or send Authorization: Bearer <token>" };
    if (MUTATING.has(req.method)) {
        const csrf = req.headers[CSRF_HEADER];
        const given = Array.isArray(csrf) ? csrf[0] : csrf;
        if (!given || !sameSecret(given, session.csrf))
            return { ok: false, status: 403, code: "csrf", message: `a change through the session needs its ${CSRF_HEADER} header` };
    }
    return { ok: true, caller: { by: "session", session } };
}
