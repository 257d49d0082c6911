// `npm run dashboard [-- --port N] [--listen ADDR] [--tls-cert FILE --tls-key FILE | --behind-proxy]`:
// the API and the page on one port, 127.0.0.1:8700 by default. Another address is refused
// unless the traffic is encrypted: TLS here, or a reverse proxy in front that terminates it.
// The command line has the commands' shape (cli/command.ts): --help, usage errors exit 2 naming
// the flag, before anything listens. SIGTERM and SIGINT stop it: the server stops listening,
// open streams end, and it exits 0.
import { readFileSync } from "fs";
import * as net from "net";
import { Check, integer, invalid, UsageError } from "./args";
import { defineCommand, invoke, parseCall } from "./command";
import { Context, createContext } from "../tenants/context";
import { ensureLockDir } from "../ports/lock";
import { dashboardToken } from "../dashboard/token";
import { serveDashboard } from "../dashboard/serve";

export const DEFAULT_PORT = 8700;

export interface DashboardArgs {
    readonly port: number;
    readonly listen: string;
    readonly tlsCert?: string;
    readonly tlsKey?: string;
    readonly behindProxy: boolean;
}

const ipAddress: Check<string> = (v, what) => {
    if (net.isIP(v) === 0) throw invalid(what, v, "must be an IP address (127.0.0.1, 0.0.0.0, ::1, ...)");
    return v;
};

/** A PEM file, read now: a missing or unreadable one is a usage error naming its flag, not a bare ENOENT later. */
const pemFile: Check<string> = (v, what) => {
    let text: string;
    try {
        text = readFileSync(v, "utf8");
    } catch (e) {
        throw invalid(what, v, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    if (!text.includes("-----BEGIN ")) throw invalid(what, v, "is not a PEM file (no -----BEGIN line)");
    return v;
};

const FLAGS = {
    port: {
        kind: "value",
        arg: "N",
        help: "a port number, 1 to 65535",
        about: `the port, default ${DEFAULT_PORT}`,
        parse: integer(1, 65535),
    },
    listen: { kind: "value", arg: "ADDR", help: "an IP address", about: "the address, default 127.0.0.1", parse: ipAddress },
    "tls-cert": { kind: "value", arg: "FILE", help: "a PEM certificate file", about: "serve HTTPS with this certificate", parse: pemFile },
    "tls-key": { kind: "value", arg: "FILE", help: "a PEM key file", about: "and this key", parse: pemFile },
    "behind-proxy": { kind: "boolean", about: "a reverse proxy in front terminates TLS" },
} as const;

/** Its command line in the one shape commands declare it (cli/command.ts); the docs' `npm run dashboard` lines are parsed against it. */
export const command = defineCommand({
    name: "dashboard",
    invokedAs: "npm run dashboard --",
    summary: "the dashboard's page and API on one port, 127.0.0.1:8700 by default",
    args: [],
    flags: FLAGS,
    notes: [
        "The token: FRONTBASE_DASHBOARD_TOKEN, else <lock dir>/dashboard-token (made once, mode 0600); at least 32 characters.",
        "SIGTERM or SIGINT stops it (exit 0). Exit 2: usage error; 1: it could not start (the port is taken, a weak token, ...).",
    ].join("\n"),
    async run({ flags }, ctx) {
        const stop = await serve(checked(flags), ctx);
        // Until a signal: the server keeps the process alive.
        for (const signal of ["SIGTERM", "SIGINT"] as const) process.once(signal, () => void stop(signal));
        return 0;
    },
});

/** The command line, checked before anything listens; errors name the flag and what it takes. */
export function parseDashboardArgs(argv: readonly string[]): DashboardArgs {
    return checked(parseCall(command, argv).flags as Parameters<typeof command.run>[0]["flags"]);
}

function checked(flags: {
    port?: unknown;
    listen?: unknown;
    "tls-cert"?: unknown;
    "tls-key"?: unknown;
    "behind-proxy"?: unknown;
}): DashboardArgs {
    const port = (flags.port as number | undefined) ?? DEFAULT_PORT;
    const listen = (flags.listen as string | undefined) ?? "127.0.0.1";
    const tlsCert = flags["tls-cert"] as string | undefined;
    const tlsKey = flags["tls-key"] as string | undefined;
    const behindProxy = flags["behind-proxy"] === true;
    if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError("--tls-cert and --tls-key go together");
    const loopback = listen === "::1" || listen.startsWith("127.");
    if (!loopback && tlsCert === undefined && !behindProxy) {
        throw new UsageError(
            `refusing to listen on ${listen} without TLS: the token and the session would cross the network in clear. Give --tls-cert and --tls-key, or put a reverse proxy that terminates TLS in front and pass --behind-proxy`,
        );
    }
    return { port, listen, tlsCert, tlsKey, behindProxy };
}

/** Listening; resolves to what stops it. */
async function serve(args: DashboardArgs, ctx: Context): Promise<(signal: string) => Promise<void>> {
    await ensureLockDir(ctx.lockDir);
    const { from, token } = await dashboardToken(ctx.env, ctx.lockDir);
    const { url, close } = await serveDashboard(ctx, { token, ...args });
    ctx.io.err(`dashboard on ${url} (project ${ctx.projectDir}); token: ${from}`);
    return async (signal) => {
        ctx.io.err(`dashboard: ${signal}, stopping`);
        await close();
        process.exit(0);
    };
}

if (require.main === module) {
    invoke(command, process.argv.slice(2), createContext()).then(
        (code) => void (code !== 0 && process.exit(code)),
        (e: Error) => {
            console.error(`dashboard: ${e.message}`);
            process.exit(1);
        },
    );
}
