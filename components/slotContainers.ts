// A tenant with two slots (slots.ts): the slots' networks, and its backend, edge, frontend and
// job declared in the plan's slot. Each slot has its own network, where its containers answer to
// `backend`, `edge` and `frontend`: the frontend's nginx, which resolves them once at start-up,
// reaches its own slot's. Backend and edge also join the tenant's network (postgres, redis-http),
// where no app container has an alias. A replacement is create-before-delete unless the plan says.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import type { TenantConfig } from "./config";
import { IN_PLACE, jobContainerArgs, LabelList, Parts, REPLACE_ON_CHANGES, serviceContainerArgs } from "./containerArgs";
import { containerEnv, FOLLOWS_LABEL_PREFIX, followLabels, jobEnv, jobLabels, SecretCredentials } from "./containers";
import { labelList } from "./labels";
import * as naming from "./naming";
import { REVISION_LABEL, Slot, SLOT_LABEL, TenantPorts } from "./naming";
import { Credentials, envList, ServiceSpec } from "./services";
import { JobSpec, REDIS_TOKEN_JOB } from "./jobs";
import { SLOT_JOB, SLOT_SERVICES, SlotPlan, SlotService } from "./slots";

/** What the stack program read for a tenant with two slots: the plan, and the images' IDs it declares. */
export interface SlotDeclaration {
    readonly plan: SlotPlan;
    /** `sha256:` IDs of the app images, read when the program ran: exactly what the revision covers. */
    readonly imageIds: Readonly<Record<SlotService, string>>;
}

export function isSlotService(service: string): service is SlotService {
    return (SLOT_SERVICES as readonly string[]).includes(service);
}

/** Both slots' networks, always declared, so that a flip between them changes no network. */
export function createSlotNetworks(name: string, cfg: TenantConfig, parent: pulumi.Resource): Record<Slot, docker.Network> {
    const make = (slot: Slot) =>
        new docker.Network(
            `${name}-slot${slot}-network`,
            {
                name: naming.slotNetworkName(cfg.tenant, slot),
                driver: "bridge",
                labels: labelList({ ...naming.labels(cfg.tenant), "com.docker.compose.network": `slot${slot}` }),
            },
            { parent },
        );
    return { 1: make(1), 2: make(2) };
}

/** Where a slot's member is attached: its slot's network (with its alias), and the tenant's for backend and edge. */
function networksOf(
    member: SlotService | "job",
    slot: Slot,
    names: { shared?: pulumi.Input<string>; slots: Record<Slot, pulumi.Input<string>> },
): Parts["networks"] {
    const own = { name: names.slots[slot], ...(member === "job" ? {} : { aliases: [member] }) };
    return names.shared !== undefined && (member === "backend" || member === "edge") ? [{ name: names.shared }, own] : [own];
}

function slotLabelMap(tenant: string, slot: Slot, service?: SlotService): Record<string, string> {
    return { ...naming.labels(tenant, service), [SLOT_LABEL]: String(slot) };
}

export interface SlotContainerInputs {
    readonly cfg: TenantConfig;
    readonly ports: TenantPorts;
    readonly spec: ServiceSpec;
    readonly credentials: SecretCredentials;
    readonly shared: docker.Network;
    readonly slots: Record<Slot, docker.Network>;
    readonly volume: docker.Volume | undefined;
    readonly decl: SlotDeclaration;
    readonly after: readonly pulumi.Resource[];
    readonly follows: readonly (readonly [string, pulumi.CustomResource])[];
}

export function createSlotContainer(name: string, i: SlotContainerInputs, parent: pulumi.Resource): docker.Container {
    const { cfg, decl } = i;
    const service = i.spec.service as SlotService;
    const { slot, revision } = decl.plan;
    return new docker.Container(
        naming.logicalName(name, service, "container"),
        serviceContainerArgs(cfg, i.ports, i.spec, {
            image: decl.imageIds[service],
            envs: containerEnv(i.spec, i.credentials),
            labels: followLabels({ ...slotLabelMap(cfg.tenant, slot, service), [REVISION_LABEL]: revision }, i.follows),
            networks: networksOf(service, slot, { shared: i.shared.name, slots: { 1: i.slots[1].name, 2: i.slots[2].name } }),
            volume: i.volume?.name,
            slot,
        }),
        {
            parent,
            deleteBeforeReplace: decl.plan.deleteFirst[service],
            dependsOn: [...i.after, i.slots[slot]],
            replaceOnChanges: REPLACE_ON_CHANGES,
        },
    );
}

