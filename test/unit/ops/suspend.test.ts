// `suspend <tenant>` and `resume <tenant>`: the key written into (or removed from) the stack file,
// comments and other keys kept; then `pulumi up` through the Context, then the Engine's verdict.
// Refused before anything is written: an unknown tenant, an invalid stack file, unpinned ports, a
// bad argument. A failed `pulumi up` puts the stack file back.
import { readFileSync } from "fs";
import * as path from "path";
import { afterEach, describe, expect, it } from "vitest";
import { labels, ServiceName } from "../../../components/naming";
import { readStackFile } from "../../../project/stackFiles";
import { tempEnv, tenant } from "../../support/cliRun";
import { FakeEngine, startFakeEngine } from "../../support/fakeEngine";
import { nothingWritten } from "../../support/unchanged";

const PORTS = "  frontbase:ports:\n    backend: 8001\n    edge: 3003\n    frontend: 8081\n    redisHttp: 8082\n";
const ACME = `# acme's stack file, kept as written\nconfig:\n  frontbase:database: sqlite\n${PORTS}`;
const SERVICES: ServiceName[] = ["redis", "redis-http", "backend", "edge", "frontend"];

let engine: FakeEngine | undefined;
afterEach(async () => {
    await engine?.close();
    engine = undefined;
});

/** A project holding acme's stack file, a fake Engine with its containers in `state`, a recorded `pulumi`. */
async function setup(file = ACME, state: "created" | "running" = "created", more: Record<string, string> = {}) {
    engine = await startFakeEngine(
        SERVICES.map((s) => ({
            name: `acme_frontbase-${s}-1`,
            state,
            labels: labels("acme", s),
            ...(state === "running" ? { health: "healthy" as const } : {}),
        })),
    );
    const env = { ...tempEnv({ "Pulumi.acme.yaml": file, ...more }), DOCKER_HOST: engine.host };
    const calls: (readonly string[])[] = [];
    const exit = { code: 0, proxy: 0 };
    const pulumi = async (args: readonly string[]) => (calls.push(args), args.includes("proxy") ? exit.proxy : exit.code);
    const stackFile = path.join(env.FRONTBASE_PROJECT_DIR, "Pulumi.acme.yaml");
    const run = (argv: string[]) => tenant(argv, env, { pulumi });
    return { env, calls, exit, stackFile, run, text: () => readFileSync(stackFile, "utf8") };
}

