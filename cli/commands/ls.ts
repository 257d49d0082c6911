// `npm run tenant -- ls [--json]`: every tenant on the Docker host and in the project.
import { readStackPins } from "../../project/stackPins";
import { defineCommand } from "../command";
import { connect, requireProject } from "../../tenants/context";
import { tenantsReport } from "../ops/tenantsList";
import { tenantRows } from "../../tenants/rows";
import { readHostWorkloads } from "../../tenants/open";

export const command = defineCommand({
    name: "ls",
    summary: "every tenant in the project's stack files and on the Docker host, with ports, health and URLs",
    readOnly: true,
    args: [],
    flags: { json: { kind: "boolean", about: "print one JSON object (dockerHost, projectDir, tenants)" } },
    async run({ flags }, ctx) {
        const projectDir = requireProject(ctx);
        const engine = await connect(ctx);
        // On a swarm manager, its tenants' services (as tasks) too.
        const [stacks, workloads] = await Promise.all([readStackPins(projectDir, { lenient: true }), readHostWorkloads(engine.docker)]);
        const tenants = tenantRows(stacks, workloads);
        ctx.io.out(flags.json ? JSON.stringify({ dockerHost: engine.host, projectDir, tenants }) : tenantsReport(tenants, engine.host));
        return 0;
    },
});
