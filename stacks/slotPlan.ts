// The stack program's read of a tenant with two slots (components/slots.ts): the app images'
// IDs and the tier's containers on its Docker host, then where to declare the tier. It only
// reads, at preview and at `up` alike, so a preview shows what `up` will do.
import type Docker from "dockerode";
import type { TenantConfig } from "../components/config";
import { TenantPorts } from "../components/naming";
import { tenantServices } from "../components/services";
import { declaredTier, isSlotService, SlotDeclaration } from "../components/slotContainers";
import { LiveAppContainer, planSlot, SLOT_JOB, SLOT_SERVICES, SlotService, tierRevision } from "../components/slots";
import { readTenantContainers, TenantContainer } from "../docker/containers";

export async function readSlotDeclaration(
    docker: Docker,
    cfg: TenantConfig,
    ports: TenantPorts,
    dockerHost: string,
): Promise<SlotDeclaration> {
    if (cfg.encryptionKey === undefined)
        throw new Error("readSlotDeclaration: a tenant with two slots has its encryption key in its stack file");
    const imageIds = await imageIdsOf(docker, cfg, dockerHost);
    const revision = tierRevision(declaredTier(cfg, ports, tenantServices(cfg, ports), imageIds), cfg.encryptionKey);
    const live = (await readTenantContainers(docker, cfg.tenant)).flatMap(liveApp);
    return { plan: planSlot(live, revision, { suspended: cfg.suspended }), imageIds };
}

/** A tenant container as the slot plan sees it; data services are not in a slot. */
export function liveApp(c: TenantContainer): LiveAppContainer[] {
    const member = isSlotService(c.service) || c.service === SLOT_JOB ? (c.service as LiveAppContainer["member"]) : undefined;
    if (!member) return [];
    return [
        {
            member,
            slot: c.slot,
            revision: c.revision,
            running: c.state === "running",
            healthy: c.health === "healthy" || c.health === "none",
            created: c.created ?? 0,
        },
    ];
}

/** The `sha256:` ID of each app image on the Docker host; a missing one stops the deploy, naming it. */
async function imageIdsOf(docker: Docker, cfg: TenantConfig, dockerHost: string): Promise<Record<SlotService, string>> {
    const ids = await Promise.all(
        SLOT_SERVICES.map(async (service) => {
            const image = cfg.images[service];
            try {
                return (await docker.getImage(image).inspect()).Id;
            } catch (e) {
                if ((e as { statusCode?: number }).statusCode !== 404) throw e;
                throw new Error(
                    `image ${image} (frontbase:images.${service}) is not on the Docker host ${dockerHost}; Frontbase publishes no images, ` +
                        `so build them there once: bash scripts/build-frontbase-images.sh [<path to a Frontbase checkout>]`,
                    { cause: e },
                );
            }
        }),
    );
    return Object.fromEntries(SLOT_SERVICES.map((s, k) => [s, ids[k]])) as Record<SlotService, string>;
}
