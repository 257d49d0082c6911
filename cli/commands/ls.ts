// `npm run tenant -- ls [--json]`: every tenant on the Docker host and in the project.
import { dockerClient, pingDocker, resolveDockerHost } from "../../docker/dockerHost";
import { findProjectDir } from "../../project/stackPins";
import { tenantsReport } from "../format";
import type { Command } from "../main";
import { parse, withUsage } from "../args";
import { listTenants } from "../tenantsList";

const usage = "ls [--json]";

export const command: Command = {
    usage,
    run: (argv, io) =>
        withUsage(usage, io, async () => {
            const { flags } = parse(argv, { json: { kind: "boolean" } }, []);
            const projectDir = findProjectDir();
            const dockerHost = resolveDockerHost();
            const docker = dockerClient(dockerHost);
            await pingDocker(docker, dockerHost);
            const tenants = await listTenants(projectDir, docker);
            io.out(flags.json ? JSON.stringify({ dockerHost, projectDir, tenants }) : tenantsReport(tenants, dockerHost));
            return 0;
        }),
};
