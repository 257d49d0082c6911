// `tenant rollout` (npm run rollout): its waves, its flags, and its gates' outcomes on a stand-in
// host (test/support/fakeEngine.ts) whose containers a stand-in `pulumi up` replaces, with a
// stand-in tenant answering the smoke check's routes over real HTTP. The real application, the
// engine double and the real Docker Engine: test/integration/rollout.test.ts.
import { existsSync, readFileSync } from "fs";
import * as http from "http";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labels, ServiceName } from "../../../components/naming";
import { tempProject, tenant } from "../../support/cliRun";
import { FakeContainer, FakeEngine, startFakeEngine } from "../../support/fakeEngine";
import { removeTempDirs, tempDir } from "../../support/temp";
import { decryptStackSecrets, ensureCredentials } from "../../../project/stackSecrets";
import { acquireLock } from "../../../ports/lock";

// --- the command, on a stand-in host ------------------------------------------------------------

const OLD = { backend: "fb-backend:old1", edge: "fb-edge:old1", frontend: "fb-frontend:old1" };
const NEW = { backend: "fb-backend:new2", edge: "fb-edge:new2", frontend: "fb-frontend:new2" };
const SERVICES: ServiceName[] = ["redis", "redis-http", "backend", "edge", "frontend"];
const STACKS = ["t1", "t2", "t3"];
let engine: FakeEngine;
let app: http.Server;
let appPort: number;
/** What the stand-in tenant answers to a login: the real app checks ADMIN_EMAIL and ADMIN_PASSWORD. */
let loginWorks = true;
const PASSPHRASE = { PULUMI_CONFIG_PASSPHRASE: "rollout unit test" };
/** t1's admin password, as `tenant new` generated it into its stack file (the others have none: login not checked). */
let password = "";

/** A tenant's five services as the host runs them, on `images`, healthy unless said otherwise. */
function tenantOn(t: string, images: Record<string, string>, health: "healthy" | "unhealthy" = "healthy"): FakeContainer[] {
    return SERVICES.map((s) => ({
        name: `${t}_frontbase-${s}-1`,
        state: "running",
        labels: labels(t, s),
        ...(s === "redis-http" ? {} : { health: s === "backend" ? health : "healthy" }),
        ...(s === "backend" || s === "edge" || s === "frontend" ? { image: images[s] } : {}),
        // Every frontend answers on the one stand-in tenant (the stand-in host checks no port twice).
        ...(s === "frontend" ? { bindings: { "80/tcp": [{ HostIp: "127.0.0.1", HostPort: String(appPort) }] } } : {}),
    }));
}

/** The project: the catalog and the fleet's release in Pulumi.yaml, a stack file per tenant (`extra`: more of its config). */
async function project(extra: Record<string, string> = {}): Promise<string> {
    const catalog = `{old1: ${JSON.stringify(OLD)}, new2: ${JSON.stringify(NEW)}}`;
    const stack = (t: string) =>
        `config:\n  frontbase:tenant: ${t}\n  docker:host: ${engine.host}\n  frontbase:bindAddress: 127.0.0.1\n${extra[t] ?? ""}`;
    const dir = tempProject({
        "Pulumi.yaml": `name: frontbase\nruntime: nodejs\nconfig:\n  frontbase:release: new2\n  frontbase:releases:\n    value: ${catalog}\n`,
        ...Object.fromEntries(STACKS.map((t) => [`Pulumi.${t}.yaml`, stack(t)])),
    });
    const t1 = path.join(dir, "Pulumi.t1.yaml");
    await ensureCredentials(t1, "sqlite", PASSPHRASE);
    password = (await decryptStackSecrets(t1, PASSPHRASE))!["frontbase:adminPassword"];
    return dir;
}

/** `rollout <argv>` with a stand-in `pulumi up` that puts each stack on `after(stack)` and exits `code(stack)`. */
async function rollout(
    argv: string[],
    o: { dir: string; lockDir: string; code?: (s: string) => number; after?: (s: string) => FakeContainer[] },
) {
    const calls: string[][] = [];
    const selects: string[] = [];
    const pulumi = async (args: readonly string[], opts?: { output?: (c: string) => void }) => {
        if (args[0] === "stack") return (selects.push(args.join(" ")), 0); // the stand-in backend has every stack
        calls.push([...args]);
        const stack = args[args.indexOf("--stack") + 1];
        opts?.output?.(`Updating (${stack})\n`);
        const code = o.code?.(stack) ?? 0;
        if (code === 0 && o.after) engine.setContainers(o.after(stack));
        return code;
    };
    const r = await tenant(
        ["rollout", ...argv],
        { FRONTBASE_PROJECT_DIR: o.dir, FRONTBASE_LOCK_DIR: o.lockDir, ...PASSPHRASE },
        { pulumi },
    );
    return { ...r, calls, selects };
}

