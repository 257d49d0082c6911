// What the bench measures against: a project of tenants' stack files, ports held on loopback,
// a checkout of another commit (for the "before" column), and a way to run a checkout's
// `npm run tenant` command the way npm runs it, minus npm's own start-up.
import { spawn, spawnSync } from "child_process";
import { mkdtempSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from "fs";
import * as net from "net";
import { tmpdir } from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { DEFAULT_PORT_RANGES } from "../components/config";
import { allocatePorts, Ports } from "../ports/allocate";
import { writeStackFile } from "../project/stackFiles";

export const REPO = path.resolve(__dirname, "..");

export function tempDir(prefix: string): string {
    return mkdtempSync(path.join(tmpdir(), `bench-${prefix}-`));
}

/** A project with `n` tenants pinned, as `tenant new` would have written them. */
export async function pinnedFleet(n: number): Promise<{ dir: string; ports: Ports[] }> {
    const dir = tempDir("fleet");
    writeFileSync(path.join(dir, "Pulumi.yaml"), "name: frontbase\nruntime: nodejs\n");
    const taken = new Set<number>();
    const all: Ports[] = [];
    for (let i = 1; i <= n; i++) {
        const { ports } = allocatePorts({ ranges: DEFAULT_PORT_RANGES, taken });
        for (const p of Object.values(ports)) taken.add(p);
        all.push(ports);
        await writeStackFile(dir, `tenant${i}`, {
            "frontbase:tenant": `tenant${i}`,
            "frontbase:database": "sqlite",
            "frontbase:ports": ports satisfies Ports,
        });
    }
    return { dir, ports: all };
}

/** Listen on `port` on loopback; undefined when someone else holds it already. */
function listen(port: number): Promise<net.Server | undefined> {
    return new Promise((resolve) => {
        const srv = net.createServer();
        srv.once("error", () => resolve(undefined));
        srv.listen({ port, host: "127.0.0.1" }, () => resolve(srv));
    });
}

export interface Held {
    /** Ports held in all: by the bench, or already by someone else. */
    readonly count: number;
    release(): Promise<void>;
}

/**
 * Hold ports from the bottom of each `[from, to, n]` block until `n` of them are held (a port
 * someone else already holds counts: it is just as taken). `n` past the block's size holds all of it.
 */
export async function holdPorts(blocks: readonly (readonly [from: number, to: number, n: number])[]): Promise<Held> {
    const servers: net.Server[] = [];
    let count = 0;
    for (const [from, to, n] of blocks) {
        for (let p = from, got = 0; got < n && p <= to; p++) {
            const s = await listen(p);
            if (s) servers.push(s);
            got++;
            count++;
        }
    }
    return { count, release: () => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))).then(() => undefined) };
}

/** `count` ports from the bottom of the edge and backend ranges, half each: every pick skips them. */
export function holdLow(count: number): Promise<Held> {
    const { edge, backend } = DEFAULT_PORT_RANGES;
    const half = Math.floor(count / 2);
    return holdPorts([
        [edge.from, edge.to, half],
        [backend.from, backend.to, count - half],
    ]);
}

/** The whole edge range (998 ports), and the rest of `count` from the bottom of the backend range. */
export function holdEdgeRange(count: number): Promise<Held> {
    const { edge, backend } = DEFAULT_PORT_RANGES;
    const size = edge.to - edge.from + 1;
    return holdPorts([
        [edge.from, edge.to, size],
        [backend.from, backend.to, Math.max(0, count - size)],
    ]);
}

/** A copy of the project at git `ref` (git archive: no worktree metadata), sharing this checkout's node_modules. */
export function checkoutOf(ref: string): { dir: string; commit: string } {
    const commit = git(["rev-parse", "--short", `${ref}^{commit}`]).trim();
    const dir = tempDir(`at-${commit}`);
    const tar = spawnSync("sh", ["-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "sh", REPO, commit, dir], { encoding: "utf8" });
    if (tar.status !== 0) throw new Error(`git archive ${ref}: ${tar.stderr}`);
    symlinkSync(realpathSync(path.join(REPO, "node_modules")), path.join(dir, "node_modules"));
    return { dir, commit };
}

function git(args: string[]): string {
    const r = spawnSync("git", ["-C", REPO, ...args], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.trim()}`);
    return r.stdout;
}

export interface Timed {
    readonly ms: number;
    readonly code: number | null;
    readonly out: string;
    readonly err: string;
}

/**
 * Run `npm run tenant -- <args>` of the checkout at `repo` as npm runs it (its package.json
 * script through `sh -c`, with node_modules/.bin on PATH), timed from spawn to exit.
 */
export function tenantCommand(repo: string): (args: readonly string[], env: NodeJS.ProcessEnv) => Promise<Timed> {
    const script = (JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts
        .tenant;
    const bin = path.join(repo, "node_modules", ".bin");
    return (args, env) =>
        timed("sh", ["-c", `${script} "$@"`, "sh", ...args], {
            cwd: repo,
            env: { ...env, PATH: `${bin}${path.delimiter}${env.PATH ?? ""}` },
        });
}

export function timed(cmd: string, args: readonly string[], o: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Timed> {
    return new Promise((resolve, reject) => {
        const t0 = performance.now();
        const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.setEncoding("utf8").on("data", (t: string) => void (out += t));
        child.stderr.setEncoding("utf8").on("data", (t: string) => void (err += t));
        child.on("error", reject);
        child.on("close", (code) => resolve({ ms: performance.now() - t0, code, out, err }));
    });
}

/** A free block of `n` consecutive ports above the default ranges, for pinned config. */
export async function freePorts(n: number, from = 19000): Promise<number[]> {
    for (let base = from; base + n < 65536; base += n) {
        const servers = await Promise.all(Array.from({ length: n }, (_, i) => listen(base + i)));
        await Promise.all(servers.map((s) => s && new Promise((r) => s.close(r))));
        if (servers.every(Boolean)) return servers.map((_, i) => base + i);
    }
    throw new Error("no free block of ports found");
}

/** Hold what `hold` takes while `run` runs, then let go. */
export async function holding<T>(hold: Promise<Held>, run: (held: number) => Promise<T>): Promise<T> {
    const held = await hold;
    try {
        return await run(held.count);
    } finally {
        await held.release();
    }
}

/** One warm-up (the page cache, a loader's cache, Docker's first answer), then `runs` timed runs. */
export async function repeat(runs: number, once: () => Promise<number>): Promise<number[]> {
    await once(); // warm-up: the page cache, a loader's cache, Docker's first answer
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await once());
    return times;
}
