// scripts/deploy.sh (`npm run deploy`) in a sandbox: a copy of the script in a project of its own,
// PATH as `npm run` builds it (node_modules/.bin first, holding the `pulumi` npm package's
// download wrapper), stand-ins for `npm` and for an installed Pulumi CLI that record how they were
// called, and no terminal. What is checked is which CLI runs, with which passphrase, in what order.
import { spawnSync } from "child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { pulumiCli } from "../../tenants/context";
import { tempDir } from "../support/temp";

const ROOT = path.resolve(__dirname, "../..");

/** A program that appends `<name> <args> [passphrase=<value>|unset]` to $LOG, answering as `pulumi` or `npm` would. */
function recorder(file: string, name: string): void {
    writeFileSync(
        file,
        `#!/bin/sh
pass=unset; [ -n "\${PULUMI_CONFIG_PASSPHRASE+x}" ] && pass="[$PULUMI_CONFIG_PASSPHRASE]"
echo "${name} $* passphrase=$pass" >>"$LOG"
case "$*" in
  version) echo v3.265.0 ;;
  "whoami --verbose") printf 'User: me\\nBackend URL: file:///x\\n' ;;
esac
exit 0
`,
    );
    chmodSync(file, 0o755);
}

interface Sandbox {
    readonly project: string;
    readonly installed: string;
    readonly log: string;
    run(o?: { env?: Record<string, string>; installed?: boolean; stackFile?: string }): {
        code: number | null;
        stderr: string;
        calls: string[];
    };
}

function sandbox(): Sandbox {
    const dir = tempDir("deploy");
    const project = path.join(dir, "project");
    mkdirSync(path.join(project, "scripts"), { recursive: true });
    for (const f of ["deploy.sh", "pulumi-cli.js"]) copyFileSync(path.join(ROOT, "scripts", f), path.join(project, "scripts", f));
    // The npm package's wrapper, linked into node_modules/.bin as npm links it.
    mkdirSync(path.join(project, "node_modules/pulumi"), { recursive: true });
    mkdirSync(path.join(project, "node_modules/.bin"));
    recorder(path.join(project, "node_modules/pulumi/run.js"), "wrapper");
    symlinkSync("../pulumi/run.js", path.join(project, "node_modules/.bin/pulumi"));
    const installed = path.join(dir, "usr-local-bin");
    mkdirSync(installed);
    recorder(path.join(installed, "pulumi"), "installed");
    const tools = path.join(dir, "tools");
    mkdirSync(tools);
    recorder(path.join(tools, "npm"), "npm");
    const home = path.join(dir, "home");
    mkdirSync(home);
    const log = path.join(dir, "calls.log");
    return {
        project,
        installed,
        log,
        run(o = {}) {
            writeFileSync(path.join(project, "Pulumi.t.yaml"), o.stackFile ?? "config:\n  frontbase:tenant: t\n");
            writeFileSync(log, "");
            const PATH = [
                path.join(project, "node_modules/.bin"), // npm run puts it first
                tools,
                ...(o.installed === false ? [] : [installed]),
                path.dirname(process.execPath),
                "/usr/bin",
                "/bin",
            ].join(":");
            const r = spawnSync("bash", [path.join(project, "scripts/deploy.sh"), "t"], {
                env: { PATH, HOME: home, LOG: log, ...o.env },
                stdio: ["ignore", "pipe", "pipe"], // no terminal
                encoding: "utf8",
                timeout: 30_000,
            });
            return { code: r.status, stderr: r.stderr, calls: readFileSync(log, "utf8").trim().split("\n").filter(Boolean) };
        },
    };
}

const PASS = { PULUMI_CONFIG_PASSPHRASE: "p" };