export function createSlotJob(
    name: string,
    i: {
        cfg: TenantConfig;
        credentials: SecretCredentials;
        slots: Record<Slot, docker.Network>;
        decl: SlotDeclaration;
        after: readonly pulumi.Resource[];
    },
    parent: pulumi.Resource,
): docker.Container {
    const { slot, revision } = i.decl.plan;
    const job = REDIS_TOKEN_JOB;
    return new docker.Container(
        naming.logicalName(name, job.job, "job"),
        jobContainerArgs(i.cfg, job, {
            image: i.decl.imageIds.backend,
            envs: jobEnv(job, i.credentials),
            labels: labelList({ ...jobLabels(i.cfg.tenant, job), [SLOT_LABEL]: String(slot), [REVISION_LABEL]: revision }),
            networks: networksOf("job", slot, { slots: { 1: i.slots[1].name, 2: i.slots[2].name } }),
            slot,
        }),
        { parent, deleteBeforeReplace: i.decl.plan.deleteFirst[SLOT_JOB], dependsOn: [...i.after, i.slots[slot]] },
    );
}

const GENERATED = "(generated once into the stack's state)";

/**
 * Everything the program declares for the tier in both slots, as plain values, with what a
 * replacement does not follow left out (what updates in place, the revision label itself, the
 * IDs in the follow labels, which change only with a replacement). Its HMAC is the revision.
 */
export function declaredTier(
    cfg: TenantConfig,
    ports: TenantPorts,
    specs: readonly ServiceSpec[],
    imageIds: Readonly<Record<SlotService, string>>,
): unknown {
    const creds: Credentials = {
        redisToken: cfg.redisToken ?? GENERATED,
        adminPassword: cfg.adminPassword ?? GENERATED,
        encryptionKey: cfg.encryptionKey ?? GENERATED,
        dbPassword: cfg.database === "postgres" ? (cfg.dbPassword ?? GENERATED) : undefined,
    };
    const names = {
        shared: naming.networkName(cfg.tenant),
        slots: { 1: naming.slotNetworkName(cfg.tenant, 1), 2: naming.slotNetworkName(cfg.tenant, 2) },
    };
    const followed = (spec: ServiceSpec | JobSpec) =>
        "service" in spec ? [...(spec.follows ?? []), ...(spec.afterJobs ?? [])].map((f) => `${FOLLOWS_LABEL_PREFIX}${f}`) : [];
    const plain = (labels: Record<string, string>, follows: string[]): LabelList =>
        labelList({ ...labels, ...Object.fromEntries(follows.map((k) => [k, "(id)"])) });
    return ([1, 2] as Slot[]).map((slot) => [
        ...specs
            .filter((s) => isSlotService(s.service))
            .map((spec) =>
                withoutInPlace(
                    serviceContainerArgs(cfg, ports, spec, {
                        image: imageIds[spec.service as SlotService],
                        envs: envList(spec.env(creds)),
                        labels: plain(slotLabelMap(cfg.tenant, slot, spec.service as SlotService), followed(spec)),
                        networks: networksOf(spec.service as SlotService, slot, names),
                        volume: spec.dataPath ? naming.volumeName(cfg.tenant, spec.service) : undefined,
                        slot,
                    }),
                ),
            ),
        withoutInPlace(
            jobContainerArgs(cfg, REDIS_TOKEN_JOB, {
                image: imageIds.backend,
                envs: envList(REDIS_TOKEN_JOB.env(creds)),
                labels: plain({ ...jobLabels(cfg.tenant, REDIS_TOKEN_JOB), [SLOT_LABEL]: String(slot) }, []),
                networks: networksOf("job", slot, names),
                slot,
            }),
        ),
    ]);
}

function withoutInPlace(args: object): object {
    return Object.fromEntries(Object.entries(args).filter(([k]) => !(IN_PLACE as readonly string[]).includes(k)));
}
