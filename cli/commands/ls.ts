// `npm run tenant -- ls [--json]`: every tenant on the Docker host and in the project.
import { readTenantContainers } from "../../docker/containers";
import { readStackPins } from "../../project/stackPins";
import { defineCommand } from "../command";
import { connect, requireProject } from "../context";
import { tenantRows, tenantsReport } from "../ops/tenantsList";

export const command = defineCommand({
    name: "ls",
    summary: "every tenant in the project's stack files and on the Docker host, with ports, health and URLs",
    args: [],
    flags: { json: { kind: "boolean", about: "print one JSON object (dockerHost, projectDir, tenants)" } },
    async run({ flags }, ctx) {
        const projectDir = requireProject(ctx);
        const engine = await connect(ctx);
        const [stacks, containers] = await Promise.all([readStackPins(projectDir, { lenient: true }), readTenantContainers(engine.docker)]);
        const tenants = tenantRows(stacks, containers);
        ctx.io.out(flags.json ? JSON.stringify({ dockerHost: engine.host, projectDir, tenants }) : tenantsReport(tenants, engine.host));
        return 0;
    },
});
