// `tenant check`, the fleet check: on this repository's own stack files (so `npm test` runs
// it), and on fleets with every kind of collision.
import { execFileSync } from "child_process";
import { readFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { listStackFiles } from "../../../project/stackFiles";
import { tempLockDir, tempProject, tenant } from "../../support/cliRun";

const REPO = path.resolve(__dirname, "../../..");
const pins = (tenantName: string, ports: Record<string, number>, extra = "") =>
    `config:\n  frontbase:tenant: ${tenantName}\n  frontbase:ports:\n${Object.entries(ports)
        .map(([k, v]) => `    ${k}: ${v}\n`)
        .join("")}${extra}`;
const FULL = (b: number, e: number, f: number, r: number) => ({ backend: b, edge: e, frontend: f, redisHttp: r });

/**
 * The stack files committed to this repository (`git ls-files`), as they are in the working tree:
 * a developer's untracked Pulumi.<stack>.yaml is not the repository's and changes nothing here.
 * Outside a git checkout (an unpacked archive) every stack file is the repository's.
 */
async function committedStackFiles(): Promise<Record<string, string>> {
    let names: string[];
    try {
        names = execFileSync("git", ["ls-files", "-z", "--", "Pulumi.*.yaml"], { cwd: REPO, encoding: "utf8" }).split("\0").filter(Boolean);
    } catch {
        names = (await listStackFiles(REPO)).map((f) => path.basename(f));
    }
    return Object.fromEntries(names.map((n) => [n, readFileSync(path.join(REPO, n), "utf8")]));
}

describe("tenant check", () => {
    it("passes on this repository's own stack files", async () => {
        const files = await committedStackFiles();
        expect(Object.keys(files)).toContain("Pulumi.dev.yaml");
        const r = await tenant(["check"], { FRONTBASE_PROJECT_DIR: tempProject(files), FRONTBASE_LOCK_DIR: tempLockDir() });
        expect(r.err + r.out).toContain(`${Object.keys(files).length} stack file(s)`);
        expect(r.out).toMatch(/^ok: /);
        expect(r.code).toBe(0);
    });

    it("passes on a clean fleet and notes ports left to `pulumi up`", async () => {
        const dir = tempProject({
            "Pulumi.a.yaml": pins("a", FULL(8000, 3002, 8080, 8079)),
            "Pulumi.b.yaml": pins("b", { backend: 8001 }),
        });
        const r = await tenant(["check"], { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: tempLockDir() });
        expect(r.code).toBe(0);
        expect(r.out).toContain("ok: 2 stack file(s), 2 tenant(s)");
        expect(r.err).toContain(`note: ${path.join(dir, "Pulumi.b.yaml")}: ports.edge, ports.frontend, ports.redisHttp not pinned`);
    });

    it("notes a tenant with domains and no second slot; checks a second slot's ports like the others (range, pinned twice)", async () => {
        const domains = '  frontbase:domains: ["a.example.com"]\n';
        const dir = tempProject({
            "Pulumi.one.yaml": pins("one", FULL(8000, 3002, 8080, 8079), domains),
            "Pulumi.two.yaml": pins(
                "two",
                { ...FULL(8001, 3003, 8081, 8082), backend2: 8011, edge2: 3013, frontend2: 8091 },
                domains.replace("a.", "b."),
            ),
            "Pulumi.bad.yaml": pins(
                "bad",
                { ...FULL(8002, 3004, 8083, 8084), backend2: 8011, edge2: 2000, frontend2: 8093 },
                domains.replace("a.", "c."),
            ),
        });
        const f = (n: string) => path.join(dir, `Pulumi.${n}.yaml`);
        const r = await tenant(["check"], { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: tempLockDir() });
        expect(r.err).toContain(`note: ${f("one")}: has domains but no second slot (ports.backend2, ports.edge2, ports.frontend2)`);
        expect(r.err).not.toContain(`note: ${f("two")}`);
        expect(r.out + r.err).toContain(
            `${f("bad")}: frontbase:ports.edge2 = 2000 is outside its range 3002-3999 (frontbase:portRanges.edge)`,
        );
        expect(r.out + r.err).toContain(
            `port 8011 is pinned more than once: ${f("bad")} (tenant bad, ports.backend2) and ${f("two")} (tenant two, ports.backend2)`,
        );
        expect(r.code).toBe(1);
    });

    it("lets swarm tenants on different nodes share a port number, not tenants on one node or a docker tenant", async () => {
        const swarm = (node: string) => `  frontbase:target: swarm\n  frontbase:node: ${node}\n`;
        const dir = tempProject({
            "Pulumi.s1.yaml": pins("s1", FULL(8000, 3002, 8080, 8079), swarm("node-1")),
            "Pulumi.s2.yaml": pins("s2", FULL(8000, 3002, 8080, 8079), swarm("node-2")),
            "Pulumi.s3.yaml": pins("s3", FULL(8001, 3003, 8081, 8082), swarm("node-2")),
            "Pulumi.s4.yaml": pins("s4", FULL(8001, 3004, 8083, 8084), swarm("node-2")),
        });
        const f = (n: string) => path.join(dir, `Pulumi.${n}.yaml`);
        const r = await tenant(["check"], { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: tempLockDir() });
        expect(r.code).toBe(1);
        expect(r.out + r.err).toContain(
            `port 8001 is pinned more than once: ${f("s3")} (tenant s3, ports.backend, node node-2) and ${f("s4")} (tenant s4, ports.backend, node node-2)`,
        );
        expect(r.out + r.err).not.toContain("port 8000 ");
        const withDocker = tempProject({
            "Pulumi.s1.yaml": pins("s1", FULL(8000, 3002, 8080, 8079), swarm("node-1")),
            "Pulumi.d.yaml": pins("d", FULL(8000, 3005, 8085, 8086)),
        });
        const d = await tenant(["check"], { FRONTBASE_PROJECT_DIR: withDocker, FRONTBASE_LOCK_DIR: tempLockDir() });
        expect(d.out + d.err).toContain("port 8000 is pinned more than once");
    });

    it("holds an ingress tenant's ports on every node: another node's tenant may not share them", async () => {
        const swarm = (node: string, mode = "") =>
            `  frontbase:target: swarm\n  frontbase:node: ${node}\n${mode ? `  frontbase:publishMode: ${mode}\n` : ""}`;
        const dir = tempProject({
            "Pulumi.mesh.yaml": pins("mesh", FULL(8000, 3002, 8080, 8079), swarm("node-1", "ingress")),
            "Pulumi.s2.yaml": pins("s2", FULL(8000, 3003, 8081, 8082), swarm("node-2")),
        });
        const r = await tenant(["check"], { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: tempLockDir() });
        expect([r.code, r.out + r.err]).toEqual([
            1,
            expect.stringContaining(
                `port 8000 is pinned more than once: ${path.join(dir, "Pulumi.mesh.yaml")} (tenant mesh, ports.backend) and ${path.join(dir, "Pulumi.s2.yaml")} (tenant s2, ports.backend, node node-2)`,
            ),
        ]);
    });

    it("fails naming the files and ports of every collision", async () => {
        const dir = tempProject({
            "Pulumi.a.yaml": pins("a", FULL(8000, 3002, 8080, 8079), "  frontbase:reservedPorts: [8085]\n"),
            // Shares 8080 with a's frontend (as its backend: overlapping ranges).
            "Pulumi.b.yaml": pins("b", FULL(8080, 3003, 8081, 8082)),
            // Outside its range, and reserved by a.
            "Pulumi.c.yaml": pins("c", FULL(7000, 3004, 8085, 8083)),
            // Claims tenant a again.
            "Pulumi.a2.yaml": pins("a", FULL(8090, 3005, 8091, 8092)),
            // Two services of one tenant on one port.
            "Pulumi.d.yaml": pins("d", FULL(8093, 3006, 8093, 8094)),
            "Pulumi.e.yaml": "config: [not yaml\n",
            "Pulumi.f.yaml": "config:\n  frontbase:database: mysql\n",
        });
        const f = (n: string) => path.join(dir, `Pulumi.${n}.yaml`);
        const r = await tenant(["check"], { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: tempLockDir() });
        expect(r.code).toBe(1);
        expect(r.out).toMatch(/^FAILED: \d+ problem\(s\) in /);
        const expected = [
            `port 8080 is pinned more than once: ${f("a")} (tenant a, ports.frontend) and ${f("b")} (tenant b, ports.backend)`,
            `${f("c")}: frontbase:ports.backend = 7000 is outside its range 8000-8999 (frontbase:portRanges.backend)`,
            `${f("c")}: frontbase:ports.frontend = 8085 is in frontbase:reservedPorts of ${f("a")}`,
            `tenant a is claimed by 2 stack files: ${f("a")}, ${f("a2")}`,
            `port 8093 is pinned more than once: ${f("d")} (tenant d, ports.backend) and ${f("d")} (tenant d, ports.frontend)`,
            `${f("d")}: frontbase:ports.frontend: 8093 is already used by ports.backend`,
            `${f("e")}: not valid YAML`,
            `${f("f")}: frontbase:database: must be "sqlite" or "postgres"`,
        ];
        for (const line of expected) expect(r.out).toContain(line);
        expect(r.out.match(/^ {2}- /gm)).toHaveLength(expected.length);
    });

    it("says which tenant is on which release, and refuses a catalog in a stack file", async () => {
        const img = (t: string) => `{backend: "fb-backend:${t}", edge: "fb-edge:${t}", frontend: "fb-frontend:${t}"}`;
        const project = `name: frontbase\nruntime: nodejs\nconfig:\n  frontbase:release: r1\n  frontbase:releases:\n    value: {r1: ${img("a1")}, r2: ${img("b2")}}\n`;
        const dir = tempProject({
            "Pulumi.yaml": project,
            "Pulumi.a.yaml": pins("a", FULL(8000, 3002, 8080, 8079)),
            "Pulumi.b.yaml": pins("b", FULL(8001, 3003, 8081, 8082), "  frontbase:release: r2\n"),
            "Pulumi.c.yaml": pins("c", FULL(8002, 3004, 8083, 8084), "  frontbase:images:\n    edge: mine:1\n"),
            "Pulumi.d.yaml": pins("d", FULL(8003, 3005, 8085, 8086)),
        });
        const ok = await tenant(["check"], { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: tempLockDir() });
        expect([ok.code, ok.out.trimEnd().split("\n").slice(1)]).toEqual([
            0,
            [
                "releases (Pulumi.yaml's frontbase:release is r1):",
                "  own images (edge in frontbase:images), not release r1: c",
                "  release r1: a, d",
                "  release r2 (named in its stack file): b",
            ],
        ]);
        const bad = tempProject({
            "Pulumi.yaml": project,
            "Pulumi.a.yaml": pins("a", FULL(8000, 3002, 8080, 8079), `  frontbase:releases: {r1: ${img("x")}}\n`),
        });
        const r = await tenant(["check"], { FRONTBASE_PROJECT_DIR: bad, FRONTBASE_LOCK_DIR: tempLockDir() });
        expect(r.code).toBe(1);
        expect(r.out).toContain(
            `${path.join(bad, "Pulumi.a.yaml")}: frontbase:releases: the catalog of releases belongs in Pulumi.yaml (a stack file's replaces it whole)`,
        );
    });
});
