// `npm run deploy -- proxy`: the proxy stack has no tenant, so preflight checks its own config
// and the routes the tenants' stack files give, and verify checks Caddy and the reload job.
import { describe, expect, it } from "vitest";
import { preflight } from "../../../cli/ops/preflight";
import { proxyVerdict } from "../../../cli/ops/proxyChecks";
import { tempProject } from "../../support/cliRun";

const DEAD = "  docker:host: unix:///nonexistent/docker.sock\n";
const tenantFile = (domain: string, port: number) =>
    `config:\n  frontbase:domains:\n    - ${domain}\n  frontbase:ports:\n    frontend: ${port}\n`;

describe("preflight proxy", () => {
    it("reports the proxy's own config problems by field, and a domain two tenants claim, before contacting Docker", async () => {
        const dir = tempProject({
            "Pulumi.proxy.yaml": `config:\n  frontbase:tls: maybe\n${DEAD}`,
            "Pulumi.a.yaml": tenantFile("shop.example.com", 8081),
            "Pulumi.b.yaml": tenantFile("shop.example.com", 8082),
        });
        const { problems } = await preflight(dir, "proxy");
        expect(problems.some((p) => /^Pulumi\.proxy\.yaml: frontbase:tls: /.test(p))).toBe(true);
        expect(problems.some((p) => /^Pulumi\.proxy\.yaml: .*shop\.example\.com.*Pulumi\.a\.yaml.*Pulumi\.b\.yaml/.test(p))).toBe(true);
        expect(problems.some((p) => /does not answer/.test(p))).toBe(false);
    });

    it("with valid config and routes, asks the proxy's Docker host (not a tenant's config check)", async () => {
        const dir = tempProject({
            "Pulumi.proxy.yaml": `config:\n  frontbase:tls: internal\n${DEAD}`,
            "Pulumi.a.yaml": tenantFile("a.example.com", 8081),
        });
        const r = await preflight(dir, "proxy");
        expect(r.problems).toHaveLength(1);
        expect(r.problems[0]).toMatch(/^the Docker Engine at unix:\/\/\/nonexistent\/docker\.sock does not answer/);
    });
});

describe("proxyVerdict", () => {
    const running = { Status: "running", ExitCode: 0 };
    const exited = (code: number) => ({ Status: "exited", ExitCode: code });

    it("is healthy when Caddy runs and the reload job exited 0", () => {
        expect(proxyVerdict(running, exited(0))).toEqual({ healthy: true, pending: false, problems: [] });
    });

    it("names a reload job that failed: Caddy refused the routes and kept the old ones", () => {
        const v = proxyVerdict(running, exited(1));
        expect(v.healthy).toBe(false);
        expect(v.problems).toEqual([
            "frontbase_proxy-reload-1 exited with 1: Caddy kept its previous routes; see docker logs frontbase_proxy-reload-1",
        ]);
    });

    it("waits for a reload job still running, and names a stopped or missing Caddy", () => {
        expect(proxyVerdict(running, { Status: "running", ExitCode: 0 })).toEqual({ healthy: false, pending: true, problems: [] });
        expect(proxyVerdict(exited(137), exited(0)).problems).toEqual([
            "frontbase_proxy-caddy-1 is exited (exit code 137): see docker logs frontbase_proxy-caddy-1",
        ]);
        expect(proxyVerdict(undefined, undefined).problems).toEqual([
            "frontbase_proxy-caddy-1 missing: run pulumi up --stack proxy",
            "frontbase_proxy-reload-1 missing: run pulumi up --stack proxy",
        ]);
    });
});