beforeAll(async () => {
    app = http.createServer((req, res) => {
        let body = "";
        req.on("data", (d) => (body += d));
        req.on("end", () => {
            const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
                res.writeHead(status, { "content-type": "application/json", ...headers });
                res.end(typeof data === "string" ? data : JSON.stringify(data));
            };
            if (req.url === "/frontbase-admin/") return send(200, '<!doctype html><div id="root"></div>');
            if (req.url === "/api/auth/login" && req.method === "POST")
                return loginWorks && JSON.parse(body).email === "admin@example.com" && JSON.parse(body).password === password
                    ? send(200, { message: "Login successful" }, { "set-cookie": "fb_session=s1; HttpOnly; Path=/" })
                    : send(401, { detail: "Invalid email or password" });
            if (req.url === "/api/auth/me")
                return req.headers.cookie === "fb_session=s1" ? send(200, { user: { email: "admin@example.com" } }) : send(401, {});
            if (req.url === "/api/variables/") return send(200, []);
            send(404, {});
        });
    });
    await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
    appPort = (app.address() as { port: number }).port;
    engine = await startFakeEngine([], [], [...Object.values(OLD), ...Object.values(NEW)]);
});
afterAll(async () => {
    await engine.close();
    await new Promise((r) => app.close(r));
    removeTempDirs();
});

const onAll = (images: Record<string, string>, except?: { stack: string; images: Record<string, string> }) =>
    STACKS.flatMap((t) => tenantOn(t, except?.stack === t ? except.images : images));

