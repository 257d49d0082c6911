// One complete, isolated Frontbase tenant: network, volumes, credentials and containers.
import { createHash } from "crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ImageKey, TenantConfig } from "./config";
import * as naming from "./naming";
import { PortKey, ServiceName, TENANT_STACK_TYPE } from "./naming";
import { labelList } from "./labels";
import { Credentials, envList, JobName, JobSpec, publicUrl, REDIS_TOKEN_JOB, ServiceSpec, siteUrl, tenantServices } from "./services";
import { createOverlayNetwork, createService, PlacedNode } from "./swarm/resources";

export { labelList, TENANT_STACK_TYPE };

export interface TenantStackArgs {
    /** Validated config (see components/config.ts). */
    readonly config: TenantConfig;
    /** Host port of every published service, already resolved (pinned or allocated). */
    readonly ports: Record<PortKey, number>;
    /** Target `swarm` only: the node the tenant is pinned to, as the manager reported it. */
    readonly node?: PlacedNode;
}

/** Credentials as secret outputs; `dbPassword` only for postgres tenants. */
export type SecretCredentials = { readonly [K in keyof Credentials]: pulumi.Output<string> };

/** Log rotation so a chatty tenant cannot fill the host's disk. */
export const LOG_OPTS = { "max-size": "10m", "max-file": "3" };

/** A one-shot job's container: run once to the end (attach), never restarted, small, hardened. */
export const ONE_SHOT_JOB = {
    attach: true,
    mustRun: false,
    restart: "no",
    memory: 64,
    memorySwap: 64,
    logDriver: "json-file",
    logOpts: LOG_OPTS,
    securityOpts: ["no-new-privileges:true"],
} as const;

export class TenantStack extends pulumi.ComponentResource {
    public readonly tenant: string;
    public readonly project: string;
    public readonly network: pulumi.Output<string>;
    public readonly volumes: Record<string, pulumi.Output<string>>;
    public readonly ports: Record<PortKey, number>;
    public readonly urls: Record<PortKey, string>;
    public readonly adminEmail: string;
    public readonly adminPassword: pulumi.Output<string>;
    public readonly redisToken: pulumi.Output<string>;
    public readonly encryptionKey: pulumi.Output<string>;
    public readonly dbPassword: pulumi.Output<string> | undefined;
    public readonly containers: Partial<Record<ServiceName, docker.Container>> = {};
    public readonly jobs: Partial<Record<JobName, docker.Container>> = {};
    /** Target `swarm`: one service per Frontbase service (and no containers but the job's). */
    public readonly services: Partial<Record<ServiceName, docker.Service>> = {};

    constructor(name: string, args: TenantStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TENANT_STACK_TYPE, name, {}, opts);
        const { config: cfg, ports } = args;
        this.tenant = cfg.tenant;
        this.project = naming.projectName(cfg.tenant);
        this.ports = ports;
        this.urls = tenantUrls(cfg, ports);
        this.adminEmail = cfg.adminEmail;

        const credentials = createCredentials(name, cfg, this);
        const specs = tenantServices(cfg, ports);
        let network: docker.Network;
        if (cfg.target === "swarm") {
            if (!args.node) throw new Error(`TenantStack ${name}: target "swarm" needs the node the tenant is pinned to`);
            network = createOverlayNetwork(name, cfg, this);
            this.declareServices(name, { cfg, ports, specs, credentials, network, node: args.node });
            this.volumes = Object.fromEntries(specs.filter((s) => s.dataPath).map((s) => [s.service, pulumi.output(naming.volumeName(cfg.tenant, s.service))]));
        } else {
            network = createNetwork(name, cfg, this);
            const volumes = createVolumes(name, cfg, specs, this);
            this.declareContainers(name, { cfg, ports, specs, credentials, network, images: createImages(name, cfg, specs, this), volumes });
            this.volumes = Object.fromEntries(Object.entries(volumes).map(([svc, v]) => [svc, v.name]));
        }

