// `npm run dashboard [-- --port N] [--listen ADDR] [--tls-cert F --tls-key F | --behind-proxy]`:
// the API and the page on one port, 127.0.0.1:8700 by default. Another address is refused
// unless the traffic is encrypted: TLS here, or a reverse proxy in front that terminates it.
import { readFileSync } from "fs";
import * as https from "https";
import * as net from "net";
import { parse, UsageError } from "./args";
import { defineCommand } from "./command";
import { Context, createContext } from "../tenants/context";
import { ensureLockDir } from "../ports/lock";
import { dashboardToken } from "../dashboard/token";
import { createDashboard } from "../dashboard/server";

export const DEFAULT_PORT = 8700;

export interface DashboardArgs {
    readonly port: number;
    readonly listen: string;
    readonly tlsCert?: string;
    readonly tlsKey?: string;
    readonly behindProxy: boolean;
}

const USAGE = "usage: npm run dashboard [-- --port N] [--listen ADDR] [--tls-cert FILE --tls-key FILE | --behind-proxy]";

/** The flags, in the one shape every command declares them (cli/args.ts). */
const FLAGS = {
    port: {
        kind: "value",
        arg: "N",
        help: "a port number, 1 to 65535",
        about: `the port, default ${DEFAULT_PORT}`,
        parse: (v: string) => {
            if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 65535)
                throw new UsageError(`--port: "${v}" must be a port number, 1 to 65535`);
            return Number(v);
        },
    },
    listen: {
        kind: "value",
        arg: "ADDR",
        help: "an IP address",
        about: "the address, default 127.0.0.1",
        parse: (v: string) => {
            if (net.isIP(v) === 0) throw new UsageError(`--listen: "${v}" must be an IP address (127.0.0.1, 0.0.0.0, ::1, ...)`);
            return v;
        },
    },
    "tls-cert": { kind: "value", arg: "FILE", help: "a PEM certificate file", about: "serve HTTPS with this certificate" },
    "tls-key": { kind: "value", arg: "FILE", help: "a PEM key file", about: "and this key" },
    "behind-proxy": { kind: "boolean", about: "a reverse proxy in front terminates TLS" },
} as const;

/** The command line, checked before anything listens; errors name the flag and what it takes. */
export function parseDashboardArgs(argv: readonly string[]): DashboardArgs {
    return checked(parseFlags(argv));
}

function parseFlags(argv: readonly string[]) {
    try {
        return parse(argv, FLAGS, []).flags;
    } catch (e) {
        throw new Error(`${(e as Error).message}\n${USAGE}`, { cause: e });
    }
}

function checked(parsed: ReturnType<typeof parseFlags>): DashboardArgs {
    const { port = DEFAULT_PORT, listen = "127.0.0.1", "tls-cert": tlsCert, "tls-key": tlsKey, "behind-proxy": behindProxy } = parsed;
    if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new Error("--tls-cert and --tls-key go together");
    const loopback = listen === "::1" || listen.startsWith("127.");
    if (!loopback && tlsCert === undefined && !behindProxy) {
        throw new Error(
            `refusing to listen on ${listen} without TLS: the token and the session would cross the network in clear. Give --tls-cert and --tls-key, or put a reverse proxy that terminates TLS in front and pass --behind-proxy`,
        );
    }
    return { port, listen, tlsCert, tlsKey, behindProxy };
}

/** Its command line in the one shape commands declare it (cli/command.ts); the docs' `npm run dashboard` lines are parsed against it. */
export const command = defineCommand({
    name: "dashboard",
    summary: "the dashboard's page and API on one port, 127.0.0.1:8700 by default",
    args: [],
    flags: FLAGS,
    async run({ flags }, ctx) {
        await serve(checked(flags), ctx);
        return 0;
    },
});

async function serve(args: DashboardArgs, ctx: Context): Promise<void> {
    await ensureLockDir(ctx.lockDir);
    const { from, token } = await dashboardToken(ctx.env, ctx.lockDir);
    const secure = args.tlsCert !== undefined || args.behindProxy;
    const plain = createDashboard(ctx, { token, secure });
    const server = args.tlsCert
        ? https.createServer({ cert: readFileSync(args.tlsCert), key: readFileSync(args.tlsKey!) }, (req, res) =>
              plain.emit("request", req, res),
          )
        : plain;
    await new Promise<void>((resolve, reject) => server.once("error", reject).listen(args.port, args.listen, resolve));
    const host = args.listen.includes(":") ? `[${args.listen}]` : args.listen;
    console.error(`dashboard on ${args.tlsCert ? "https" : "http"}://${host}:${args.port}/ (project ${ctx.projectDir}); token: ${from}`);
}

async function main(): Promise<void> {
    const flags = parseFlags(process.argv.slice(2)) as Parameters<typeof command.run>[0]["flags"];
    await command.run({ args: {}, flags }, createContext());
}

if (require.main === module) {
    main().catch((e) => {
        console.error(`dashboard: ${(e as Error).message}`);
        process.exit(1);
    });
}
