// One complete, isolated Frontbase tenant: credentials, a network, and its services as
// containers on one Docker host (containers.ts) or as swarm services (swarm/resources.ts).
import { createHash } from "crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { ImageKey, TenantConfig } from "./config";
import {
    createContainer,
    createImages,
    createJob,
    createNetwork,
    createVolumes,
    followLabels,
    JobInputs,
    SecretCredentials,
} from "./containers";
import * as naming from "./naming";
import { PortKey, ServiceName, Slot, slotPortKey, TENANT_STACK_TYPE, TenantPorts } from "./naming";
import { portUrl, ServiceSpec, tenantServices } from "./services";
import { JobName, REDIS_TOKEN_JOB } from "./jobs";
import { createSlotContainer, createSlotJob, createSlotNetworks, isSlotService, SlotDeclaration } from "./slotContainers";
import { createOverlayNetwork, createService, PlacedNode, serviceEnv } from "./swarm/resources";

export { TENANT_STACK_TYPE };

export interface TenantStackArgs {
    /** Validated config (see components/config.ts). */
    readonly config: TenantConfig;
    /** Host port of every published service, already resolved (pinned or allocated); the second slot's too. */
    readonly ports: TenantPorts;
    /** Target `swarm` only: the node the tenant is pinned to, as the manager reported it. */
    readonly node?: PlacedNode;
    /** A tenant with two slots (slots.ts): where its backend, edge, frontend and job go. */
    readonly slots?: SlotDeclaration;
}

export type { SecretCredentials };

export class TenantStack extends pulumi.ComponentResource {
    public readonly tenant: string;
    public readonly project: string;
    public readonly network: pulumi.Output<string>;
    public readonly volumes: Record<string, pulumi.Output<string>>;
    public readonly ports: TenantPorts;
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
        this.urls = tenantUrls(cfg, servingPorts(ports, args.slots?.plan.slot ?? 1));
        this.adminEmail = cfg.adminEmail;