        this.network = network.name;
        this.adminPassword = credentials.adminPassword;
        this.redisToken = credentials.redisToken;
        this.encryptionKey = credentials.encryptionKey;
        this.dbPassword = credentials.dbPassword;
        this.registerOutputs({
            tenant: this.tenant,
            project: this.project,
            network: this.network,
            volumes: this.volumes,
            ports: this.ports,
            urls: this.urls,
            adminEmail: this.adminEmail,
            adminPassword: this.adminPassword,
            redisToken: this.redisToken,
            encryptionKey: this.encryptionKey,
            dbPassword: this.dbPassword,
        });
    }

    /** Target `docker`: one container per service, on the tenant's bridge network. */
    private declareContainers(name: string, d: { cfg: TenantConfig; ports: Record<PortKey, number>; specs: ServiceSpec[]; credentials: SecretCredentials; network: docker.Network; images: Partial<Record<ImageKey, docker.RemoteImage>>; volumes: Partial<Record<ServiceName, docker.Volume>> }): void {
        const { cfg, ports, credentials, network, images, volumes } = d;
        const containersOf = (services: readonly ServiceName[] = []) => services.map((s) => this.containers[s]).filter((c): c is docker.Container => c !== undefined);
        for (const spec of d.specs) {
            const jobs = this.declareJobs(name, spec, { cfg, credentials, network, image: images[REDIS_TOKEN_JOB.imageKey], after: containersOf(REDIS_TOKEN_JOB.after) });
            this.containers[spec.service] = createContainer(
                name,
                {
                    cfg, ports, spec, credentials, network, image: images[spec.imageKey], volume: volumes[spec.service],
                    after: [...containersOf(spec.after), ...jobs.map(([, c]) => c)],
                    follows: [...containersOf(spec.follows).map((c, k) => [spec.follows![k], c] as const), ...jobs],
                },
                this,
            );
        }
    }

    /**
     * Target `swarm`: one service per Frontbase service, pinned to the tenant's node. The
     * one-shot job stays a container, on the manager, attached to the tenant's overlay network.
     */
    private declareServices(name: string, d: { cfg: TenantConfig; ports: Record<PortKey, number>; specs: ServiceSpec[]; credentials: SecretCredentials; network: docker.Network; node: PlacedNode }): void {
        const { cfg, ports, credentials, network, node } = d;
        const servicesOf = (services: readonly ServiceName[] = []) => services.map((s) => this.services[s]).filter((c): c is docker.Service => c !== undefined);
        for (const spec of d.specs) {
            const jobs = this.declareJobs(name, spec, { cfg, credentials, network, image: undefined, after: servicesOf(REDIS_TOKEN_JOB.after) });
            this.services[spec.service] = createService(
                name,
                {
                    cfg, ports, spec, node, network,
                    env: serviceEnv(spec, credentials),
                    containerLabels: followLabels(naming.labels(cfg.tenant, spec.service), [...servicesOf(spec.follows).map((c, k) => [spec.follows![k], c] as const), ...jobs]),
                    after: [...servicesOf(spec.after), ...jobs.map(([, c]) => c)],
                },
                this,
            );
        }
    }

    /** The jobs that must run before `spec`'s service starts (declared once each). */
    private declareJobs(name: string, spec: ServiceSpec, i: Omit<JobInputs, "job">): (readonly [string, docker.Container])[] {
        for (const job of spec.afterJobs ?? []) this.jobs[job] ??= createJob(name, { ...i, job: REDIS_TOKEN_JOB }, this);
        return (spec.afterJobs ?? []).map((j) => [j, this.jobs[j]!] as const);
    }
}

/** The frontend's URL is the tenant's domain when it has one (served by the host's proxy). */
export function tenantUrls(cfg: Pick<TenantConfig, "publicHost" | "domains">, ports: Record<PortKey, number>): Record<PortKey, string> {
    return Object.fromEntries(naming.PORT_KEYS.map((k) => [k, k === "frontend" ? siteUrl(cfg, ports[k]) : publicUrl(cfg, ports[k])])) as Record<PortKey, string>;
}

/**
 * The tenant's credentials: from its stack file's secret config, where `tenant new` generates
 * them, so that they live as long as the data they open (a volume outlives `pulumi destroy`;
 * a stack's state does not). A stack file without them (made before) falls back to values
 * generated once into the stack's state, which a destroy loses: see README, "Credentials".
 */
export function createCredentials(name: string, cfg: TenantConfig, parent: pulumi.Resource): SecretCredentials {
    const generate = (what: string, length: number) =>
        pulumi.secret(new random.RandomPassword(`${name}-${what}`, { length, special: false, minLower: 2, minUpper: 2, minNumeric: 2 }, { parent }).result);
    const configured = (value: string | undefined, what: string, length: number) => (value !== undefined ? pulumi.secret(value) : generate(what, length));
    return {
        redisToken: configured(cfg.redisToken, "redis-token", 40),
        adminPassword: configured(cfg.adminPassword, "admin-password", 24),
        encryptionKey: cfg.encryptionKey !== undefined ? pulumi.secret(cfg.encryptionKey) : fernetKeyFrom(generate("encryption-key", 43)),
        dbPassword: cfg.database !== "postgres" ? undefined : configured(cfg.dbPassword, "db-password", 32),
    };
}

