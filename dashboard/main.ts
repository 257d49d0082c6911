// `npm run dashboard [-- --port N] [--listen ADDR] [--tls-cert F --tls-key F | --behind-proxy]`:
// the API and the page on one port, 127.0.0.1:8700 by default. Another address is refused
// unless the traffic is encrypted: TLS here, or a reverse proxy in front that terminates it.
import { promises as fs, readFileSync } from "fs";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import { createContext } from "../cli/context";
import { ensureLockDir } from "../ports/lock";
import { newToken } from "./auth";
import { createDashboard } from "./server";

export const DEFAULT_PORT = 8700;
export const TOKEN_ENV = "FRONTBASE_DASHBOARD_TOKEN";

export interface DashboardArgs {
    readonly port: number;
    readonly listen: string;
    readonly tlsCert?: string;
    readonly tlsKey?: string;
    readonly behindProxy: boolean;
}

const USAGE = "usage: npm run dashboard [-- --port N] [--listen ADDR] [--tls-cert FILE --tls-key FILE | --behind-proxy]";

/** The command line, checked before anything listens; errors name the flag and what it takes. */
export function parseDashboardArgs(argv: readonly string[]): DashboardArgs {
    let port = DEFAULT_PORT;
    let listen = "127.0.0.1";
    let tlsCert: string | undefined;
    let tlsKey: string | undefined;
    let behindProxy = false;
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = () => {
            const v = argv[++i];
            if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
            return v;
        };
        if (flag === "--port") {
            const v = value();
            port = Number(v);
            if (!/^\d+$/.test(v) || port < 1 || port > 65535) throw new Error(`--port: "${v}" must be a port number, 1 to 65535`);
        } else if (flag === "--listen") {
            listen = value();
            if (net.isIP(listen) === 0) throw new Error(`--listen: "${listen}" must be an IP address (127.0.0.1, 0.0.0.0, ::1, ...)`);
        } else if (flag === "--tls-cert") tlsCert = value();
        else if (flag === "--tls-key") tlsKey = value();
        else if (flag === "--behind-proxy") behindProxy = true;
        else throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
    if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new Error("--tls-cert and --tls-key go together");
    const loopback = listen === "::1" || listen.startsWith("127.");
    if (!loopback && tlsCert === undefined && !behindProxy) {
        throw new Error(`refusing to listen on ${listen} without TLS: the token and the session would cross the network in clear. Give --tls-cert and --tls-key, or put a reverse proxy that terminates TLS in front and pass --behind-proxy`);
    }
    return { port, listen, tlsCert, tlsKey, behindProxy };
}

/** The operator's token: FRONTBASE_DASHBOARD_TOKEN, else a file made once with mode 0600 (its path is printed, never the token). */
export async function dashboardToken(env: NodeJS.ProcessEnv, dir: string): Promise<{ token: string; from: string }> {
    if (env[TOKEN_ENV]) return { token: env[TOKEN_ENV]!, from: TOKEN_ENV };
    const file = path.join(dir, "dashboard-token");
    try {
        const st = await fs.lstat(file);
        if (!st.isFile() || (st.mode & 0o077) !== 0) throw new Error(`${file} must be a regular file only its owner can read (chmod 600 ${file}), or set ${TOKEN_ENV}`);
        return { token: (await fs.readFile(file, "utf8")).trim(), from: file };
    } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
    await fs.writeFile(file, `${newToken()}\n`, { mode: 0o600, flag: "wx" });
    return { token: (await fs.readFile(file, "utf8")).trim(), from: `${file} (new)` };
}

async function main(): Promise<void> {
    const args = parseDashboardArgs(process.argv.slice(2));
    const ctx = createContext();
    await ensureLockDir(ctx.lockDir);
    const { from, token } = await dashboardToken(ctx.env, ctx.lockDir);
    const secure = args.tlsCert !== undefined || args.behindProxy;
    const plain = createDashboard(ctx, { token, secure });
    const server = args.tlsCert ? https.createServer({ cert: readFileSync(args.tlsCert), key: readFileSync(args.tlsKey!) }, (req, res) => plain.emit("request", req, res)) : plain;
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(args.port, args.listen, resolve));
    const host = args.listen.includes(":") ? `[${args.listen}]` : args.listen;
    console.error(`dashboard on ${args.tlsCert ? "https" : "http"}://${host}:${args.port}/ (project ${ctx.projectDir}); token: ${from}`);
}

if (require.main === module) {
    main().catch((e) => {
        console.error(`dashboard: ${(e as Error).message}`);
        process.exit(1);
    });
}
