// A tenant of target `docker`: its bridge network, volumes, images, containers and one-shot job,
// as @pulumi/docker resources (TenantStack declares them; the swarm target is swarm/resources.ts).
// The provider's read-back rules these follow are docs/provider-audit.md.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ImageKey, TenantConfig } from "./config";
import { jobContainerArgs, LabelList, REPLACE_ON_CHANGES, serviceContainerArgs } from "./containerArgs";
import { labelList } from "./labels";
import * as naming from "./naming";
import { ServiceName, TenantPorts } from "./naming";
import { Credentials, envList, ServiceSpec } from "./services";
import { JobSpec } from "./jobs";

export { LOG_OPTS, ONE_SHOT_JOB } from "./containerArgs";

/** Credentials as secret outputs; `dbPassword` only for postgres tenants. */
export type SecretCredentials = { readonly [K in keyof Credentials]: pulumi.Output<string> };

export function createNetwork(name: string, cfg: TenantConfig, parent: pulumi.Resource): docker.Network {
    return new docker.Network(
        `${name}-network`,
        {
            name: naming.networkName(cfg.tenant),
            driver: "bridge",
            labels: labelList({ ...naming.labels(cfg.tenant), "com.docker.compose.network": "frontbase" }),
        },
        { parent },
    );
}

/**
 * Images are looked up locally (pulled only when missing) and never removed on destroy:
 * other tenants on the host use the same images.
 */
export function createImages(
    name: string,
    cfg: TenantConfig,
    specs: readonly ServiceSpec[],
    parent: pulumi.Resource,
): Partial<Record<ImageKey, docker.RemoteImage>> {
    const images: Partial<Record<ImageKey, docker.RemoteImage>> = {};
    for (const { imageKey } of specs) {
        images[imageKey] = new docker.RemoteImage(
            `${name}-${imageKey}-image`,
            { name: cfg.images[imageKey], keepLocally: true },
            { parent },
        );
    }
    return images;
}

/** Data volumes survive `pulumi destroy` unless the stack sets `purgeDataOnDestroy: true`. */
export function createVolumes(
    name: string,
    cfg: TenantConfig,
    specs: readonly ServiceSpec[],
    parent: pulumi.Resource,
): Partial<Record<ServiceName, docker.Volume>> {
    const volumes: Partial<Record<ServiceName, docker.Volume>> = {};
    for (const spec of specs) {
        if (!spec.dataPath) continue;
        volumes[spec.service] = new docker.Volume(
            naming.logicalName(name, spec.service, "data"),
            {
                name: naming.volumeName(cfg.tenant, spec.service),
                labels: labelList({ ...naming.labels(cfg.tenant, spec.service), "com.docker.compose.volume": `${spec.service}_data` }),
            },
            { parent, retainOnDelete: !cfg.purgeDataOnDestroy },
        );
    }
    return volumes;
}

interface ContainerInputs {
    readonly cfg: TenantConfig;
    readonly ports: TenantPorts;
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
        serviceContainerArgs(cfg, i.ports, spec, {
            image: i.image ? i.image.imageId : cfg.images[spec.imageKey],
            envs: containerEnv(spec, i.credentials),
            labels: followLabels(naming.labels(cfg.tenant, service), i.follows),
            networks: [{ name: i.network.name, aliases: [service] }],
            volume: i.volume?.name,
        }),
        {
            parent,
            // Fixed names and host ports collide under create-before-delete.
            deleteBeforeReplace: true,
            dependsOn: [...i.after],
            replaceOnChanges: REPLACE_ON_CHANGES,
        },
    );
}

/** Env as a sorted `K=V` list; a secret as a whole when any value is a credential. */
export function containerEnv(spec: ServiceSpec, credentials: SecretCredentials): pulumi.Input<string[]> {
    if (!spec.usesCredentials) return envList(spec.env({ redisToken: "", adminPassword: "", encryptionKey: "" }));
    return pulumi.secret(
        pulumi
            .all([credentials.redisToken, credentials.adminPassword, credentials.encryptionKey, credentials.dbPassword])
            .apply(([redisToken, adminPassword, encryptionKey, dbPassword]) =>
                envList(spec.env({ redisToken, adminPassword, encryptionKey, dbPassword })),
            ),
    );
}

/**
 * The tenant's labels plus one per followed container, valued with its ID. The engine replaces
 * a dependent only when one of its inputs comes from the replaced resource (dependsOn is not
 * enough), and labels force a new container: so replacing the backend replaces the frontend.
 */
export function followLabels(
    base: Record<string, string>,
    follows: readonly (readonly [string, pulumi.CustomResource])[],
): pulumi.Output<LabelList> {
    return pulumi
        .all(follows.map(([, c]) => c.id))
        .apply((ids) =>
            labelList({ ...base, ...Object.fromEntries(follows.map(([what], k) => [`${FOLLOWS_LABEL_PREFIX}${what}`, ids[k]])) }),
        );
}

export interface JobInputs {
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
        jobContainerArgs(cfg, job, {
            image: i.image ? i.image.imageId : cfg.images[job.imageKey],
            envs: jobEnv(job, i.credentials),
            labels: labelList(jobLabels(cfg.tenant, job)),
            networks: [{ name: i.network.name }],
        }),
        { parent, deleteBeforeReplace: true, dependsOn: [...i.after] },
    );
}

/** A job's env: always a secret (it carries a credential). */
export function jobEnv(job: JobSpec, c: SecretCredentials): pulumi.Output<string[]> {
    return pulumi.secret(
        pulumi
            .all([c.redisToken, c.adminPassword, c.encryptionKey, c.dbPassword])
            .apply(([redisToken, adminPassword, encryptionKey, dbPassword]) =>
                envList(job.env({ redisToken, adminPassword, encryptionKey, dbPassword })),
            ),
    );
}

export function jobLabels(tenant: string, job: JobSpec): Record<string, string> {
    return { ...naming.labels(tenant), [naming.JOB_LABEL]: job.job, [naming.ONEOFF_LABEL]: "True" };
}
