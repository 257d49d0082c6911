// `tenant new <name> --domain <name>...`: writes frontbase:domains; refuses bad or taken domains
// before asking the Docker host or writing anything.
import { readFileSync } from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempLockDir, tempProject, tenant } from "../support/cliRun";
import { FakeEngine, startFakeEngine } from "../support/fakeEngine";
import { nothingWritten } from "../support/unchanged";

let engine: FakeEngine;
beforeAll(async () => void (engine = await startFakeEngine([])));
afterAll(async () => {
    await engine.close();
});
const envFor = (dir: string) => ({ FRONTBASE_PROJECT_DIR: dir, DOCKER_HOST: engine.host, FRONTBASE_LOCK_DIR: tempLockDir() });
const BETA = "config:\n  frontbase:domains: [beta.example.com]\n  frontbase:ports:\n    frontend: 8090\n";

describe("tenant new --domain", () => {
    it("writes every --domain, in order, into frontbase:domains", async () => {
        const dir = tempProject();
        const r = await tenant(["new", "acme", "--domain", "acme.example.com", "--domain", "www.acme.example.com", "--json"], envFor(dir));
        expect(r.code, r.err).toBe(0);
        expect(readFileSync(path.join(dir, "Pulumi.acme.yaml"), "utf8")).toMatch(
            /frontbase:domains:\n\s+- acme\.example\.com\n\s+- www\.acme\.example\.com\n/,
        );
    });
    it("pins a second slot's ports for a tenant with domains (seven distinct ports, in their services' ranges); --force adds them to one made before", async () => {
        const dir = tempProject({ "Pulumi.beta.yaml": BETA });
        const made = await tenant(["new", "acme", "--domain", "acme.example.com", "--json"], envFor(dir));
        expect(made.code, made.err).toBe(0);
        const ports = JSON.parse(made.out).ports as Record<string, number>;
        expect(Object.keys(ports)).toEqual(["backend", "edge", "frontend", "redisHttp", "backend2", "edge2", "frontend2"]);
        expect(new Set(Object.values(ports)).size).toBe(7);
        expect([ports.frontend2 >= 8080 && ports.frontend2 <= 8999, ports.edge2 >= 3002 && ports.edge2 <= 3999]).toEqual([true, true]);
        expect(Object.values(ports)).not.toContain(8090);
        const old = await tenant(["new", "beta", "--force", "--json"], envFor(dir));
        expect(old.code, old.err).toBe(0);
        expect(JSON.parse(old.out).ports).toMatchObject({ frontend: 8090, frontend2: expect.any(Number) });
        expect(readFileSync(path.join(dir, "Pulumi.beta.yaml"), "utf8")).toMatch(/frontend2: \d+/);
    });
    it.each<[string, string[], number, string]>([
        ["an invalid host name (usage, exit 2)", ["--domain", "Acme.example.com"], 2, '--domain "Acme.example.com": must be lowercase'],
        ["a wildcard", ["--domain", "*.example.com"], 2, "must not be a wildcard"],
        ["the same domain twice", ["--domain", "a.example.com", "--domain", "a.example.com"], 1, '--domain "a.example.com": given twice'],
        [
            "a domain another stack file claims",
            ["--domain", "beta.example.com"],
            1,
            '"beta.example.com" is claimed by Pulumi.acme.yaml and Pulumi.beta.yaml',
        ],
    ])("refuses %s, before asking the Docker host or writing anything", async (_, flags, code, message) => {
        const env = envFor(tempProject({ "Pulumi.beta.yaml": BETA }));
        const untouched = nothingWritten({ project: env.FRONTBASE_PROJECT_DIR, lockDir: env.FRONTBASE_LOCK_DIR, engine, noRequests: true });
        const r = await tenant(["new", "acme", ...flags], env);
        expect(r.code).toBe(code);
        expect(r.err).toContain(message);
        untouched();
    });
});