describe("suspend and resume", () => {
    it("suspend writes frontbase:suspended: true (comments and keys kept), runs pulumi up, and reports the tenant suspended", async () => {
        const t = await setup();
        const r = await t.run(["suspend", "acme"]);
        expect(r.code).toBe(0);
        expect(t.text()).toBe(`${ACME}  frontbase:suspended: true\n`);
        expect(t.calls).toEqual([["up", "--stack", "acme", "--yes"]]);
        expect(r.out).toContain("suspended: no service runs; volumes, ports and credentials kept (npm run tenant -- resume acme)");
        expect(r.out).toContain("ports kept: backend 8001, edge 3003, frontend 8081, redisHttp 8082");
    });

    it("resume removes the key and passes once every service runs healthy", async () => {
        const t = await setup(`${ACME}  frontbase:suspended: true\n`, "running");
        const r = await t.run(["resume", "acme"]);
        expect([r.code, r.err]).toEqual([0, ""]);
        expect(t.text()).toBe(ACME);
        expect((await readStackFile(t.stackFile)).config["frontbase:suspended"]).toBeUndefined();
        expect(t.calls).toEqual([["up", "--stack", "acme", "--yes"]]);
        expect(r.out).toContain("healthy: 5 service(s) running");
    });

    it("exits 3 when pulumi up succeeded but a service still runs after suspend", async () => {
        const t = await setup(ACME, "running");
        const r = await t.run(["suspend", "acme"]);
        expect(r.code).toBe(3);
        expect(r.out).toContain("backend: running, but the stack file says suspended");
    });

    it("--no-deploy only writes the key (for a pull request); a second suspend writes nothing", async () => {
        const t = await setup();
        const r = await t.run(["suspend", "acme", "--no-deploy"]);
        expect([r.code, r.out]).toEqual([0, `${t.stackFile}: now suspended\ndeploy it: npm run deploy -- acme\n`]);
        expect(t.calls).toEqual([]);
        const untouched = nothingWritten({ project: t.env.FRONTBASE_PROJECT_DIR });
        const again = await t.run(["suspend", "acme", "--no-deploy"]);
        expect([again.code, again.out.split("\n")[0]]).toEqual([0, `${t.stackFile}: already suspended`]);
        untouched();
    });

    it("puts the stack file's text back when pulumi up fails, and exits 1", async () => {
        const t = await setup();
        t.exit.code = 255;
        const r = await t.run(["suspend", "acme"]);
        expect(r.code).toBe(1);
        expect(r.err).toBe(
            "tenant acme: pulumi up exited with 255; the stack file is back as it was (run the command again once pulumi's error is fixed)\n",
        );
        expect(t.text()).toBe(ACME);
    });

    const DOMAINS = `${ACME}  frontbase:domains:\n    - acme.example.com\n`;
    const PROXY = { "Pulumi.proxy.yaml": "config:\n  frontbase:acmeEmail: ops@example.com\n" };

    it("a tenant with domains and a proxy stack: the proxy is deployed after the tenant (its domains answer 503 while suspended)", async () => {
        const t = await setup(DOMAINS, "created", PROXY);
        const r = await t.run(["suspend", "acme"]);
        expect([r.code, r.err]).toEqual([0, ""]);
        expect(t.calls).toEqual([
            ["up", "--stack", "acme", "--yes"],
            ["up", "--stack", "proxy", "--yes"],
        ]);
        const plain = await setup(ACME, "created", PROXY);
        await plain.run(["suspend", "acme"]);
        const alone = await setup(DOMAINS);
        await alone.run(["suspend", "acme"]);
        expect([plain.calls, alone.calls]).toEqual([[["up", "--stack", "acme", "--yes"]], [["up", "--stack", "acme", "--yes"]]]);
    });

    it("says so and exits 1 when the proxy's pulumi up fails, the tenant's suspension kept; --no-deploy names both deploys", async () => {
        const t = await setup(DOMAINS, "created", PROXY);
        t.exit.proxy = 255;
        const r = await t.run(["suspend", "acme"]);
        expect([r.code, r.err]).toEqual([
            1,
            "proxy: pulumi up exited with 255; tenant acme is suspended, but its domains still answer as before: npm run deploy -- proxy\n",
        ]);
        expect(t.text()).toBe(`${DOMAINS}  frontbase:suspended: true\n`);
        const plan = await setup(DOMAINS, "created", PROXY);
        const p = await plan.run(["suspend", "acme", "--no-deploy"]);
        expect(p.out).toContain("deploy it: npm run deploy -- acme; then the proxy: npm run deploy -- proxy\n");
    });

    it.each<[string, string, string[], number, string]>([
        ["an unknown tenant", ACME, ["suspend", "nope"], 1, 'tenant suspend: unknown tenant "nope": no stack file for it in'],
        [
            "an invalid stack file",
            ACME.replace("sqlite", "mysql"),
            ["suspend", "acme"],
            1,
            'frontbase:database: must be "sqlite" or "postgres"; fix it first (npm run tenant -- check)',
        ],
        [
            "ports not pinned",
            ACME.replace(PORTS, ""),
            ["resume", "acme"],
            1,
            "frontbase:ports.backend, ports.edge, ports.frontend, ports.redisHttp not pinned, so a suspended tenant's ports could be given to another; pin them first: npm run tenant -- new acme --force",
        ],
        ["a bad tenant name", ACME, ["suspend", "Acme!"], 2, '<tenant> "Acme!": must start with a lowercase letter'],
        ["a second argument", ACME, ["suspend", "acme", "extra"], 2, "usage: npm run tenant -- suspend <tenant> [--no-deploy]"],
    ])("refuses %s, writing nothing and running no pulumi", async (_what, file, argv, code, message) => {
        const t = await setup(file);
        const untouched = nothingWritten({ project: t.env.FRONTBASE_PROJECT_DIR, lockDir: t.env.FRONTBASE_LOCK_DIR });
        const r = await t.run(argv);
        expect(r.code).toBe(code);
        expect(r.err).toContain(message);
        expect(t.calls).toEqual([]);
        untouched();
    });
});
