// Rendered configuration files checked by the programs that will read them: Debian's nginx
// (`nginx -t` on a server block, included from a minimal main file as sites-enabled is) and
// Debian's caddy (`caddy adapt`: Caddy's own reading of a Caddyfile, as JSON; `caddy validate`:
// that, plus provisioning every module). Both run in a temporary directory of the test's, with
// their HOME and data there. `.ci/run` installs both; elsewhere their tests are skipped, saying so.
import { spawnSync } from "child_process";
import { existsSync, writeFileSync } from "fs";
import * as path from "path";
import { cannotRun } from "./skip";
import { tempDir } from "./temp";

/** A program on PATH, or in the sbin directories a non-root PATH may lack (Debian's nginx is /usr/sbin/nginx). */
export function toolPath(name: string): string | undefined {
    const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"].filter(Boolean);
    return dirs.map((d) => path.join(d, name)).find((p) => existsSync(p));
}

const NGINX = toolPath("nginx");
const CADDY = toolPath("caddy");
export const NO_NGINX = cannotRun("nginx -t of rendered server blocks", NGINX ? undefined : "needs nginx (apt-get install nginx)");
export const NO_CADDY = cannotRun("Caddy's reading of rendered Caddyfiles", CADDY ? undefined : "needs caddy (apt-get install caddy)");

export interface ToolResult {
    readonly ok: boolean;
    /** What the program printed (its complaint when not ok). */
    readonly output: string;
}

/** `nginx -t` on a configuration whose http block includes `serverBlock`, as /etc/nginx/sites-enabled/* is. */
export function nginxTest(serverBlock: string): ToolResult {
    const dir = tempDir("nginx");
    writeFileSync(path.join(dir, "site.conf"), serverBlock);
    const temps = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"].map((t) => `    ${t}_temp_path ${dir}/${t};`).join("\n");
    writeFileSync(
        path.join(dir, "nginx.conf"),
        `pid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n    access_log off;\n${temps}\n    include ${dir}/site.conf;\n}\n`,
    );
    const r = spawnSync(NGINX!, ["-t", "-q", "-c", path.join(dir, "nginx.conf"), "-p", `${dir}/`], { encoding: "utf8" });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

function caddy(args: (file: string) => string[], caddyfile: string): ToolResult & { stdout: string } {
    const dir = tempDir("caddy");
    const file = path.join(dir, "Caddyfile");
    writeFileSync(file, caddyfile);
    const env = {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        XDG_DATA_HOME: path.join(dir, "data"),
        XDG_CONFIG_HOME: path.join(dir, "config"),
    };
    const r = spawnSync(CADDY!, args(file), { encoding: "utf8", env, timeout: 60_000 });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim(), stdout: r.stdout };
}

/** Caddy's own reading of a Caddyfile: its JSON config; throws with Caddy's message when it does not parse. */
export function caddyAdapt(caddyfile: string): CaddyJson {
    const r = caddy((file) => ["adapt", "--config", file, "--adapter", "caddyfile"], caddyfile);
    if (!r.ok) throw new Error(`caddy adapt refused the Caddyfile: ${r.output}`);
    return JSON.parse(r.stdout) as CaddyJson;
}

/** `caddy validate`: adapts, then provisions every module (TLS issuers, handlers) without serving. */
export function caddyValidate(caddyfile: string): ToolResult {
    const { ok, output } = caddy((file) => ["validate", "--config", file, "--adapter", "caddyfile"], caddyfile);
    return { ok, output };
}

/** The parts of Caddy's JSON config the tests read. */
export interface CaddyJson {
    admin?: { listen?: string };
    apps: {
        http: { servers: Record<string, { listen: string[]; routes: CaddyRoute[] }> };
        tls?: { automation?: { policies: { subjects?: string[]; issuers?: Record<string, unknown>[] }[] } };
    };
}
export interface CaddyRoute {
    match?: { host?: string[] }[];
    handle: { handler: string; routes?: CaddyRoute[]; upstreams?: { dial: string }[]; response?: { set?: Record<string, string[]> } }[];
}
