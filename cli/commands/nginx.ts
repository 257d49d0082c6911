// `nginx <tenant> --domain <name>... [--listen PORT]`: print an nginx server block proxying the
// domain to the tenant's frontend. The port comes from the tenant's stack file; only when the
// file pins none is the Engine asked for the frontend container's port.
import * as path from "path";
import { findStackFile } from "../../project/project";
import { pinsOf } from "../../project/stackPins";
import { Check, integer, invalid, TENANT_ARG, UsageError } from "../args";
import { defineCommand } from "../command";
import { legacyRunner } from "../ops/context";
import { domainProblem, renderNginx, upstreamFor } from "../ops/nginx";
import { openTenant, unknownTenant } from "../../tenants/open";

const domain: Check<string> = (value, what) => {
    const problem = domainProblem(value);
    if (problem) throw invalid(what, value, problem);
    return value;
};

export const command = defineCommand({
    name: "nginx",
    summary: "print an nginx server block proxying a domain to the tenant's frontend",
    readOnly: true,
    args: [TENANT_ARG],
    flags: {
        domain: {
            kind: "value",
            arg: "<name>",
            help: "a domain name such as tenant1.example.com",
            about: "a domain nginx serves the tenant on; again for each alias",
            parse: domain,
            multiple: true,
            required: "the domain nginx serves the tenant on",
        },
        listen: {
            kind: "value",
            arg: "PORT",
            help: "a port from 1 to 65535",
            about: "the port nginx listens on, default 80",
            parse: integer(1, 65535),
        },
    },
    async run({ args, flags }, ctx) {
        const { tenant } = args;
        const domains = flags.domain;
        const listen = flags.listen ?? 80;

        const stack = await findStackFile(ctx.projectDir, tenant);
        const pinned = stack ? pinsOf(stack).ports.frontend : undefined;
        let port: number;
        let source: string;
        let bind = stack?.config["frontbase:bindAddress"];
        if (pinned !== undefined) {
            port = pinned;
            source = path.basename(stack!.file);
        } else {
            const t = await openTenant(ctx, tenant);
            const frontend = t.containers.find((c) => c.service === "frontend" && c.ports.length > 0);
            if (!frontend) {
                if (!stack) throw await unknownTenant(ctx, tenant, t.engine);
                throw new Error(
                    `no frontend port known for "${tenant}": ${stack.file} pins no frontbase:ports.frontend and no frontend container publishes one on ${t.engine.host}`,
                );
            }
            port = frontend.ports[0].hostPort;
            bind = frontend.ports[0].hostIp;
            source = `container ${frontend.name}`;
        }
        if (port === listen)
            throw new UsageError(
                `--listen ${listen}: that is the tenant's own frontend port, which Docker already holds; choose another (default 80)`,
            );
        // A swarm tenant publishes on its node, on every interface there: nginx dials the node.
        const nodeAddress = stack?.config["frontbase:target"] === "swarm" ? stack.config["frontbase:publicHost"] : undefined;
        ctx.io.out(renderNginx({ tenant, domains, frontendPort: port, upstreamHost: nodeAddress ?? upstreamFor(bind), listen, source }));
        return 0;
    },
});

export const runNginx = legacyRunner(command);
