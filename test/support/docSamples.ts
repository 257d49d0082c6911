// What the docs' sample outputs are made from: the real commands, run in-process against a fake
// Engine (fakeEngine.ts), a temporary project and a fake /proc, their stdout and stderr kept in
// the order they were written, as a terminal shows them. The places that differ from run to
// run are written as an operator's machine would show them: the Engine's socket, the project
// and lock directories, and the ciphertexts of `secure:` values.
import { execFileSync } from "child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "fs";
import { tmpdir } from "os";
import * as path from "path";
import type { Context } from "../../tenants/context";
import { run } from "../../cli/main";
import { testContext } from "./cliRun";
import { FakeContainer, FakeEngine, startFakeEngine } from "./fakeEngine";

export const SHOWN = { dockerHost: "unix:///var/run/docker.sock", projectDir: "/srv/frontbase-tenants", lockDir: "/var/lib/frontbase" };

/** A listener the fake /proc lists: `port` on `address` (IPv4), owned by `pid` running `command` when given. */
export interface FakeListener {
    readonly port: number;
    readonly address?: string;
    readonly pid?: number;
    readonly command?: string;
}

/** A /proc with these listening sockets (net/tcp) and, for those with a pid, the process's fd and comm. */
export function fakeProc(listeners: readonly FakeListener[]): string {
    const root = mkdtempSync(path.join(tmpdir(), "fbdocs-proc-"));
    mkdirSync(path.join(root, "net"));
    const rows = listeners.map((l, i) => {
        const hex = (l.address ?? "127.0.0.1")
            .split(".")
            .reverse()
            .map((b) => Number(b).toString(16).padStart(2, "0"))
            .join("")
            .toUpperCase();
        const inode = String(40000 + i);
        if (l.pid !== undefined) {
            mkdirSync(path.join(root, String(l.pid), "fd"), { recursive: true });
            symlinkSync(`socket:[${inode}]`, path.join(root, String(l.pid), "fd", String(3 + i)));
            writeFileSync(path.join(root, String(l.pid), "comm"), `${l.command ?? "?"}\n`);
        }
        const port = l.port.toString(16).toUpperCase().padStart(4, "0");
        return `   ${i}: ${hex}:${port} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 ${inode} 1 0000000000000000 100 0 0 10 0`;
    });
    const header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    writeFileSync(path.join(root, "net", "tcp"), header + rows.map((r) => `${r}\n`).join(""));
    writeFileSync(path.join(root, "net", "tcp6"), header);
    return root;
}

export interface Session {
    readonly engine: FakeEngine;
    readonly projectDir: string;
    /** Runs `npm run tenant -- <argv>` and returns its transcript: the prompt, stdout and stderr in order, `[exit N]`. */
    tenant(argv: readonly string[], env?: Record<string, string>, answer?: string): Promise<string>;
    /** What the places that differ from run to run become in a sample. */
    shown(text: string): string;
    close(): Promise<void>;
}

export interface SessionOptions {
    readonly containers?: readonly FakeContainer[];
    readonly volumes?: Parameters<typeof startFakeEngine>[1];
    /** The images the Engine has (name, or name -> ID). */
    readonly images?: Parameters<typeof startFakeEngine>[2];
    readonly files?: Record<string, string>;
    readonly listeners?: readonly FakeListener[];
    readonly env?: Record<string, string>;
    readonly given?: Partial<Context>;
}

export async function session(o: SessionOptions = {}): Promise<Session> {
    const engine = await startFakeEngine(o.containers ?? [], o.volumes ?? [], o.images ?? {});
    const projectDir = mkdtempSync(path.join(tmpdir(), "fbdocs-project-"));
    const lockDir = mkdtempSync(path.join(tmpdir(), "fbdocs-lock-"));
    writeFileSync(path.join(projectDir, "Pulumi.yaml"), "name: frontbase\nruntime: nodejs\n");
    for (const [name, text] of Object.entries(o.files ?? {})) writeFileSync(path.join(projectDir, name), text);
    const procRoot = o.listeners ? fakeProc(o.listeners) : undefined;
    const shown = (text: string) =>
        text
            .split(engine.host)
            .join(SHOWN.dockerHost)
            .split(projectDir)
            .join(SHOWN.projectDir)
            .split(lockDir)
            .join(SHOWN.lockDir)
            .replace(/(secure: )v1:\S+/g, "$1v1:<ciphertext>")
            .replace(/^(encryptionsalt: )v1:\S+/gm, "$1v1:<salt>");
    return {
        engine,
        projectDir,
        shown,
        async tenant(argv, env = {}, answer) {
            const lines: string[] = [];
            const write = (t: string) => void lines.push(...t.replace(/\n$/, "").split("\n"));
            // A person at a terminal: the question and the answer typed after it, on one line.
            const terminal = { interactive: true, ask: async (q: string) => (write(`${q}${answer}`), answer ?? "") };
            const ctx = testContext(
                { FRONTBASE_PROJECT_DIR: projectDir, DOCKER_HOST: engine.host, FRONTBASE_LOCK_DIR: lockDir, ...o.env, ...env },
                {
                    io: { out: write, err: write },
                    ...(procRoot ? { procRoot } : {}),
                    ...(answer === undefined ? {} : { terminal }),
                    ...o.given,
                },
            );
            const code = await run(argv, ctx);
            const prompt = `$ npm run tenant -- ${argv.join(" ")}`;
            return shown([prompt, ...lines, ...(code === 0 ? [] : [`[exit ${code}]`])].join("\n"));
        },
        async close() {
            await engine.close();
            for (const dir of [projectDir, lockDir, procRoot]) if (dir) rmSync(dir, { recursive: true, force: true });
        },
    };
}

/**
 * The session's project made a git repository (with the program's index.ts) whose first commit is
 * `origin/main`, what `affected --base origin/main` compares with; returns `git` to commit more.
 */
export function gitProject(s: Pick<Session, "projectDir">): (...args: string[]) => string {
    const git = (...args: string[]) =>
        execFileSync("git", ["-c", "user.email=ops@example.com", "-c", "user.name=ops", ...args], { cwd: s.projectDir, encoding: "utf8" });
    writeFileSync(path.join(s.projectDir, "index.ts"), "export {};\n");
    git("init", "-q", "-b", "main");
    git("add", ".");
    git("commit", "-q", "-m", "base");
    git("update-ref", "refs/remotes/origin/main", "HEAD");
    return git;
}

/** Labels the real stack gives a tenant's container of `service`. */
export function tenantLabels(tenant: string, service: string): Record<string, string> {
    return { "frontbase.tenant": tenant, "com.docker.compose.project": `${tenant}_frontbase`, "com.docker.compose.service": service };
}
