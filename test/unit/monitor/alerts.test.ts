// `alerts` end to end on the fake Engine, with a real HTTP receiver on loopback: a stopped service
// fires once (exit 3) and is POSTed once, signed; the next run stays quiet; when it is back it
// resolves once. A receiver that refuses gets the event again after the back-off, never twice at
// once; the checks never wait for it. The signature is HMAC-SHA256 of the body (RFC 4231 vectors).
import { createHmac } from "crypto";
import { existsSync, readFileSync } from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { alertFiles } from "../../../monitor/alertStore";
import { payload, signature, SIGNATURE_HEADER, verifySignature } from "../../../monitor/webhook";
import { tempProject, tenant } from "../../support/cliRun";
import { FakeContainer, startFakeEngine } from "../../support/fakeEngine";
import { tempDir } from "../../support/temp";

const SECRET = "alerts secret, test only, 0123456789";

describe("the webhook's signature", () => {
    it("is HMAC-SHA256 of the exact body, hex, as RFC 4231 test case 2 gives it", () => {
        expect(signature("what do ya want for nothing?", "Jefe")).toBe(
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        );
    });

    it("verifies only the body it was made for, under the secret it was made with", () => {
        const body = '{"event":"fired"}';
        const sig = signature(body, SECRET);
        expect(verifySignature(body, sig, SECRET)).toBe(true);
        expect(verifySignature(`${body} `, sig, SECRET)).toBe(false);
        expect(verifySignature(body, sig, `${SECRET}x`)).toBe(false);
        expect(verifySignature(body, undefined, SECRET)).toBe(false);
        expect(verifySignature(body, sig.slice(0, -1), SECRET)).toBe(false);
    });
});

interface Received {
    readonly body: string;
    readonly headers: http.IncomingHttpHeaders;
}

