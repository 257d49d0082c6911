// A tenant on a Docker Swarm cluster: the services of services.ts as docker.Service resources,
// declared through the manager, on an overlay network of the tenant's own, pinned to its node.
// The provider's read-back rules these follow are docs/swarm-audit.md.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { TenantConfig } from "../config";
import * as naming from "../naming";
import { PortKey } from "../naming";
import { labelList } from "../labels";
import { ServiceSpec } from "../services";
import { LOG_OPTS, SecretCredentials } from "../containers";
import {
    convergeConfig,
    endpointSpec,
    NODE_LABEL,
    PlacedNode,
    RESTART_POLICY,
    seconds,
    serviceHealthcheck,
    serviceResources,
    swarmServiceName,
    UPDATE_CONFIG,
} from "./spec";

export type { PlacedNode };

type Labels = { label: string; value: string }[];

/**
 * The tenant's overlay network: attachable, so that its one-shot job (a container on the
 * manager) joins it too; encrypted when the stack asks (IPsec between nodes).
 */
export function createOverlayNetwork(name: string, cfg: TenantConfig, parent: pulumi.Resource): docker.Network {
    return new docker.Network(
        `${name}-network`,
        {
            name: naming.networkName(cfg.tenant),
            driver: "overlay",
            attachable: true,
            ...(cfg.encryptOverlay ? { options: { encrypted: "" } } : {}),
            labels: labelList({ ...naming.labels(cfg.tenant), "com.docker.compose.network": "frontbase" }),
        },
        // Docker adds the driver's own `vxlanid_list` to an overlay's options, and the provider
        // reads them all back into `options` (ForceNew): set ones would replace the network, and
        // with it every service, on each run. So they are sent at create and not compared after;
        // turning encryption on or off later needs `pulumi up --replace` of the network.
        { parent, ...(cfg.encryptOverlay ? { ignoreChanges: ["options"] } : {}) },
    );
}

export interface ServiceInputs {
    readonly cfg: TenantConfig;
    readonly ports: Record<PortKey, number>;
    readonly spec: ServiceSpec;
    readonly node: PlacedNode;
    readonly network: docker.Network;
    readonly env: pulumi.Input<Record<string, string>>;
    /** The task containers' labels (the tenant's, plus one per followed service: see TenantStack `followLabels`). */
    readonly containerLabels: pulumi.Input<Labels>;
    readonly after: readonly pulumi.Resource[];
}

/**
 * One replicated service with one task, on the tenant's node. Its name on the tenant's network
 * is the service's own (`backend`, `redis`, ...) through an alias, resolved by DNS round robin
 * (`dnsrr`): a virtual IP needs IPVS, which not every kernel has, and one task needs no
 * balancing. Ports are published in host mode on the node, so they are the node's ports; with
 * `publishMode: ingress`, on every node through the routing mesh (spec.ts endpointSpec).
 */
export function createService(name: string, i: ServiceInputs, parent: pulumi.Resource): docker.Service {
    const { cfg, spec } = i;
    const volume = spec.dataPath
        ? [
              {
                  type: "volume",
                  source: naming.volumeName(cfg.tenant, spec.service),
                  target: spec.dataPath,
                  // The node creates the volume at the task's first start, with these labels; removing
                  // the service leaves it, so data outlives `pulumi destroy` as on one host.
                  volumeOptions: { labels: volumeLabels(cfg, spec) },
              },
          ]
        : [];
    return new docker.Service(
        naming.logicalName(name, spec.service, "service"),
        {
            name: swarmServiceName(cfg.tenant, spec.service),
            labels: labelList(serviceLabelsOf(cfg, spec, i.node)),
            // Suspended: no task runs (upstream v4.5.0 resource_docker_service.go: `mode.replicated.replicas` is
            // not ForceNew, so `resourceDockerServiceUpdate` scales the service in place); the rest is kept.
            mode: { replicated: { replicas: cfg.suspended ? 0 : 1 } },
            taskSpec: {
                containerSpec: {
                    image: cfg.images[spec.imageKey],
                    hostname: spec.service,
                    ...(spec.command ? { commands: [...spec.command] } : {}),
                    env: i.env,
                    mounts: volume,
                    ...(spec.healthcheck ? { healthcheck: serviceHealthcheck(spec.healthcheck) } : {}),
                    stopGracePeriod: seconds(spec.stopGraceSeconds),
                    ...(spec.init ? { init: true } : {}),
                    labels: i.containerLabels,
                },
                // Always the full network ID: the daemon stores names as IDs, and the provider
                // reads back only the ID, so a name would replace the service on every run.
                networksAdvanceds: [{ id: i.network.id, aliases: [spec.service] }],
                placement: { constraints: [i.node.constraint] },
                resources: serviceResources(cfg, spec.imageKey),
                restartPolicy: { ...RESTART_POLICY },
                logDriver: { name: "json-file", options: { ...LOG_OPTS } },
            },
            updateConfig: { ...UPDATE_CONFIG },
            endpointSpec: endpointSpec(
                cfg.publishMode,
                spec.hostPort ? { target: spec.internalPort, published: i.ports[spec.hostPort] } : undefined,
            ),
            // Create returns once the task runs (healthy, where it has a check), so that what
            // starts after it finds it: the order `after` gives, as `wait` does on one host.
            convergeConfig: convergeConfig(spec.waitTimeout),
        },
        {
            parent,
            // Fixed service names collide under create-before-delete (the provider does not ask).
            deleteBeforeReplace: true,
            dependsOn: [...i.after],
        },
    );
}

function volumeLabels(cfg: TenantConfig, spec: ServiceSpec): Labels {
    return labelList({ ...naming.labels(cfg.tenant, spec.service), "com.docker.compose.volume": `${spec.service}_data` });
}

/** The labels of a swarm tenant's services: the tenant's, plus the node it is pinned to. */
export function serviceLabelsOf(cfg: TenantConfig, spec: ServiceSpec, node: PlacedNode): Record<string, string> {
    return { ...naming.labels(cfg.tenant, spec.service), [NODE_LABEL]: node.hostname };
}

/** Env as a service takes it (a map); a secret as a whole when any value is a credential. */
export function serviceEnv(spec: ServiceSpec, credentials: SecretCredentials): pulumi.Input<Record<string, string>> {
    if (!spec.usesCredentials) return spec.env({ redisToken: "", adminPassword: "", encryptionKey: "" });
    return pulumi.secret(
        pulumi
            .all([credentials.redisToken, credentials.adminPassword, credentials.encryptionKey, credentials.dbPassword])
            .apply(([redisToken, adminPassword, encryptionKey, dbPassword]) =>
                spec.env({ redisToken, adminPassword, encryptionKey, dbPassword }),
            ),
    );
}