/** 43 random base62 characters -> a Fernet key: 32 bytes (SHA-256 of them), url-safe base64. */
function fernetKeyFrom(seed: pulumi.Output<string>): pulumi.Output<string> {
    return pulumi.secret(seed.apply((s) => createHash("sha256").update(s).digest("base64").replace(/\+/g, "-").replace(/\//g, "_")));
}

export function createNetwork(name: string, cfg: TenantConfig, parent: pulumi.Resource): docker.Network {
    return new docker.Network(
        `${name}-network`,
        { name: naming.networkName(cfg.tenant), driver: "bridge", labels: labelList({ ...naming.labels(cfg.tenant), "com.docker.compose.network": "frontbase" }) },
        { parent },
    );
}

/**
 * Images are looked up locally (pulled only when missing) and never removed on destroy:
 * other tenants on the host use the same images.
 */
export function createImages(name: string, cfg: TenantConfig, specs: readonly ServiceSpec[], parent: pulumi.Resource): Partial<Record<ImageKey, docker.RemoteImage>> {
    const images: Partial<Record<ImageKey, docker.RemoteImage>> = {};
    for (const { imageKey } of specs) {
        images[imageKey] = new docker.RemoteImage(`${name}-${imageKey}-image`, { name: cfg.images[imageKey], keepLocally: true }, { parent });
    }
    return images;
}

/** Data volumes survive `pulumi destroy` unless the stack sets `purgeDataOnDestroy: true`. */
export function createVolumes(name: string, cfg: TenantConfig, specs: readonly ServiceSpec[], parent: pulumi.Resource): Partial<Record<ServiceName, docker.Volume>> {
    const volumes: Partial<Record<ServiceName, docker.Volume>> = {};
    for (const spec of specs) {
        if (!spec.dataPath) continue;
        volumes[spec.service] = new docker.Volume(
            naming.logicalName(name, spec.service, "data"),
            { name: naming.volumeName(cfg.tenant, spec.service), labels: labelList({ ...naming.labels(cfg.tenant, spec.service), "com.docker.compose.volume": `${spec.service}_data` }) },
            { parent, retainOnDelete: !cfg.purgeDataOnDestroy },
        );
    }
    return volumes;
}

interface ContainerInputs {
    readonly cfg: TenantConfig;
    readonly ports: Record<PortKey, number>;
    readonly spec: ServiceSpec;
    readonly credentials: SecretCredentials;
    readonly network: docker.Network;
    readonly image: docker.RemoteImage | undefined;
    readonly volume: docker.Volume | undefined;
    readonly after: readonly pulumi.CustomResource[];
    /** Containers whose replacement must replace this one (see ServiceSpec.follows), by the name in the label. */
    readonly follows: readonly (readonly [string, pulumi.CustomResource])[];
}

/** Label that carries the ID of a container this one follows (see ServiceSpec.follows). */
export const FOLLOWS_LABEL_PREFIX = "frontbase.follows.";

export function createContainer(name: string, i: ContainerInputs, parent: pulumi.Resource): docker.Container {
    const { cfg, spec } = i;
    const service = spec.service;
    return new docker.Container(
        naming.logicalName(name, service, "container"),
        {
            name: naming.containerName(cfg.tenant, service),
            image: i.image ? i.image.imageId : cfg.images[spec.imageKey],
            hostname: service,
            command: spec.command ? [...spec.command] : undefined,
            envs: containerEnv(spec, i.credentials),
            ports: spec.hostPort ? [{ internal: spec.internalPort, external: i.ports[spec.hostPort], ip: cfg.bindAddress, protocol: "tcp" }] : [],
            networksAdvanced: [{ name: i.network.name, aliases: [service] }],
            mounts: i.volume && spec.dataPath ? [{ type: "volume", source: i.volume.name, target: spec.dataPath }] : [],
            healthcheck: spec.healthcheck ? { ...spec.healthcheck, tests: [...spec.healthcheck.tests] } : undefined,
            // With a health check, create returns only once the container is healthy.
            wait: spec.healthcheck !== undefined,
            waitTimeout: spec.waitTimeout,
            restart: "unless-stopped",
            memory: cfg.memory[spec.imageKey],
            // Unset, Docker stores its own swap limit (twice the memory) and the provider reads
            // it back: a diff on every run. Equal to memory: no swap, and an in-place memory
            // change sends both, so raising memory is never refused (docs/provider-audit.md).
            memorySwap: cfg.memory[spec.imageKey],
            destroyGraceSeconds: spec.stopGraceSeconds,
            ...(spec.init ? { init: true } : {}),
            logDriver: "json-file",
            logOpts: LOG_OPTS,
            securityOpts: ["no-new-privileges:true"],
            labels: followLabels(naming.labels(cfg.tenant, service), i.follows),
        },
        {
            parent,
            // Fixed names and host ports collide under create-before-delete.
            deleteBeforeReplace: true,
            dependsOn: [...i.after],
            // The provider (v4.5.0) stores a change to either without sending it to Docker:
            // neither is ForceNew, and Update sends only restart and resources.
            replaceOnChanges: ["healthcheck", "init"],
        },
    );
}

/** Env as a sorted `K=V` list; a secret as a whole when any value is a credential. */
function containerEnv(spec: ServiceSpec, credentials: SecretCredentials): pulumi.Input<string[]> {
    if (!spec.usesCredentials) return envList(spec.env({ redisToken: "", adminPassword: "", encryptionKey: "" }));
    return pulumi.secret(
        pulumi
            .all([credentials.redisToken, credentials.adminPassword, credentials.encryptionKey, credentials.dbPassword])
            .apply(([redisToken, adminPassword, encryptionKey, dbPassword]) => envList(spec.env({ redisToken, adminPassword, encryptionKey, dbPassword }))),
    );
}

/** Env as a service takes it (a map); a secret as a whole when any value is a credential. */
function serviceEnv(spec: ServiceSpec, credentials: SecretCredentials): pulumi.Input<Record<string, string>> {
    if (!spec.usesCredentials) return spec.env({ redisToken: "", adminPassword: "", encryptionKey: "" });
    return pulumi.secret(
        pulumi
            .all([credentials.redisToken, credentials.adminPassword, credentials.encryptionKey, credentials.dbPassword])
            .apply(([redisToken, adminPassword, encryptionKey, dbPassword]) => spec.env({ redisToken, adminPassword, encryptionKey, dbPassword })),
    );
}

/**
 * The tenant's labels plus one per followed container, valued with its ID. The engine replaces
 * a dependent only when one of its inputs comes from the replaced resource (dependsOn is not
 * enough), and labels force a new container: so replacing the backend replaces the frontend.
 */
function followLabels(base: Record<string, string>, follows: readonly (readonly [string, pulumi.CustomResource])[]): pulumi.Output<{ label: string; value: string }[]> {
    return pulumi.all(follows.map(([, c]) => c.id)).apply((ids) => labelList({ ...base, ...Object.fromEntries(follows.map(([what], k) => [`${FOLLOWS_LABEL_PREFIX}${what}`, ids[k]])) }));
}

interface JobInputs {
    readonly cfg: TenantConfig;
    readonly job: JobSpec;
    readonly credentials: SecretCredentials;
    readonly network: docker.Network;
    readonly image: docker.RemoteImage | undefined;
    readonly after: readonly pulumi.CustomResource[];
}

/**
 * A one-shot container (see JobSpec): `attach` makes create wait until it has exited; it then
 * stays, exited (`mustRun: false`, no restart), so that it runs again only when its inputs
 * change. The provider does not check its exit code: `tenant verify` does.
 */
export function createJob(name: string, i: JobInputs, parent: pulumi.Resource): docker.Container {
    const { cfg, job } = i;
    return new docker.Container(
        naming.logicalName(name, job.job, "job"),
        {
            name: naming.jobContainerName(cfg.tenant, job.job),
            image: i.image ? i.image.imageId : cfg.images[job.imageKey],
            entrypoints: [...job.entrypoint],
            envs: pulumi.secret(pulumi.all([i.credentials.redisToken, i.credentials.adminPassword, i.credentials.encryptionKey, i.credentials.dbPassword]).apply(([redisToken, adminPassword, encryptionKey, dbPassword]) => envList(job.env({ redisToken, adminPassword, encryptionKey, dbPassword })))),
            networksAdvanced: [{ name: i.network.name }],
            ...ONE_SHOT_JOB,
            securityOpts: [...ONE_SHOT_JOB.securityOpts],
            labels: labelList({ ...naming.labels(cfg.tenant), [naming.JOB_LABEL]: job.job, [naming.ONEOFF_LABEL]: "True" }),
        },
        { parent, deleteBeforeReplace: true, dependsOn: [...i.after] },
    );
}