        const credentials = createCredentials(name, cfg, this);
        const specs = tenantServices(cfg, ports);
        let network: docker.Network;
        if (cfg.target === "swarm") {
            if (!args.node) throw new Error(`TenantStack ${name}: target "swarm" needs the node the tenant is pinned to`);
            network = createOverlayNetwork(name, cfg, this);
            this.declareServices(name, { cfg, ports, specs, credentials, network, node: args.node });
            this.volumes = Object.fromEntries(
                specs.filter((s) => s.dataPath).map((s) => [s.service, pulumi.output(naming.volumeName(cfg.tenant, s.service))]),
            );
        } else {
            network = createNetwork(name, cfg, this);
            const volumes = createVolumes(name, cfg, specs, this);
            this.declareContainers(name, {
                cfg,
                ports,
                specs,
                credentials,
                network,
                images: createImages(name, cfg, specs, this),
                volumes,
                slots: args.slots && { decl: args.slots, networks: createSlotNetworks(name, cfg, this) },
            });
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
    private declareContainers(
        name: string,
        d: {
            cfg: TenantConfig;
            ports: Record<PortKey, number>;
            specs: ServiceSpec[];
            credentials: SecretCredentials;
            network: docker.Network;
            images: Partial<Record<ImageKey, docker.RemoteImage>>;
            volumes: Partial<Record<ServiceName, docker.Volume>>;
            slots?: { decl: SlotDeclaration; networks: Record<Slot, docker.Network> };
        },
    ): void {
        const { cfg, ports, credentials, network, images, volumes, slots } = d;
        const containersOf = (services: readonly ServiceName[] = []) =>
            services.map((s) => this.containers[s]).filter((c): c is docker.Container => c !== undefined);
        for (const spec of d.specs) {
            const jobInputs = {
                cfg,
                credentials,
                network,
                image: images[REDIS_TOKEN_JOB.imageKey],
                after: containersOf(REDIS_TOKEN_JOB.after),
            };
            const jobs = this.declareJobs(
                name,
                spec,
                jobInputs,
                slots && ((i) => createSlotJob(name, { ...i, slots: slots.networks, decl: slots.decl }, this)),
            );
            const common = {
                cfg,
                ports,
                spec,
                credentials,
                volume: volumes[spec.service],
                after: [...containersOf(spec.after), ...jobs.map(([, c]) => c)],
                follows: [...containersOf(spec.follows).map((c, k) => [spec.follows![k], c] as const), ...jobs],
            };
            this.containers[spec.service] =
                slots && isSlotService(spec.service)
                    ? createSlotContainer(
                          name,
                          {
                              ...common,
                              shared: network,
                              slots: slots.networks,
                              decl: slots.decl,
                              after: [...common.after, images[spec.imageKey]!],
                          },
                          this,
                      )
                    : createContainer(name, { ...common, network, image: images[spec.imageKey] }, this);
        }
    }

    /**
     * Target `swarm`: one service per Frontbase service, pinned to the tenant's node. The
     * one-shot job stays a container, on the manager, attached to the tenant's overlay network.
     */
    private declareServices(
        name: string,
        d: {
            cfg: TenantConfig;
            ports: Record<PortKey, number>;
            specs: ServiceSpec[];
            credentials: SecretCredentials;
            network: docker.Network;
            node: PlacedNode;
        },
    ): void {
        const { cfg, ports, credentials, network, node } = d;
        const servicesOf = (services: readonly ServiceName[] = []) =>
            services.map((s) => this.services[s]).filter((c): c is docker.Service => c !== undefined);
        for (const spec of d.specs) {
            const jobs = this.declareJobs(name, spec, {
                cfg,
                credentials,
                network,
                image: undefined,
                after: servicesOf(REDIS_TOKEN_JOB.after),
            });
            this.services[spec.service] = createService(
                name,
                {
                    cfg,
                    ports,
                    spec,
                    node,
                    network,
                    env: serviceEnv(spec, credentials),
                    containerLabels: followLabels(naming.labels(cfg.tenant, spec.service), [
                        ...servicesOf(spec.follows).map((c, k) => [spec.follows![k], c] as const),
                        ...jobs,
                    ]),
                    after: [...servicesOf(spec.after), ...jobs.map(([, c]) => c)],
                },
                this,
            );
        }
    }

    /** The jobs that must run before `spec`'s service starts (declared once each; `make` declares one in slot mode). */
    private declareJobs(
        name: string,
        spec: ServiceSpec,
        i: Omit<JobInputs, "job">,
        make?: (i: Omit<JobInputs, "job">) => docker.Container,
    ): (readonly [string, docker.Container])[] {
        for (const job of spec.afterJobs ?? []) this.jobs[job] ??= make ? make(i) : createJob(name, { ...i, job: REDIS_TOKEN_JOB }, this);
        return (spec.afterJobs ?? []).map((j) => [j, this.jobs[j]!] as const);
    }
}

/** The ports the serving slot publishes on, under the four keys (slot 2's from the second slot's keys). */
export function servingPorts(ports: TenantPorts, slot: Slot): Record<PortKey, number> {
    return Object.fromEntries(naming.PORT_KEYS.map((k) => [k, ports[slotPortKey(k, slot)] ?? ports[k]])) as Record<PortKey, number>;
}

/** The frontend's URL is the tenant's domain when it has one (served by the host's proxy). */
export function tenantUrls(cfg: Pick<TenantConfig, "publicHost" | "domains">, ports: Record<PortKey, number>): Record<PortKey, string> {
    return Object.fromEntries(naming.PORT_KEYS.map((k) => [k, portUrl(cfg, k, ports[k])])) as Record<PortKey, string>;
}

/**
 * The tenant's credentials: from its stack file's secret config, where `tenant new` generates
 * them, so that they live as long as the data they open (a volume outlives `pulumi destroy`;
 * a stack's state does not). A stack file without them (made before) falls back to values
 * generated once into the stack's state, which a destroy loses: see docs/credentials.md.
 */
export function createCredentials(name: string, cfg: TenantConfig, parent: pulumi.Resource): SecretCredentials {
    const generate = (what: string, length: number) =>
        pulumi.secret(
            new random.RandomPassword(`${name}-${what}`, { length, special: false, minLower: 2, minUpper: 2, minNumeric: 2 }, { parent })
                .result,
        );
    const configured = (value: string | undefined, what: string, length: number) =>
        value !== undefined ? pulumi.secret(value) : generate(what, length);
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
