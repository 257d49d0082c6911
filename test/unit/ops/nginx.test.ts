import { mkdtempSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { domainProblem, renderNginx, upstreamFor } from "../../../cli/ops/nginx";
import { tenant } from "../../support/cliRun";

// A dead socket: any command that reaches for the Engine fails, so these tests prove it did not.
const DEAD = "unix:///nonexistent/docker.sock";

function project(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(tmpdir(), "nginx-"));
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
}

function run(argv: string[], projectDir: string) {
    return tenant(["nginx", ...argv], { FRONTBASE_PROJECT_DIR: projectDir, DOCKER_HOST: DEAD });
}

describe("renderNginx", () => {
    it("renders the server block for one tenant", () => {
        expect(
            renderNginx({
                tenant: "tenant1",
                domains: ["tenant1.example.com"],
                frontendPort: 8081,
                upstreamHost: "127.0.0.1",
                listen: 80,
                source: "Pulumi.tenant1.yaml",
            }),
        ).toMatchSnapshot();
    });

    it("renders aliases and a non-default listen port", () => {
        expect(
            renderNginx({
                tenant: "acme",
                domains: ["acme.example.com", "www.acme.example.com"],
                frontendPort: 8090,
                upstreamHost: "10.0.0.5",
                listen: 8443,
                source: "container acme_frontbase-frontend-1",
            }),
        ).toMatchSnapshot();
    });

    it.each(["tenant1.example.com", "*.example.com", "localhost", "a-b.c0.io"])("accepts %s", (d) =>
        expect(domainProblem(d)).toBeUndefined(),
    );
    it.each(["", "a b.com", "x.com;", "evil.com { }", "-a.com", "a..com", "*.", "é.com", `${"a".repeat(64)}.com`])("rejects %j", (d) =>
        expect(domainProblem(d)).toMatch(/must be a domain name/),
    );

    it("dials loopback for ports published on all interfaces, else the bound address", () => {
        expect([upstreamFor(undefined), upstreamFor("0.0.0.0"), upstreamFor("10.0.0.5")]).toEqual(["127.0.0.1", "127.0.0.1", "10.0.0.5"]);
    });
});

describe("tenant nginx", () => {
    it("reads the frontend port and bind address from the stack file without asking the Engine", async () => {
        const dir = project({
            "Pulumi.acme.yaml": "config:\n  frontbase:bindAddress: 127.0.0.1\n  frontbase:ports:\n    frontend: 8085\n    backend: 8001\n",
        });
        const r = await run(["acme", "--domain", "acme.example.com"], dir);
        expect(r.err).toBe("");
        expect(r.code).toBe(0);
        expect(r.out).toContain("proxy_pass http://127.0.0.1:8085;");
        expect(r.out).toContain("server_name acme.example.com;");
        expect(r.out).toContain("(from Pulumi.acme.yaml)");
    });

    it("dials a swarm tenant's node (its publicHost), not loopback", async () => {
        const dir = project({
            "Pulumi.sw.yaml":
                "config:\n  frontbase:target: swarm\n  frontbase:node: vps-2\n  frontbase:publicHost: 10.0.0.12\n  frontbase:ports:\n    frontend: 8085\n",
        });
        const r = await run(["sw", "--domain", "sw.example.com"], dir);
        expect([r.code, r.err]).toEqual([0, ""]);
        expect(r.out).toContain("proxy_pass http://10.0.0.12:8085;");
    });

    it.each([
        [["acme"], /--domain <name> is required/],
        [["acme", "--domain", "bad domain;"], /--domain "bad domain;": must be a domain name/],
        [["acme", "--domain", "a.com", "--listen", "0"], /--listen "0": must be a whole number from 1 to 65535/],
        [["acme", "--domain", "a.com", "--listen", "8085"], /--listen 8085: that is the tenant's own frontend port/],
        [["Acme", "--domain", "a.com"], /<tenant> "Acme": must start with a lowercase letter/],
        [["--domain", "a.com"], /missing argument <tenant>/],
    ])("usage error %j exits 2", async (argv, message) => {
        const dir = project({ "Pulumi.acme.yaml": "config:\n  frontbase:ports:\n    frontend: 8085\n" });
        const r = await run(argv, dir);
        expect(r.code).toBe(2);
        expect(r.err).toMatch(message);
        expect(r.out).toBe("");
    });

    it("asks the Engine when the stack file pins no port, and says so clearly when it is dead", async () => {
        const dir = project({ "Pulumi.acme.yaml": "config:\n  frontbase:tenant: acme\n" });
        const r = await run(["acme", "--domain", "a.com"], dir);
        expect([r.code, r.out]).toEqual([1, ""]);
        expect(r.err).toMatch(/^tenant nginx: the Docker Engine at unix:\/\/\/nonexistent\/docker\.sock does not answer/);
    });
});