/** A webhook receiver on loopback; `answer` decides each response's status. */
async function receiver(answer: (n: number) => number = () => 204) {
    const got: Received[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d: Buffer) => (body += String(d)));
        req.on("end", () => {
            got.push({ body, headers: req.headers });
            res.writeHead(answer(got.length)).end();
        });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    return {
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/frontbase?token=in-the-url`,
        got,
        close: () => new Promise((r) => server.close(r)),
    };
}

const labels = (s: string) => ({ "frontbase.tenant": "acme", "com.docker.compose.service": s });
/** The services a sqlite tenant's stack file deploys, all running but the backend as given. */
const fleet = (backend: FakeContainer["state"]): FakeContainer[] =>
    ["redis", "redis-http", "backend", "edge", "frontend"].map((s) => ({
        name: `acme_frontbase-${s}-1`,
        state: s === "backend" ? backend : "running",
        health: s === "redis-http" || (s === "backend" && backend !== "running") ? undefined : "healthy",
        labels: labels(s),
    }));
const OFF = ["--backup-age", "off", "--drill-age", "off", "--cert-within", "off"];

function setup() {
    const project = tempProject({ "Pulumi.acme.yaml": "config:\n  frontbase:tenant: acme\n" });
    const lockDir = path.join(tempDir("alerts"), "locks");
    let t = Date.parse("2026-01-10T03:00:00Z");
    const clock = { now: () => t, sleep: async (ms: number) => void (t += ms), advance: (ms: number) => void (t += ms) };
    const alerts = async (containers: FakeContainer[], argv: string[]) => {
        const engine = await startFakeEngine(containers);
        try {
            return await tenant(
                ["alerts", "--once", ...OFF, ...argv],
                { FRONTBASE_PROJECT_DIR: project, FRONTBASE_LOCK_DIR: lockDir, FRONTBASE_ALERTS_SECRET: SECRET },
                {
                    dockerHost: engine.host,
                    now: clock.now,
                    sleep: clock.sleep,
                },
            );
        } finally {
            await engine.close();
        }
    };
    return { project, lockDir, clock, alerts };
}

describe("alerts --once", () => {
    it("fires a stopped service once, signed, to the webhook; stays quiet while it lasts; resolves it once when it is back", async () => {
        const hook = await receiver();
        const { alerts, clock, lockDir, project } = setup();
        try {
            const pending = await alerts(fleet("exited"), ["--webhook", hook.url, "--down-for", "5m"]);
            expect(pending.code).toBe(0); // FinishedAt unknown to the fake Engine: counted from now
            expect(pending.out).toMatch(/^pending\s+service:acme:backend\s+backend \(acme_frontbase-backend-1\) is exited/m);
            expect(hook.got).toEqual([]);

            clock.advance(5 * 60_000);
            const fired = await alerts(fleet("exited"), ["--webhook", hook.url, "--down-for", "5m"]);
            expect(fired.code).toBe(3);
            expect(fired.out).toMatch(/^FIRED\s+service:acme:backend/m);
            expect(hook.got).toHaveLength(1);
            const [post] = hook.got;
            expect(verifySignature(post.body, post.headers[SIGNATURE_HEADER.toLowerCase()] as string, SECRET)).toBe(true);
            const body = JSON.parse(post.body);
            expect(body).toMatchObject({
                event: "fired",
                attempt: 1,
                alert: { key: "service:acme:backend", check: "service", tenant: "acme", subject: "backend" },
            });
            expect(post.headers["x-frontbase-delivery"]).toBe(body.id);

            const again = await alerts(fleet("exited"), ["--webhook", hook.url]);
            expect(again.code).toBe(3);
            expect(again.out).toMatch(/^FIRING\s+service:acme:backend/m);
            expect(hook.got).toHaveLength(1);

            const back = await alerts(fleet("running"), ["--webhook", hook.url]);
            expect(back.code).toBe(0);
            expect(back.out).toMatch(/^resolved\s+service:acme:backend/m);
            expect(hook.got).toHaveLength(2);
            expect(JSON.parse(hook.got[1].body)).toMatchObject({ event: "resolved", id: body.id.replace(/^fired/, "resolved") });
            expect(verifySignature(hook.got[1].body, hook.got[1].headers[SIGNATURE_HEADER.toLowerCase()] as string, SECRET)).toBe(true);
            expect((await alerts(fleet("running"), ["--webhook", hook.url])).out).toBe("no alert: every check passed\n");
            expect(hook.got).toHaveLength(2);
            // The URL's path and query (a token, often) are never printed, nor kept in the state.
            const state = readFileSync(alertFiles(lockDir, project).state, "utf8");
            expect(state + fired.out + fired.err).not.toContain("in-the-url");
        } finally {
            await hook.close();
        }
    });

    it("tries a refusing receiver again in the same run, then after the back-off in later runs; the checks' answer does not wait", async () => {
        const hook = await receiver((n) => (n <= 4 ? 503 : 200));
        const { alerts, clock } = setup();
        try {
            const first = await alerts(fleet("exited"), ["--webhook", hook.url, "--down-for", "0s"]);
            expect(first.code).toBe(3);
            expect(hook.got.map((g) => JSON.parse(g.body).attempt)).toEqual([1, 2, 3]);
            expect(first.err).toMatch(
                /webhook http:\/\/127\.0\.0\.1:\d+: 0 delivered; fired:service:acme:backend:\d+ not taken \(HTTP 503\); next try in 2m; 1 waiting/,
            );
            clock.advance(60_000);
            await alerts(fleet("exited"), ["--webhook", hook.url]);
            expect(hook.got).toHaveLength(3); // not yet due
            clock.advance(61_000);
            const later = await alerts(fleet("exited"), ["--webhook", hook.url]);
            expect(hook.got.map((g) => JSON.parse(g.body).attempt)).toEqual([1, 2, 3, 4, 5]);
            expect(later.out).toContain("1 delivered");
            expect(new Set(hook.got.map((g) => JSON.parse(g.body).id)).size).toBe(1);
        } finally {
            await hook.close();
        }
    });

    it("refuses a webhook without a secret or with a bad URL, before it looks or writes anything", async () => {
        const { project, lockDir } = setup();
        const env = { FRONTBASE_PROJECT_DIR: project, FRONTBASE_LOCK_DIR: lockDir };
        const noSecret = await tenant(["alerts", "--once", "--webhook", "https://hooks.example.com/x"], {
            ...env,
            FRONTBASE_ALERTS_SECRET: undefined,
        });
        expect(noSecret.code).toBe(2);
        expect(noSecret.err).toContain("--webhook needs FRONTBASE_ALERTS_SECRET set to a secret of at least 16 characters");
        const short = await tenant(["alerts", "--once", "--webhook", "https://hooks.example.com/x"], {
            ...env,
            FRONTBASE_ALERTS_SECRET: "short",
        });
        expect(short.err).toContain("it is shorter");
        const bad = await tenant(["alerts", "--once", "--webhook", "ftp://hooks.example.com/secret-token"], {
            ...env,
            FRONTBASE_ALERTS_SECRET: SECRET,
        });
        expect(bad.code).toBe(2);
        expect(bad.err).toContain("--webhook: must be an http:// or https:// URL, not ftp:");
        expect(bad.err).not.toContain("secret-token");
        const threshold = await tenant(["alerts", "--once", "--backup-age", "1w"], env);
        expect(threshold.code).toBe(2);
        expect(threshold.err).toContain('--backup-age "1w": must be a whole number of seconds, minutes, hours or days');
        expect(existsSync(lockDir)).toBe(false);
    });
});

describe("the payload", () => {
    it("is the JSON docs/monitoring.md shows, made by the code", () => {
        const body = payload(
            {
                id: "fired:service:acme:backend:1768014300000",
                event: "fired",
                alert: {
                    key: "service:acme:backend",
                    check: "service",
                    tenant: "acme",
                    subject: "backend",
                    message: "backend (acme_frontbase-backend-1) is exited",
                    since: Date.parse("2026-01-10T03:00:00Z"),
                    firedAt: Date.parse("2026-01-10T03:05:00Z"),
                },
            },
            { machine: "vps1", sentAt: Date.parse("2026-01-10T03:05:01Z"), attempt: 1 },
        );
        const pretty = JSON.stringify(JSON.parse(body), null, 2);
        const doc = readFileSync(path.join(__dirname, "../../../docs/monitoring.md"), "utf8");
        expect(doc).toContain(`\`\`\`json\n${pretty}\n\`\`\``);
        expect(doc).toContain(`X-Frontbase-Delivery: ${JSON.parse(body).id}`);
        expect(doc).toContain(`X-Frontbase-Signature-256: ${signature(body, "the secret")}`);
        expect(createHmac("sha256", "the secret").update(body).digest("hex")).toBe(signature(body, "the secret").slice(7));
    });
});
