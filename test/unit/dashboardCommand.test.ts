// Issue 21, item 5: `npm run dashboard` has the commands' shape and stops cleanly. Real
// processes (npm, node) on loopback: --help, usage errors exit 2 naming the flag before anything
// listens, and SIGTERM (as systemd sends it, to npm only) or SIGINT (as a terminal sends it, to
// the process group) leaves no server listening. The systemd unit in the docs runs what this
// command declares and stops it with a signal it stops on.
import { ChildProcess, spawn } from "child_process";
import { writeFileSync } from "fs";
import * as net from "net";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { command, parseDashboardArgs } from "../../cli/dashboard";
import { parseCall } from "../../cli/command";
import { shellWords } from "../support/docCommands";
import { docFiles, fences, ROOT } from "../support/docs";
import { tempProject } from "../support/cliRun";
import { removeTempDirs, tempDir } from "../support/temp";

afterAll(removeTempDirs);

const TOKEN = "dashboard command test token, 0123456789abcdef";

/** npm in a process group of its own, so that whatever it leaves (a server that outlived it) can be found and ended. */
function npmDashboard(args: readonly string[]): ChildProcess & { output: () => string } {
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        FRONTBASE_DASHBOARD_TOKEN: TOKEN,
        FRONTBASE_LOCK_DIR: path.join(tempDir("dash-locks"), "locks"),
        FRONTBASE_PROJECT_DIR: tempProject(),
    };
    const child = spawn("npm", ["run", "--silent", "dashboard", "--", ...args], {
        cwd: ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
    });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => void (out += String(d)));
    child.stderr!.on("data", (d: Buffer) => void (out += String(d)));
    return Object.assign(child, { output: () => out });
}

const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) =>
        child.exitCode !== null ? resolve(child.exitCode) : child.once("exit", (code, signal) => resolve(code ?? (signal ? -1 : null))),
    );

async function freePort(): Promise<number> {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
}

function connects(port: number): Promise<boolean> {
    return new Promise((resolve) => {
        const c = net.connect(port, "127.0.0.1");
        c.once("connect", () => (c.destroy(), resolve(true)));
        c.once("error", () => resolve(false));
    });
}

async function listening(child: ReturnType<typeof npmDashboard>): Promise<void> {
    while (!child.output().includes("dashboard on http://")) {
        if (child.exitCode !== null) throw new Error(`the dashboard exited: ${child.output()}`);
        await new Promise((r) => setTimeout(r, 100));
    }
}

describe("npm run dashboard's command line, as a process", () => {
    it("prints its help with --help and exits 0", async () => {
        const child = npmDashboard(["--help"]);
        expect(await exited(child)).toBe(0);
        expect(child.output()).toMatch(/^usage: npm run dashboard -- \[--port N\] \[--listen ADDR\] \[--tls-cert FILE\]/);
        expect(child.output()).toContain("-h, --help");
    });

    it.each([
        [["--port", "0"], '--port "0": must be a whole number from 1 to 65535'],
        [["--bogus"], 'unknown option "--bogus"'],
        [["--listen", "0.0.0.0"], "refusing to listen on 0.0.0.0 without TLS"],
        [
            ["--tls-cert", "/nonexistent/cert.pem", "--tls-key", "/nonexistent/key.pem"],
            '--tls-cert "/nonexistent/cert.pem": cannot be read (ENOENT)',
        ],
    ])("exits 2 on %j, naming the flag, with the usage line", async (args, says) => {
        const child = npmDashboard(args);
        expect(await exited(child)).toBe(2);
        expect(child.output()).toContain(says);
        expect(child.output()).toContain("usage: npm run dashboard -- ");
    });

    it.each([
        ["SIGTERM", "to npm alone, as systemd or kill sends it", false],
        ["SIGINT", "to the process group, as a terminal's Ctrl-C sends it", true],
    ] as const)("stops on %s %s: nothing listens afterwards", async (signal, _how, group) => {
        const port = await freePort();
        const child = npmDashboard(["--port", String(port)]);
        try {
            await listening(child);
            expect(await connects(port)).toBe(true);
            // A keep-alive client must not hold the server open.
            const idle = net.connect(port, "127.0.0.1");
            idle.on("error", () => undefined); // the stopping server may reset it: that is the point
            await new Promise((r) => idle.once("connect", r));
            idle.write(`GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n`);
            if (group) process.kill(-child.pid!, signal);
            else child.kill(signal);
            await exited(child);
            expect(child.output()).toContain(`dashboard: ${signal}, stopping`);
            expect(await connects(port)).toBe(false);
            idle.destroy();
        } finally {
            // What the signal left running (the server, before this was fixed) goes with its group.
            try {
                process.kill(-child.pid!, "SIGKILL");
            } catch {
                // the group is gone: nothing was left
            }
        }
    });
});

describe("the command's checks, in process", () => {
    it("reads a TLS file when parsing: a key without its certificate, a file that is no PEM", () => {
        const dir = tempDir("pem");
        const pem = path.join(dir, "cert.pem");
        const text = path.join(dir, "notes.txt");
        writeFileSync(pem, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        writeFileSync(text, "hello\n");
        expect(() => parseDashboardArgs(["--tls-cert", pem])).toThrow("--tls-cert and --tls-key go together");
        expect(() => parseDashboardArgs(["--tls-cert", text, "--tls-key", pem])).toThrow(`--tls-cert "${text}": is not a PEM file`);
    });
});

describe("the systemd unit in the docs", () => {
    const units = docFiles().flatMap((file) => fences(file).filter((f) => f.lines.includes("[Service]")));
    const unit = units.find((u) => u.lines.some((l) => /^ExecStart=.*dashboard/.test(l)));

    it("runs npm run dashboard with flags its declaration takes, and stops it with SIGTERM", () => {
        expect(unit, "a fenced block with [Service] and the dashboard's ExecStart").toBeDefined();
        const exec = unit!.lines.find((l) => l.startsWith("ExecStart="))!.slice("ExecStart=".length);
        const words = shellWords(exec);
        expect(words.slice(0, 4)).toEqual(["/usr/bin/npm", "run", "dashboard", "--"]);
        expect(() => parseCall(command, words.slice(4))).not.toThrow();
        expect(unit!.lines).toContain("KillSignal=SIGTERM");
    });
});
