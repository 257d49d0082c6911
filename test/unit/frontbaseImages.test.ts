// The two scripts that build the Frontbase images, up to the point where Docker would build:
// scripts/build-frontbase-images.sh (upstream's Dockerfiles; fetches upstream when given no
// checkout) and images/frontbase/build.sh (`npm run images:frontbase`). No GitHub here, so
// upstream is an unreachable file:// URL or a local repository without the pinned commit; Docker
// is a stand-in on PATH that fails or passes a build, which is all these checks need.
import { spawnSync } from "child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { BASE_IMAGE } from "../images/images";
import { tempDir } from "../support/temp";

const ROOT = path.resolve(__dirname, "../..");
const COMMIT = "3d40eed3237251ef16c84d823c2b42cbafff7df6";

/** A `docker` that records nothing, answers `info`, knows only `$FAKE_IMAGE`, and fails (or passes) every build. */
function fakeDocker(dir: string, build: "fails" | "passes"): string {
    const bin = path.join(dir, "bin");
    mkdirSync(bin);
    writeFileSync(
        path.join(bin, "docker"),
        `#!/bin/sh
case "$1 $2" in
  "info "*) exit 0 ;;
  "image inspect") if [ "$3" = "--format" ]; then echo sha256:0123; exit 0; fi; [ "$3" = "$FAKE_IMAGE" ] ;;
  "build "*) echo "Step 1/7 : FROM python:3.11-slim"; ${build === "fails" ? 'echo "pip: no network" >&2; exit 1' : "exit 0"} ;;
  *) exit 0 ;;
esac
`,
    );
    chmodSync(path.join(bin, "docker"), 0o755);
    return bin;
}

