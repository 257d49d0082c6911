// The few Engine API moves backups make: run a command in a tenant's container, run a
// short-lived helper container over the tenant's volumes, and move files between this machine
// and a container as tar streams (the Engine API's archive endpoints, so a remote Docker host
// works as a local one does).
import { spawn } from "child_process";
import type Docker from "dockerode";
import { PassThrough, Writable } from "stream";
import { readFileSync } from "fs";
import * as path from "path";
import { Demuxer } from "../tenants/logStream";
import { POSTGRES_DB, POSTGRES_USER } from "../components/services";

/** The helper's script (backup/helper.py), passed to `python3 -c`. */
export const HELPER_SCRIPT = readFileSync(path.join(__dirname, "helper.py"), "utf8");
export const HELPER_LABEL = "frontbase.backup-helper";

export interface ExecResult {
    readonly code: number;
    readonly stderr: string;
}

/** `cmd` in a running container; stdout goes to `stdout` (a file, say), stderr is kept for the error. */
export async function execIn(
    docker: Docker,
    container: string,
    cmd: readonly string[],
    stdout: Writable,
    user?: string,
): Promise<ExecResult> {
    const exec = await docker.getContainer(container).exec({ Cmd: [...cmd], AttachStdout: true, AttachStderr: true, User: user });
    const stream = await exec.start({ hijack: true, stdin: false });
    let stderr = "";
    const err = new PassThrough();
    err.on("data", (d: Buffer) => void (stderr += String(d)));
    await new Promise<void>((resolve, reject) => {
        docker.modem.demuxStream(stream, stdout, err);
        stream.on("end", resolve);
        stream.on("error", reject);
    });
    const info = await exec.inspect();
    return { code: info.ExitCode ?? -1, stderr };
}

/** The same, collecting stdout as text; a non-zero exit is an error naming `what`. */
export async function execText(docker: Docker, container: string, cmd: readonly string[], what: string, user?: string): Promise<string> {
    let out = "";
    const sink = new Writable({ write: (chunk, _enc, done) => ((out += String(chunk)), done()) });
    const r = await execIn(docker, container, cmd, sink, user);
    if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim() || out.trim()}`);
    return out;
}

export interface HelperRun {
    readonly image: string;
    /** Volume name -> mount path. */
    readonly mounts: Readonly<Record<string, string>>;
    readonly args: readonly string[];
    /** A directory on this machine to put into the container, as `/<as>`, before it starts. */
    readonly stage?: { readonly dir: string; readonly as: string };
    /** After it exits 0: a path in the container to bring back into a directory here. */
    readonly fetch?: { readonly from: string; readonly dir: string };
}

/** Runs the helper script to completion in a fresh container, removed afterwards; resolves to its stdout. */
export async function runHelper(docker: Docker, tenant: string, run: HelperRun): Promise<string> {
    const container = await docker.createContainer({
        Image: run.image,
        Entrypoint: ["python3", "-c", HELPER_SCRIPT],
        Cmd: [...run.args],
        User: "0:0",
        WorkingDir: "/",
        Labels: { [HELPER_LABEL]: tenant },
        NetworkDisabled: true,
        HostConfig: { Binds: Object.entries(run.mounts).map(([volume, at]) => `${volume}:${at}`), AutoRemove: false },
    });
    try {
        if (run.stage) await container.putArchive(tarOf(run.stage.dir, run.stage.as), { path: "/" });
        await container.start();
        const { StatusCode } = (await container.wait()) as { StatusCode: number };
        const [stdout, stderr] = demux(await container.logs({ stdout: true, stderr: true, follow: false }));
        if (StatusCode !== 0)
            throw new Error(
                `the backup helper (${run.args[0]}) exited with ${StatusCode}: ${(stderr || stdout).trim().split("\n").slice(-5).join("; ")}`,
            );
        if (run.fetch) await untar(await container.getArchive({ path: run.fetch.from }), run.fetch.dir);
        return stdout;
    } finally {
        await container.remove({ force: true, v: false }).catch(() => undefined);
    }
}

/** A non-TTY container's log buffer -> [stdout, stderr], through the logs command's own Demuxer. */
export function demux(buf: Buffer): [string, string] {
    const d = new Demuxer();
    const frames = d.push(buf);
    if (d.problem) throw new Error(d.problem);
    const of = (stream: string) => Buffer.concat(frames.filter((f) => f.stream === stream).map((f) => f.data)).toString();
    return [of("stdout"), of("stderr")];
}

/** A tar stream of one file of a directory, as `rel`'s base name, owned by root. */
export function tarOfFile(dir: string, rel: string): NodeJS.ReadableStream {
    return spawn("tar", ["-c", "--numeric-owner", "--owner=0", "--group=0", "-C", path.join(dir, path.dirname(rel)), path.basename(rel)], {
        stdio: ["ignore", "pipe", "inherit"],
    }).stdout;
}

/** A tar stream of a directory's contents under the top directory `top` (GNU tar on this machine). */
export function tarOf(dir: string, top: string): NodeJS.ReadableStream {
    // S: never rewrite a symbolic link's target (GNU tar applies a transform to those by default),
    // so a link to ../x stays ../x; member names and hard links' targets are renamed.
    const rename = `s,^\\.,${top},S`;
    return spawn("tar", ["-c", "--numeric-owner", "--owner=0", "--group=0", `--transform=${rename}`, "-C", dir, "."], {
        stdio: ["ignore", "pipe", "inherit"],
    }).stdout;
}

/** Extracts a tar stream into `dir`, dropping its top directory (the archive of `/out` holds `out/...`). */
export function untar(stream: NodeJS.ReadableStream, dir: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const child = spawn("tar", ["-x", "--no-same-owner", "--strip-components=1", "-C", dir], { stdio: ["pipe", "ignore", "pipe"] });
        let err = "";
        child.stderr.on("data", (d: Buffer) => void (err += String(d)));
        child.on("error", reject);
        child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`tar -x into ${dir} failed: ${err.trim()}`))));
        stream.pipe(child.stdin);
    });
}

/**
 * Waits until the postgres server in `container` accepts connections, over TCP on the container's
 * loopback (an image's initialisation server listens on a socket only). Fails when the container
 * exits (quoting its last log lines) or after 120 s. `what` names it in errors.
 */
export async function waitPostgresReady(
    docker: Docker,
    container: string,
    what: string,
    o: { readonly now: () => number; readonly sleep: (ms: number) => Promise<void> },
): Promise<void> {
    const deadline = o.now() + 120_000;
    const c = docker.getContainer(container);
    for (;;) {
        const ready = await execText(
            docker,
            container,
            ["pg_isready", "-h", "127.0.0.1", "-U", POSTGRES_USER, "-d", POSTGRES_DB],
            "pg_isready",
        ).then(
            () => true,
            () => false,
        );
        if (ready) return;
        const state = (await c.inspect()).State;
        if (!state.Running)
            throw new Error(
                `${what} exited (${state.ExitCode}): ${demux(await c.logs({ stdout: true, stderr: true }))
                    .join("")
                    .trim()
                    .split("\n")
                    .slice(-3)
                    .join("; ")}`,
            );
        if (o.now() > deadline) throw new Error(`${what} did not accept connections within 120 s`);
        await o.sleep(500);
    }
}
