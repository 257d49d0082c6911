// What the program declares for a service's container and for a one-shot job's: @pulumi/docker
// Container inputs from the spec (services.ts) and the parts that come from other resources
// (image, env, labels, networks, volume). Pure, so that a tier's revision (slots.ts) is computed
// from exactly what is declared; containers.ts and slotContainers.ts turn it into resources.
import type * as docker from "@pulumi/docker";
import type * as pulumi from "@pulumi/pulumi";
import type { TenantConfig } from "./config";
import * as naming from "./naming";
import { Slot, slotPortKey, TenantPorts } from "./naming";
import type { ServiceSpec } from "./services";
import type { JobSpec } from "./jobs";

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

/**
 * The provider (v4.5.0) stores a change to any of these without sending it to Docker: none is
 * ForceNew, and Update sends only restart and resources. So a change to them replaces. `start`
 * is how a suspension reaches Docker (see SUSPENDED).
 */
export const REPLACE_ON_CHANGES = ["healthcheck", "init", "start"];

/**
 * A suspended tenant's containers: created, never started, and left so. Upstream v4.5.0
 * (internal/provider/resource_docker_container_funcs.go): `resourceDockerContainerCreate` starts
 * the container (and waits for health) only when `start` is true; `resourceDockerContainerRead`
 * reads a stopped container's ports back only while `must_run` is true (otherwise the declared
 * ports stay in state: no replacement) and leaves `must_run` false as it is: so the drift check
 * is clean while suspended. `resourceDockerContainerUpdate` never stops a running container, so
 * the change of `start` replaces (REPLACE_ON_CHANGES): suspend deletes the running container and
 * creates a stopped one; resume creates a started one, waited for until healthy. The declared
 * host ports stay in its configuration (HostConfig.PortBindings), where the allocator counts them.
 */
export const SUSPENDED = { start: false, mustRun: false } as const;

/** What the provider updates in place: a change to these replaces nothing. */
export const IN_PLACE = ["restart", "memory", "memorySwap"] as const;

export type LabelList = { label: string; value: string }[];

/** The parts of a container's inputs that come from elsewhere (other resources, credentials, the slot). */
export interface Parts {
    readonly image: pulumi.Input<string>;
    readonly envs: pulumi.Input<string[]>;
    readonly labels: pulumi.Input<LabelList>;
    readonly networks: readonly { readonly name: pulumi.Input<string>; readonly aliases?: readonly string[] }[];
    readonly volume?: pulumi.Input<string>;
    /** A tenant with two slots: the slot this container is in (its name and host ports). */
    readonly slot?: Slot;
}

export function serviceContainerArgs(cfg: TenantConfig, ports: TenantPorts, spec: ServiceSpec, p: Parts): docker.ContainerArgs {
    const service = spec.service;
    const hostPort = spec.hostPort && ports[slotPortKey(spec.hostPort, p.slot ?? 1)];
    return {
        name: naming.containerName(cfg.tenant, service, p.slot),
        image: p.image,
        hostname: service,
        command: spec.command ? [...spec.command] : undefined,
        envs: p.envs,
        ports: hostPort ? [{ internal: spec.internalPort, external: hostPort, ip: cfg.bindAddress, protocol: "tcp" }] : [],
        networksAdvanced: p.networks.map((n) => ({ name: n.name, aliases: n.aliases ? [...n.aliases] : undefined })),
        mounts: p.volume && spec.dataPath ? [{ type: "volume", source: p.volume, target: spec.dataPath }] : [],
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
        labels: p.labels,
        ...(cfg.suspended ? SUSPENDED : {}),
    };
}

export function jobContainerArgs(cfg: TenantConfig, job: JobSpec, p: Parts): docker.ContainerArgs {
    return {
        name: naming.jobContainerName(cfg.tenant, job.job, p.slot),
        image: p.image,
        entrypoints: [...job.entrypoint],
        envs: p.envs,
        networksAdvanced: p.networks.map((n) => ({ name: n.name, aliases: n.aliases ? [...n.aliases] : undefined })),
        ...ONE_SHOT_JOB,
        securityOpts: [...ONE_SHOT_JOB.securityOpts],
        labels: p.labels,
        // A job that a suspension re-creates (a tenant with two slots: its revision changed) does
        // not run against a backend that is not started; it runs with the resumed tier.
        ...(cfg.suspended ? { start: false } : {}),
    };
}
