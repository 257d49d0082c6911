// `npm run tenant -- <command> --help`, for every command: exit 0, the usage line and every
// flag on stdout, nothing read or changed (the Docker host is a dead socket, the project
// directory does not exist).
import { describe, expect, it } from "vitest";
import { run } from "../../../cli/main";
import { COMMANDS } from "../../../cli/registry";
import { testContext } from "../../support/cliRun";

const DEAD = {
    DOCKER_HOST: "unix:///nonexistent/docker.sock",
    FRONTBASE_PROJECT_DIR: "/nonexistent/project",
    FRONTBASE_LOCK_DIR: "/nonexistent/locks",
};

describe.each(Object.keys(COMMANDS))("%s", (name) => {
    it.each([["--help"], ["-h"], ["acme", "--help"]])("%s: usage and every flag, exit 0", async (...argv) => {
        const command = await COMMANDS[name]();
        const ctx = testContext(DEAD);
        expect(await run([name, ...argv], ctx)).toBe(0);
        const { out, err } = ctx.output();
        expect(err).toBe("");
        expect(out.split("\n")[0]).toBe(`usage: npm run tenant -- ${command.usage}`);
        expect(out).toContain(command.summary);
        for (const flag of Object.keys(command.flags)) expect(out).toMatch(new RegExp(`^ {2}--${flag}\\b`, "m"));
        for (const arg of command.args) expect(out).toContain(arg.optional ? `[${arg.name}]` : `<${arg.name}>`);
        expect(out).toMatch(/^ {2}-h, --help +print this help$/m);
    });
});

describe("usage lines", () => {
    it("are generated from each command's declaration", async () => {
        const usage = Object.fromEntries(
            await Promise.all(Object.entries(COMMANDS).map(async ([name, load]) => [name, (await load()).usage])),
        );
        expect(usage).toEqual({
            affected: "affected (--base <rev> | --all) [--head <rev>] [--json] [--github-output]",
            alerts: "alerts [--webhook URL] [--once] [--every AGE] [--down-for AGE] [--backup-age AGE] [--cert-within AGE] [--drill-age AGE] [--volume-size SIZE]",
            backup: "backup [tenant] [--all] [--prune]",
            backups: "backups [tenant] [--max-age AGE] [--json]",
            check: "check",
            drain: "drain <node> [--apply]",
            drill: "drill <tenant> [--snapshot ID] [--json]",
            logs: "logs <tenant> [service] [--follow] [--tail N|all] [--timestamps]",
            ls: "ls [--json]",
            new: "new <name> [--database sqlite|postgres] [--max-retries N] [--dry-run] [--json] [--force] [--domain <name>...] [--target docker|swarm] [--node NAME] [--publish host|ingress]",
            nginx: "nginx <tenant> --domain <name>... [--listen PORT]",
            preflight: "preflight <tenant>",
            purge: "purge <tenant> [--yes] [--node NAME]",
            restart: "restart <tenant> [service] [--timeout S]",
            restore: "restore <tenant> [--snapshot ID] [--into TENANT] [--force]",
            stats: "stats [tenant] [--json]",
            status: "status <tenant> [--json]",
            verify: "verify <stack> [--wait S] [--repair]",
            "why-port": "why-port <port> [--json] [--node NAME]",
        });
    });
});
