// One complete, isolated Frontbase tenant: network, volumes, credentials and containers.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ImageKey, TenantConfig } from "./config";
import * as naming from "./naming";
import { PortKey, ServiceName, TENANT_STACK_TYPE } from "./naming";
import { Credentials, envList, publicUrl, ServiceSpec, tenantServices } from "./services";

export { TENANT_STACK_TYPE };

export interface TenantStackArgs {
    /** Validated config (see components/config.ts). */
    readonly config: TenantConfig;
    /** Host port of every published service, already resolved (pinned or allocated). */
    readonly ports: Record<PortKey, number>;
}

/** Credentials as secret outputs; `dbPassword` only for postgres tenants. */
export type SecretCredentials = { readonly [K in keyof Credentials]: pulumi.Output<string> };

/** Log rotation so a chatty tenant cannot fill the host's disk. */
export const LOG_OPTS = { "max-size": "10m", "max-file": "3" };

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
    public readonly dbPassword: pulumi.Output<string> | undefined;
    public readonly containers: Partial<Record<ServiceName, docker.Container>> = {};

    constructor(name: string, args: TenantStackArgs, opts?: pulumi.ComponentResourceOptions) {
        super(TENANT_STACK_TYPE, name, {}, opts);
        const { config: cfg, ports } = args;
        this.tenant = cfg.tenant;
        this.project = naming.projectName(cfg.tenant);
        this.ports = ports;
        this.urls = tenantUrls(cfg, ports);
        this.adminEmail = cfg.adminEmail;

        const credentials = createCredentials(name, cfg, this);
        const network = createNetwork(name, cfg, this);
        const specs = tenantServices(cfg, ports);
        const images = createImages(name, cfg, specs, this);
        const volumes = createVolumes(name, cfg, specs, this);
        for (const spec of specs) {
            const containersOf = (services: readonly ServiceName[] = []) => services.map((s) => this.containers[s]).filter((c): c is docker.Container => c !== undefined);
            this.containers[spec.service] = createContainer(
                name,
                { cfg, ports, spec, credentials, network, image: images[spec.imageKey], volume: volumes[spec.service], after: containersOf(spec.after), follows: containersOf(spec.follows) },
                this,
            );
        }

        this.network = network.name;
        this.volumes = Object.fromEntries(Object.entries(volumes).map(([svc, v]) => [svc, v.name]));
        this.adminPassword = credentials.adminPassword;
        this.redisToken = credentials.redisToken;
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
            dbPassword: this.dbPassword,
        });
    }
}

export function tenantUrls(cfg: Pick<TenantConfig, "publicHost">, ports: Record<PortKey, number>): Record<PortKey, string> {
    return Object.fromEntries(naming.PORT_KEYS.map((k) => [k, publicUrl(cfg, ports[k])])) as Record<PortKey, string>;
}

/** Generated once per stack and kept in its state, unless overridden by secret config. */
export function createCredentials(name: string, cfg: TenantConfig, parent: pulumi.Resource): SecretCredentials {
    const generate = (what: string, length: number) =>
        pulumi.secret(new random.RandomPassword(`${name}-${what}`, { length, special: false, minLower: 2, minUpper: 2, minNumeric: 2 }, { parent }).result);
    return {
        redisToken: cfg.redisToken !== undefined ? pulumi.secret(cfg.redisToken) : generate("redis-token", 40),
        secretKey: generate("secret-key", 64),
        adminPassword: generate("admin-password", 24),
        dbPassword: cfg.database !== "postgres" ? undefined : cfg.dbPassword !== undefined ? pulumi.secret(cfg.dbPassword) : generate("db-password", 32),
    };
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
    readonly after: readonly docker.Container[];
    /** Containers whose replacement must replace this one (see ServiceSpec.follows). */
    readonly follows: readonly docker.Container[];
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
            logDriver: "json-file",
            logOpts: LOG_OPTS,
            securityOpts: ["no-new-privileges:true"],
            labels: followLabels(naming.labels(cfg.tenant, service), spec.follows ?? [], i.follows),
        },
        {
            parent,
            // Fixed names and host ports collide under create-before-delete.
            deleteBeforeReplace: true,
            dependsOn: [...i.after],
            // The provider (v4.5.0) stores a health check change without sending it to Docker.
            replaceOnChanges: ["healthcheck"],
        },
    );
}

/** Env as a sorted `K=V` list; a secret as a whole when any value is a credential. */
function containerEnv(spec: ServiceSpec, credentials: SecretCredentials): pulumi.Input<string[]> {
    if (!spec.usesCredentials) return envList(spec.env({ redisToken: "", secretKey: "", adminPassword: "" }));
    return pulumi.secret(
        pulumi
            .all([credentials.redisToken, credentials.secretKey, credentials.adminPassword, credentials.dbPassword])
            .apply(([redisToken, secretKey, adminPassword, dbPassword]) => envList(spec.env({ redisToken, secretKey, adminPassword, dbPassword }))),
    );
}

/**
 * The tenant's labels plus one per followed container, valued with its ID. The engine replaces
 * a dependent only when one of its inputs comes from the replaced resource (dependsOn is not
 * enough), and labels force a new container: so replacing the backend replaces the frontend.
 */
function followLabels(base: Record<string, string>, services: readonly ServiceName[], containers: readonly docker.Container[]): pulumi.Output<{ label: string; value: string }[]> {
    return pulumi.all(containers.map((c) => c.id)).apply((ids) => labelList({ ...base, ...Object.fromEntries(services.map((s, k) => [`${FOLLOWS_LABEL_PREFIX}${s}`, ids[k]])) }));
}

export function labelList(labels: Record<string, string>): { label: string; value: string }[] {
    return Object.keys(labels)
        .sort()
        .map((label) => ({ label, value: labels[label] }));
}
