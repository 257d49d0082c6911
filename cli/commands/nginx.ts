// `nginx <tenant> --domain <name> [--domain <alias>...] [--listen PORT]`: print an nginx server
// block proxying the domain to the tenant's frontend. The port comes from the tenant's stack
// file; only when the file pins none is the Engine asked for the frontend container's port.
import type { Command, Io } from "../main";
import { Check, integer, invalid, parse, tenantArg, UsageError, withUsage } from "../args";
import { defaultContext, OpsContext } from "../ops/context";
import { domainProblem, renderNginx, upstreamFor } from "../ops/nginx";
import { connect, findStackFile, tenantContainers, unknownTenant } from "../ops/tenant";

const USAGE = "nginx <tenant> --domain <name> [--domain <alias>...] [--listen PORT]";
const domain: Check<string> = (value, what) => {
    const problem = domainProblem(value);
    if (problem) throw invalid(what, value, problem);
    return value;
};
const FLAGS = {
    domain: { kind: "value", help: "a domain name such as tenant1.example.com", parse: domain, multiple: true },
    listen: { kind: "value", help: "a port from 1 to 65535", parse: integer(1, 65535) },
} as const;

export const command: Command = { usage: USAGE, run: (argv, io) => runNginx(argv, io, defaultContext()) };

export function runNginx(argv: string[], io: Io, ctx: OpsContext): Promise<number> {
    return withUsage(USAGE, io, async () => {
        const { positionals, flags } = parse(argv, FLAGS, ["<tenant>"]);
        const tenant = tenantArg(positionals[0]);
        const domains = flags.domain;
        if (domains.length === 0) throw new UsageError("--domain <name> is required (the domain nginx serves the tenant on)");
        const listen = flags.listen ?? 80;

        const stack = await findStackFile(ctx.projectDir, tenant);
        const pinned = stack ? frontendPin(stack.config["frontbase:ports"]) : undefined;
        let port: number;
        let source: string;
        let bind = stack?.config["frontbase:bindAddress"];
        if (pinned !== undefined) {
            port = pinned;
            source = stack!.file.split(/[\\/]/).pop()!;
        } else {
            const engine = await connect(ctx, stack?.config);
            const frontend = (await tenantContainers(engine, tenant)).find((c) => c.service === "frontend" && c.ports.length > 0);
            if (!frontend) {
                if (!stack) throw await unknownTenant(ctx, tenant, engine);
                throw new Error(`no frontend port known for "${tenant}": ${stack.file} pins no frontbase:ports.frontend and no frontend container publishes one on ${engine.host}`);
            }
            port = frontend.ports[0].hostPort;
            bind = frontend.ports[0].hostIp;
            source = `container ${frontend.name}`;
        }
        if (port === listen) throw new UsageError(`--listen ${listen}: that is the tenant's own frontend port, which Docker already holds; choose another (default 80)`);
        io.out(renderNginx({ tenant, domains, frontendPort: port, upstreamHost: upstreamFor(bind), listen, source }));
        return 0;
    });
}

function frontendPin(portsJson: string | undefined): number | undefined {
    if (!portsJson) return undefined;
    try {
        const p = (JSON.parse(portsJson) as { frontend?: unknown }).frontend;
        return Number.isInteger(p) ? (p as number) : undefined;
    } catch {
        return undefined;
    }
}