describe("tenant rollout", () => {
    it("is also `npm run rollout`, the same declaration under the same entry point", () => {
        const scripts = JSON.parse(readFileSync(path.resolve(__dirname, "../../../package.json"), "utf8")).scripts;
        expect(scripts.rollout).toBe(`${scripts.tenant} rollout`);
    });

    it.each([
        [["--all", "--waves", "0"], '--waves "0": "0" is not a wave: each wave is a number of stacks (1 or more) or a percentage'],
        [["--all", "--waves", "150%"], '--waves "150%": "150%" is not a wave'],
        [["--all", "--parallel", "0"], '--parallel "0": must be a whole number from 1 to 16'],
        [["t1", "nope"], '<stack> "nope": no Pulumi.nope.yaml in'],
        [["--all", "--release", "r9"], '--release "r9": not a release of Pulumi.yaml\'s frontbase:releases (new2, old1)'],
        [["t1", "--release", "old1"], '--release "old1": stack t1 is on release new2, not on release old1'],
        [["t1", "--all"], "give stacks or --all, not both"],
        [[], "give the stacks to roll out, or --all"],
    ])("%j is a usage error naming the flag, and deploys nothing", async (argv, message) => {
        const lockDir = tempDir("locks");
        engine.setContainers([]);
        const before = engine.changes.length;
        const r = await rollout([...argv, "--yes"], { dir: await project(), lockDir });
        expect([r.code, r.err]).toEqual([2, expect.stringContaining(message)]);
        expect(r.err).toContain("usage: npm run tenant -- rollout [stack...]");
        expect([
            [...r.calls, ...r.selects],
            engine.changes.length - before,
            existsSync(path.join(lockDir, "rollout-frontbase.json")),
        ]).toEqual([[], 0, false]);
    });

    it("without --yes and without a terminal to ask on, is a usage error", async () => {
        const r = await rollout(["t1"], { dir: await project(), lockDir: tempDir("locks") });
        expect([r.code, r.err, r.calls]).toEqual([2, expect.stringContaining("--yes: there is no terminal to confirm on"), []]);
    });

    it("refuses before deploying anything when an image a stack needs is not on its host, naming it and the build", async () => {
        engine.setContainers(onAll(OLD));
        const dir = await project({ t3: "  frontbase:images:\n    backend: fb-backend:never-built\n" });
        const r = await rollout(["--all", "--yes"], { dir, lockDir: tempDir("locks") });
        expect([r.code, r.calls]).toEqual([1, []]);
        expect(r.out).toContain("not rolling out; nothing was deployed:");
        expect(r.out).toContain("image fb-backend:never-built (frontbase:images.backend) is not on the Docker host");
        expect(r.out).toContain("bash scripts/build-frontbase-images.sh");
    });

    it("deploys in waves through every gate: the canary first, the rest after, each up, verify, smoke", async () => {
        const dir = await project();
        const lockDir = tempDir("locks");
        engine.setContainers(onAll(OLD));
        let deployed = new Set<string>();
        const r = await rollout(["--all", "--waves", "1,100%", "--parallel", "2", "--yes", "--json"], {
            dir,
            lockDir,
            after: (s) => ((deployed = new Set([...deployed, s])), STACKS.flatMap((t) => tenantOn(t, deployed.has(t) ? NEW : OLD))),
        });
        expect([r.code, r.calls.map((c) => c.join(" "))]).toEqual([
            0,
            ["up --stack t1 --yes --refresh", "up --stack t2 --yes --refresh", "up --stack t3 --yes --refresh"],
        ]);
        // Each stack exists in the backend before the first wave (a new one is created).
        expect(r.selects).toEqual(STACKS.map((t) => `stack select --create ${t}`));
        const json = JSON.parse(r.out);
        expect(json).toMatchObject({ ok: true, waves: [["t1"], ["t2", "t3"]], onTarget: STACKS, notOnTarget: [] });
        expect(json.stacks.map((s: { state: string }) => s.state)).toEqual(["done", "done", "done"]);
        expect(r.err).toContain("t1: smoke ok: admin page, login as admin@example.com, session, API read");
        expect(r.err).toContain("t2: smoke ok: admin page, login (not checked: no frontbase:adminPassword in the stack file), API read");
        expect(r.err + r.out).not.toContain(password);
        expect(readFileSync(path.join(lockDir, "rollout-frontbase.log"), "utf8")).toContain("t2| Updating (t2)");
    });

    it("stops at the canary's failed gate: says what failed, who is on the release and who is not, and how to resume", async () => {
        const dir = await project();
        const lockDir = tempDir("locks");
        engine.setContainers(onAll(OLD));
        deployedSoFar.clear();
        // The canary's backend does not turn healthy on the new images.
        const r = await rollout(["t3", "t1", "t2", "--waves", "1,100%", "--yes"], {
            dir,
            lockDir,
            after: (s) =>
                onAll(OLD, { stack: s, images: NEW }).map((c) =>
                    c.name === `${s}_frontbase-backend-1` ? { ...c, health: "unhealthy" as const } : c,
                ),
        });
        expect([r.code, r.calls.map((c) => c[2])]).toEqual([1, ["t3"]]);
        expect(r.out).toContain("t3 failed at verify:");
        expect(r.out).toContain("backend not healthy");
        expect(r.out).toContain("on their target: none\nnot on it: t3, t1, t2");
        expect(r.out).toContain("resume with:\n  npm run rollout -- t3 t1 t2 --waves 1,100% --yes");
        const progress = JSON.parse(readFileSync(path.join(lockDir, "rollout-frontbase.json"), "utf8"));
        expect(progress).toMatchObject({ stacks: ["t3", "t1", "t2"], records: { t3: { outcome: { state: "failed", gate: "verify" } } } });
        expect(progress.records.t1).toBeUndefined();

        // Fixed: resuming (even as --all) keeps the canary first, deploys what is not on the release, skips nothing healthy twice.
        const fixed = await rollout(["--all", "--waves", "1,100%", "--yes"], {
            dir,
            lockDir,
            after: (s) => engineOn(s),
        });
        expect([fixed.code, fixed.calls.map((c) => c[2])]).toEqual([0, ["t3", "t1", "t2"]]);
        expect(fixed.out).toContain("resuming the rollout started");
        // Everything on the release and healthy: a third run deploys nothing.
        const again = await rollout(["--all", "--yes"], { dir, lockDir });
        expect([again.code, again.calls]).toEqual([0, []]);
        expect(again.out).toContain("t1: skipped: already on release new2, healthy");
    });

    it("a failed pulumi up, or a smoke check the tenant fails, stops the rollout at that gate", async () => {
        const dir = await project();
        engine.setContainers(onAll(OLD));
        deployedSoFar.clear();
        const up = await rollout(["t1", "t2", "--waves", "1", "--yes"], { dir, lockDir: tempDir("locks"), code: () => 255 });
        expect([up.code, up.calls.length, up.out]).toEqual([
            1,
            1,
            expect.stringContaining("t1 failed at up:\n  pulumi up exited with 255"),
        ]);
        loginWorks = false;
        try {
            const smoke = await rollout(["t1", "t2", "--waves", "1", "--yes"], {
                dir,
                lockDir: tempDir("locks"),
                after: (s) => engineOn(s),
            });
            expect([smoke.code, smoke.calls.length]).toEqual([1, 1]);
            expect(smoke.out).toContain(
                "t1 failed at smoke:\n  login as admin@example.com: answered 401 (the stack's admin password was refused)",
            );
        } finally {
            loginWorks = true;
        }
    });

    it("refuses to run beside another rollout of the project", async () => {
        const lockDir = tempDir("locks");
        const release = await acquireLock(path.join(lockDir, "rollout-frontbase.lock"), { what: "npm run rollout -- --all" });
        try {
            const r = await rollout(["--all", "--yes"], { dir: await project(), lockDir });
            expect([r.code, r.calls]).toEqual([1, []]);
            expect(r.err).toContain(`another rollout of this project is running: pid ${process.pid}`);
        } finally {
            await release();
        }
    });
});

/** The host after stacks were deployed: those named (so far, across calls) run the new release. */
const deployedSoFar = new Set<string>();
function engineOn(stack: string): FakeContainer[] {
    deployedSoFar.add(stack);
    return STACKS.flatMap((t) => tenantOn(t, deployedSoFar.has(t) ? NEW : OLD));
}
