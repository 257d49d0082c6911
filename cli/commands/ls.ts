// `npm run tenant -- ls [--json]`: every tenant on the Docker host and in the project.
import { readTenantContainers } from "../../docker/containers";
import { readStackPins } from "../../project/stackPins";
import { isSwarmManager } from "../../docker/swarm";
import { readTenantTasks } from "../../docker/swarmTasks";
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
        // On a swarm manager, its tenants' services (as tasks) too.
        const [stacks, containers, tasks] = await Promise.all([
            readStackPins(projectDir, { lenient: true }),
            readTenantContainers(engine.docker),
            isSwarmManager(engine.docker).then((m) => (m ? readTenantTasks(engine.docker) : [])),
        ]);
        const tenants = tenantRows(stacks, [...tasks, ...containers.filter((c) => !tasks.some((t) => t.tenant === c.tenant) || c.job !== undefined)]);
        ctx.io.out(flags.json ? JSON.stringify({ dockerHost: engine.host, projectDir, tenants }) : tenantsReport(tenants, engine.host));
        return 0;
    },
});
