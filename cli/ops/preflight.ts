// Before `pulumi up`: is the stack's config valid, is its tenant its own and are its pinned ports
// free (the same deploy check the program makes, ports/deployCheck.ts), does its
// Docker host answer, and are the Frontbase images there? Frontbase publishes no images, so a
// missing one would otherwise surface deep inside `pulumi up` as a failed pull from a registry
// that never had it.
import * as path from "path";
import { ConfigError, parseTenantConfig, TenantConfig } from "../../components/config";
import { dockerClient, pingDocker, resolveDockerHost } from "../../docker/dockerHost";
import { checkDeploy } from "../../ports/deployCheck";
import type { PlacedNode } from "../../components/swarm/spec";
import { meshProblem, placeOnNode, PlacementError, readManagerCluster } from "../../docker/swarm";
import { hostFiles } from "../../ports/lock";
import { readStackFile, StackFile, stackFileName } from "../../project/stackFiles";
import { checkStackSecrets } from "../../project/stackSecrets";
import { PROXY_STACK } from "../../components/proxy/routes";
import { proxyConfigProblems } from "./proxyChecks";
import { imageIdOf, missingFrontbaseImages } from "../../docker/frontbaseImages";

export interface Preflight {
    readonly dockerHost?: string;
    readonly config?: TenantConfig;
    /** Each one stops a deploy. */
    readonly problems: string[];
    /** Frontbase images (built per host) that the Docker host lacks; each is also in `problems`. */
    readonly missingImages?: string[];
    readonly notes: string[];
    /** False for a swarm tenant: its node's images cannot be seen through the manager. */
    readonly imagesChecked?: boolean;
}

/** What of the host preflight reads, as tenants/context.ts names it; default: the process's. */
export interface PreflightHost {
    readonly dockerHost?: string;
    readonly env?: NodeJS.ProcessEnv;
    readonly procRoot?: string;
    readonly lockDir?: string;
}

export async function preflight(projectDir: string, stack: string, host: PreflightHost = {}): Promise<Preflight> {
    const file = path.join(projectDir, stackFileName(stack));
    let stackFile;
    try {
        stackFile = await readStackFile(file);
    } catch (e) {
        const missing = (e as NodeJS.ErrnoException).code === "ENOENT";
        return {
            problems: [
                !missing
                    ? (e as Error).message
                    : stack === PROXY_STACK
                      ? `no ${stackFileName(stack)} in ${projectDir}: the proxy's stack file is written by hand, not by tenant new; at least frontbase:acmeEmail (or frontbase:tls: internal), see docs/proxy.md`
                      : `no ${stackFileName(stack)} in ${projectDir}; create it with: npm run tenant -- new ${stack}`,
            ],
            notes: [],
        };
    }
    // What the program will decrypt, decrypted now: a wrong passphrase or a damaged value is named here, not inside pulumi up.
    const secrets = await checkStackSecrets(file, host.env ?? process.env);
    if (secrets.problems.length > 0) return { problems: secrets.problems, notes: secrets.notes };
    const withNotes = (r: Preflight): Preflight => ({ ...r, notes: [...secrets.notes, ...r.notes] });
    if (stack === PROXY_STACK) return withNotes(await preflightProxy(projectDir, stackFile.config, host));
    return withNotes(await preflightTenant(projectDir, stack, stackFile, host));
}

async function preflightTenant(projectDir: string, stack: string, stackFile: StackFile, host: PreflightHost): Promise<Preflight> {
    let config: TenantConfig;
    try {
        config = parseTenantConfig(stackFile.config, { stack, secretKeys: stackFile.secureKeys, secure: stackFile.secure });
    } catch (e) {
        if (e instanceof ConfigError) return { problems: e.problems.map((p) => `${stackFileName(stack)}: ${p}`), notes: [] };
        throw e;
    }
    const dockerHost = resolveDockerHost(host.dockerHost, stackFile.config, host.env);
    const docker = dockerClient(dockerHost, host.env);
    const ledgerFile = host.lockDir === undefined ? undefined : hostFiles(dockerHost, host.lockDir).ledger;
    let node: PlacedNode | undefined;
    try {
        // A swarm tenant: its node first (the program's own check), then that node's ports.
        const mesh = meshProblem(config, dockerHost, host.procRoot);
        if (mesh) return { dockerHost, config, problems: [`${stackFileName(stack)}: ${mesh}`], notes: [] };
        if (config.target === "swarm") node = placeOnNode(await readManagerCluster(docker, dockerHost), config);
        const conflicts = await checkDeploy({
            stack,
            tenant: config.tenant,
            pinned: config.ports,
            projectDir,
            dockerHost,
            docker,
            reservedPorts: config.reservedPorts,
            procRoot: host.procRoot,
            ledgerFile,
            node,
        });
        if (conflicts.length > 0) return { dockerHost, config, problems: conflicts.map((p) => `${stackFileName(stack)}: ${p}`), notes: [] };
        await pingDocker(docker, dockerHost);
    } catch (e) {
        return {
            dockerHost,
            config,
            problems: [`${e instanceof PlacementError ? `${stackFileName(stack)}: ` : ""}${(e as Error).message}`],
            notes: [],
        };
    }
    if (node) {
        // The manager's API lists no node's images; each task pulls (or finds) its own on the node.
        const notes = [
            `swarm tenant on node ${node.hostname}: its images must be on that node, or in a registry it can pull from (the manager cannot list a node's images)`,
        ];
        return { dockerHost: `node ${node.hostname} of the swarm at ${dockerHost}`, config, problems: [], notes, imagesChecked: false };
    }
    const notes: string[] = [];
    if (stackFile.secureKeys.has("frontbase:images")) {
        // Secret as a whole (a secure value inside it): what it names is the program's to read, not ours.
        notes.push("frontbase:images is secret (a secure value inside it), so its images are not checked here; pulumi up reads them");
        return { dockerHost, config, problems: [], notes, imagesChecked: false };
    }
    // Frontbase's own images are built per host; the others are upstream images pulled on deploy.
    const missing = await missingFrontbaseImages(docker, config, dockerHost);
    const upstream = config.database === "postgres" ? (["redis", "redisHttp", "postgres"] as const) : (["redis", "redisHttp"] as const);
    for (const key of upstream) {
        const image = config.images[key];
        if ((await imageIdOf(docker, image)) === undefined)
            notes.push(`image ${image} (frontbase:images.${key}) is not on the Docker host yet; pulumi up will pull it`);
    }
    return { dockerHost, config, problems: missing.map((m) => m.problem), notes, missingImages: missing.map((m) => m.image) };
}

/** The proxy: its config and the routes the tenants' stack files give, then the Docker host. */
async function preflightProxy(projectDir: string, raw: Readonly<Record<string, string>>, host: PreflightHost): Promise<Preflight> {
    const problems = (await proxyConfigProblems(projectDir, raw)).map((p) => `${stackFileName(PROXY_STACK)}: ${p}`);
    if (problems.length > 0) return { problems, notes: [] };
    const dockerHost = resolveDockerHost(host.dockerHost, raw, host.env);
    try {
        await pingDocker(dockerClient(dockerHost, host.env), dockerHost);
    } catch (e) {
        return { dockerHost, problems: [(e as Error).message], notes: [] };
    }
    return { dockerHost, problems: [], notes: [] };
}