describe("npm run deploy: which Pulumi CLI", () => {
    const box = sandbox();

    it("runs a CLI installed on PATH, not the npm package's download wrapper that npm run puts first, and says which", () => {
        const r = box.run({ env: PASS });
        expect(r.code).toBe(0);
        expect(r.stderr).toContain(`deploy: using the Pulumi CLI at ${path.join(box.installed, "pulumi")}`);
        expect(r.calls.filter((c) => c.startsWith("wrapper"))).toEqual([]);
        expect(r.calls).toContain("installed up --stack t passphrase=[p]");
    });

    it("runs the wrapper only when no CLI is installed, and says that it downloads one", () => {
        const r = box.run({ env: PASS, installed: false });
        expect(r.code).toBe(0);
        expect(r.stderr).toContain("deploy: using the `pulumi` npm package's wrapper");
        expect(r.stderr).toContain("downloads the CLI from get.pulumi.com on first use");
        expect(r.calls).toContain("wrapper up --stack t passphrase=[p]");
        expect(r.calls.filter((c) => c.startsWith("installed"))).toEqual([]);
    });

    it("finds an installed CLI in ~/.pulumi/bin (the official installer's place) when PATH has none", () => {
        const home = path.join(path.dirname(box.installed), "home");
        mkdirSync(path.join(home, ".pulumi/bin"), { recursive: true });
        recorder(path.join(home, ".pulumi/bin/pulumi"), "home");
        try {
            const r = box.run({ env: PASS, installed: false });
            expect(r.stderr).toContain(`deploy: using the Pulumi CLI at ${path.join(home, ".pulumi/bin/pulumi")}`);
            expect(r.calls).toContain("home up --stack t passphrase=[p]");
        } finally {
            spawnSync("rm", ["-rf", path.join(home, ".pulumi")]);
        }
    });
});

describe("npm run deploy: the passphrase, without a terminal", () => {
    const box = sandbox();

    it("accepts an empty PULUMI_CONFIG_PASSPHRASE (a valid passphrase to Pulumi) and hands it on", () => {
        const r = box.run({ env: { PULUMI_CONFIG_PASSPHRASE: "" } });
        expect(r.stderr).not.toContain("passphrase");
        expect(r.code).toBe(0);
        expect(r.calls).toContain("installed up --stack t passphrase=[]");
    });

    it("accepts PULUMI_CONFIG_PASSPHRASE_FILE", () => {
        const r = box.run({ env: { PULUMI_CONFIG_PASSPHRASE_FILE: "/somewhere/passphrase" } });
        expect(r.code).toBe(0);
        expect(r.calls).toContain("installed up --stack t passphrase=unset");
    });

    it("with neither, stops before any pulumi step or stack file write, naming both variables (exit 2)", () => {
        const r = box.run();
        expect(r.code).toBe(2);
        expect(r.stderr).toContain(
            "set PULUMI_CONFIG_PASSPHRASE (empty is allowed) or PULUMI_CONFIG_PASSPHRASE_FILE (no terminal to ask on)",
        );
        expect(r.calls.filter((c) => / (stack|up|config)\b/.test(c) || c.includes("credentials"))).toEqual([]);
    });

    it("needs none for a stack whose file names another secrets provider", () => {
        const r = box.run({ stackFile: "secretsprovider: awskms://alias/x\nconfig:\n  frontbase:tenant: t\n" });
        expect(r.code).toBe(0);
        expect(r.calls).toContain("installed up --stack t passphrase=unset");
    });
});

describe("npm run deploy: the order of its steps", () => {
    it("checks, writes missing credentials with the passphrase, then runs pulumi up, then verifies", () => {
        const r = sandbox().run({ env: PASS });
        const steps = r.calls
            .map((c) => c.replace(/ passphrase=.*$/, ""))
            .filter((c) => /^npm run|^installed (stack|up)/.test(c))
            .map((c) => c.replace(/^npm run --silent tenant -- /, "tenant "));
        expect(steps).toEqual([
            "tenant preflight t",
            "tenant credentials t",
            "installed stack select --create t",
            "installed up --stack t",
            "tenant verify t --wait 60",
        ]);
        expect(r.calls.find((c) => c.includes("tenant -- credentials"))).toMatch(/passphrase=\[p\]$/);
    });
});

describe("tenant verify --repair's Pulumi CLI (tenants/context.ts pulumiCli)", () => {
    it("is the one deploy runs: the installed CLI before node_modules/.bin's wrapper, said on stderr", async () => {
        const box = sandbox();
        const err: string[] = [];
        const env = {
            PATH: [path.join(box.project, "node_modules/.bin"), box.installed, "/usr/bin", "/bin"].join(":"),
            HOME: box.project,
            LOG: box.log,
        };
        writeFileSync(box.log, "");
        const code = await pulumiCli(env, { out: () => undefined, err: (t) => void err.push(t) })(["up", "--stack", "t", "--yes"]);
        expect(code).toBe(0);
        expect(readFileSync(box.log, "utf8").trim()).toBe("installed up --stack t --yes passphrase=unset");
        expect(err).toEqual([`pulumi: running the Pulumi CLI at ${path.join(box.installed, "pulumi")}`]);
    });
});
