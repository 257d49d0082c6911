// The operations commands' argument handling: every mistake exits 2 with a message naming the
// argument, before the Engine is asked anything and before anything is written; a dead daemon
// is an error.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempEnv, tenant } from "../../support/cliRun";
import { FakeEngine, startFakeEngine } from "../../support/fakeEngine";
import { nothingWritten } from "../../support/unchanged";

const DEAD = "unix:///nonexistent/docker.sock";
const ACME = { "Pulumi.acme.yaml": "config:\n  frontbase:ports:\n    backend: 9501\n    frontend: 9502\n" };
let engine: FakeEngine;
beforeAll(async () => void (engine = await startFakeEngine([])));
afterAll(() => engine.close());

/** `argv` on a project holding acme's stack file, with `dockerHost`; counts the questions asked. */
async function run(argv: string[], opts: { interactive?: boolean; dockerHost?: string; watch?: boolean } = {}) {
    let asked = 0;
    const env = tempEnv(ACME, { DOCKER_HOST: opts.dockerHost ?? DEAD });
    const untouched = nothingWritten({ project: env.FRONTBASE_PROJECT_DIR, lockDir: env.FRONTBASE_LOCK_DIR, engine, noRequests: true });
    const r = await tenant(argv, env, { terminal: { interactive: opts.interactive ?? false, ask: async () => (asked++, "") } });
    if (opts.watch) untouched();
    return { ...r, asked };
}

describe("usage errors exit 2 before anything is read or changed", () => {
    it.each([
        [["status"], /missing argument <tenant>/],
        [["status", "a", "b"], /unexpected argument "b"/],
        [["status", "a_b"], /<tenant> "a_b": must start with a lowercase letter and contain only/],
        [["status", "a", "--watch"], /unknown option "--watch"; allowed: --json/],
        [["logs", "acme", "web"], /\[service\] "web": must be one of postgres, redis, redis-http, backend, edge, frontend/],
        [["logs", "acme", "--tail", "ten"], /--tail "ten": must be a whole number or "all"/],
        [["logs", "acme", "--tail"], /option --tail needs a value: a whole number or "all"/],
        [["restart", "acme", "--timeout", "-1"], /--timeout "-1": must be a whole number from 0 to 3600/],
        [["restart", "acme", "--timeout=-1"], /--timeout "-1": must be a whole number from 0 to 3600/],
        [["restart", "acme", "--timeout", "99999"], /--timeout "99999": must be a whole number from 0 to 3600/],
        [["purge", "acme"], /refusing to purge without --yes: stdin is not a terminal/],
        [["purge", "acme", "--force"], /unknown option "--force"; allowed: --yes/],
        [["why-port", "http"], /<port> "http": must be a whole number from 1 to 65535/],
        [["why-port", "65536"], /<port> "65536": must be a whole number from 1 to 65535/],
        [["why-port"], /missing argument <port>/],
        [["logs", "--help=yes"], /unknown option "--help"/],
    ] as [string[], RegExp][])("%j", async (argv, message) => {
        // A live (stand-in) Engine, so that a command that asked it anything would be seen asking.
        const r = await run(argv, { dockerHost: engine.host, watch: true });
        expect(r.err).toMatch(message);
        expect(r.err).toContain(`\nusage: npm run tenant -- ${argv[0]} `);
        expect(r.code).toBe(2);
        expect(r.out).toBe("");
        expect(r.asked).toBe(0);
    });
});

describe("a dead daemon is an error, never a success", () => {
    it.each([[["status", "acme"]], [["logs", "acme"]], [["restart", "acme"]], [["purge", "acme", "--yes"]], [["why-port", "8080"]]])(
        "%j",
        async (argv) => {
            const r = await run(argv);
            expect(r.err).toMatch(
                /^tenant [a-z-]+: the Docker Engine at unix:\/\/\/nonexistent\/docker\.sock does not answer .*is dockerd running\?\n$/,
            );
            expect([r.code, r.out]).toEqual([1, ""]);
        },
    );

    it("purge on a terminal asks nothing before it knows what it would remove", async () => {
        const r = await run(["purge", "acme"], { interactive: true });
        expect([r.code, r.asked]).toEqual([1, 0]);
        expect(r.err).toMatch(/does not answer/);
    });
});
