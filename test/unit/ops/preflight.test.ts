// The checks `npm run deploy` makes before `pulumi up`, where no Docker Engine is needed to
// answer: a missing stack file, bad config, a Docker host that does not answer.
import { describe, expect, it } from "vitest";
import { preflight } from "../../../cli/ops/preflight";
import { tempLockDir, tempProject, tenant } from "../../support/cliRun";

describe("preflight", () => {
    it("names the command that creates a missing stack file", async () => {
        const dir = tempProject();
        expect(await preflight(dir, "acme")).toEqual({
            problems: [`no Pulumi.acme.yaml in ${dir}; create it with: npm run tenant -- new acme`],
            notes: [],
        });
    });

    it("reports every config problem with the file's name, before contacting Docker", async () => {
        const dir = tempProject({
            "Pulumi.acme.yaml":
                "config:\n  frontbase:database: mysql\n  frontbase:ports:\n    backend: 0\n  docker:host: unix:///nonexistent/docker.sock\n",
        });
        expect((await preflight(dir, "acme")).problems).toEqual([
            'Pulumi.acme.yaml: frontbase:database: must be "sqlite" or "postgres"',
            "Pulumi.acme.yaml: frontbase:ports.backend: must be an integer port number from 1 to 65535",
        ]);
    });

    it("accepts encrypted values in the file, and says so when the stack's Docker host does not answer", async () => {
        const dir = tempProject({
            "Pulumi.acme.yaml": "config:\n  frontbase:dbPassword:\n    secure: v1:abc\n  docker:host: unix:///nonexistent/docker.sock\n",
        });
        const r = await preflight(dir, "acme");
        expect(r.problems).toHaveLength(1);
        expect(r.problems[0]).toMatch(
            /^the Docker Engine at unix:\/\/\/nonexistent\/docker\.sock does not answer .*; is dockerd running\?$/,
        );
    });

    it("exits 1 through the CLI with the problems on stderr, and 2 on a bad tenant name", async () => {
        const dir = tempProject();
        const r = await tenant(["preflight", "acme"], { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: tempLockDir() });
        expect([r.code, r.out, r.err]).toEqual([
            1,
            "",
            `not ready to deploy acme:\n  - no Pulumi.acme.yaml in ${dir}; create it with: npm run tenant -- new acme\n`,
        ]);
        expect((await tenant(["preflight", "Acme"], { FRONTBASE_PROJECT_DIR: dir, FRONTBASE_LOCK_DIR: tempLockDir() })).code).toBe(2);
    });
});