function run(script: string, args: string[], env: Record<string, string>) {
    const r = spawnSync("bash", [path.join(ROOT, script), ...args], {
        env: { PATH: `${env.PATH_FIRST ?? ""}:/usr/bin:/bin`, HOME: env.HOME ?? "/nonexistent", ...env },
        encoding: "utf8",
        timeout: 60_000,
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("scripts/build-frontbase-images.sh: fetching upstream", () => {
    const cacheOf = (dir: string) => path.join(dir, "cache/frontbase-tenants");
    const fetchFrom = (dir: string, repo: string) =>
        run("scripts/build-frontbase-images.sh", [], { XDG_CACHE_HOME: path.join(dir, "cache"), FRONTBASE_REPO: repo, TMPDIR: dir });

    function expectAlternatives(err: string, repo: string): void {
        expect(err).toContain(`could not fetch Frontbase ${COMMIT} from ${repo}`);
        expect(err).toContain("bash scripts/build-frontbase-images.sh /path/to/frontbase");
        expect(err).toContain("FRONTBASE_SRC=/path/to/frontbase npm run deploy -- <tenant>");
        expect(err).toContain("FRONTBASE_SRC=/path/to/frontbase npm run images:frontbase");
        expect(err).toContain("pulumi config set --path frontbase:images.backend frontbase-real/backend:local --stack <tenant>");
    }

    it("names the alternatives when upstream cannot be reached, leaves no checkout behind, and says the same again", () => {
        const dir = tempDir("fetch");
        const repo = `file://${dir}/no-such-repo.git`;
        for (let i = 0; i < 2; i++) {
            const r = fetchFrom(dir, repo);
            expect(r.code).toBe(2);
            expectAlternatives(r.err, repo);
            expect(r.err).not.toContain("six-service layout");
            expect(readdirSync(cacheOf(dir))).toEqual([]);
        }
        expect(readdirSync(dir).filter((f) => f.startsWith("frontbase-images."))).toEqual([]); // its log directory too
    });

    it("cleans up after a repository that answers but lacks the pinned commit", () => {
        const dir = tempDir("fetch");
        const repo = path.join(dir, "upstream.git");
        const git = (...a: string[]) =>
            spawnSync("git", a, {
                cwd: dir,
                encoding: "utf8",
                env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@t", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@t" },
            });
        git("init", "-q", "--bare", repo);
        git("init", "-q", path.join(dir, "work"));
        git("-C", path.join(dir, "work"), "commit", "-q", "--allow-empty", "-m", "another commit");
        git("-C", path.join(dir, "work"), "push", "-q", repo, "HEAD:refs/heads/main");
        const r = fetchFrom(dir, `file://${repo}`);
        expect(r.code).toBe(2);
        expectAlternatives(r.err, `file://${repo}`);
        expect(readdirSync(cacheOf(dir))).toEqual([]);
    });

    it("does not take the empty repository an earlier failed fetch left in the cache for a checkout: it fetches again", () => {
        const dir = tempDir("fetch");
        const left = path.join(cacheOf(dir), `frontbase-${COMMIT.slice(0, 12)}`);
        mkdirSync(left, { recursive: true });
        spawnSync("git", ["init", "-q", left]);
        const r = fetchFrom(dir, `file://${dir}/gone.git`);
        expect(r.out).toContain(`fetching Frontbase ${COMMIT}`);
        expectAlternatives(r.err, `file://${dir}/gone.git`);
        expect(existsSync(left)).toBe(false);
    });
});

/** The least a checkout needs to pass the layout check: the three Dockerfiles, and a compose file with the six services. */
function checkout(dir: string): string {
    const src = path.join(dir, "frontbase");
    for (const f of [
        "fastapi-backend/Dockerfile",
        "services/edge/Dockerfile",
        "Dockerfile.frontend",
        "fastapi-backend/app/middleware/test_mode.py",
    ]) {
        mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
        writeFileSync(path.join(src, f), "FROM scratch\n");
    }
    const services = ["backend", "edge", "frontend", "redis", "redis-http", "postgres"].map((s) => `  ${s}:\n    image: x\n`).join("");
    writeFileSync(path.join(src, "docker-compose.yml"), `services:\n${services}`);
    return src;
}

/** Where the error says the full log is. */
const logNamed = (err: string) => /\(full log: ([^)]+)\)/.exec(err)?.[1] ?? "";

describe("the build logs: a private directory per run, never a fixed path in /tmp", () => {
    it("scripts/build-frontbase-images.sh: a failed build's log is in a new 0700 directory, which is kept and named", () => {
        const dir = tempDir("logs");
        const r = run("scripts/build-frontbase-images.sh", [checkout(dir)], { PATH_FIRST: fakeDocker(dir, "fails"), TMPDIR: dir });
        expect(r.code).toBe(2);
        const log = logNamed(r.err);
        expect(path.dirname(path.dirname(log))).toBe(dir);
        expect(path.basename(path.dirname(log))).toMatch(/^frontbase-images\.\w{6}$/);
        expect(statSync(path.dirname(log)).mode & 0o777).toBe(0o700);
        expect(readFileSync(log, "utf8")).toContain("pip: no network");
    });

    it("scripts/build-frontbase-images.sh: after a clean build, no log directory is left", () => {
        const dir = tempDir("logs");
        const r = run("scripts/build-frontbase-images.sh", [checkout(dir)], { PATH_FIRST: fakeDocker(dir, "passes"), TMPDIR: dir });
        expect(r.code).toBe(0);
        expect(r.out).toContain("images ready");
        expect(readdirSync(dir).filter((f) => f.startsWith("frontbase-images."))).toEqual([]);
    });

    it("images/frontbase/build.sh (npm run images:frontbase): likewise, without FRONTBASE_IMAGES_LOG_DIR", () => {
        const dir = tempDir("logs");
        const src = path.join(dir, "src");
        for (const f of [
            "fastapi-backend/requirements.txt",
            "fastapi-backend/docker_entrypoint.sh",
            "services/edge/package-lock.json",
            "package-lock.json",
            "nginx.conf",
        ]) {
            mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
            writeFileSync(path.join(src, f), "x\n");
        }
        const r = run("images/frontbase/build.sh", ["backend"], {
            PATH_FIRST: fakeDocker(dir, "fails"),
            TMPDIR: dir,
            FRONTBASE_SRC: src,
            FAKE_IMAGE: BASE_IMAGE,
            BUILD_CA_CERTS: "/dev/null",
        });
        expect(r.code).toBe(1);
        const log = /building backend failed \(full log: ([^)]+)\)/.exec(r.err)?.[1] ?? "";
        expect(path.dirname(path.dirname(log))).toBe(dir);
        expect(statSync(path.dirname(log)).mode & 0o777).toBe(0o700);
        expect(readFileSync(log, "utf8")).toContain("pip: no network");
    });
});
