// What a test tenant left on the Docker Engine, found and removed by its label
// (frontbase.tenant=<tenant>), so that every test cleans up after itself, also after a failure.
import Docker from "dockerode";
import { dockerClient } from "../../../docker/dockerHost";
import { TENANT_LABEL } from "../../../components/naming";
import { PROXY_CONTAINER, PROXY_RELOAD_CONTAINER, proxyVolumeName } from "../../../components/proxy/naming";

export const docker: Docker = dockerClient();

export interface TenantObjects {
    readonly containers: Docker.ContainerInfo[];
    readonly networks: Docker.NetworkInspectInfo[];
    readonly volumes: { Name: string; Labels: Record<string, string> }[];
}

export async function tenantObjects(tenant: string): Promise<TenantObjects> {
    const filters = { label: [`${TENANT_LABEL}=${tenant}`] };
    const [containers, networks, volumes] = await Promise.all([
        docker.listContainers({ all: true, filters }),
        docker.listNetworks({ filters }),
        docker.listVolumes({ filters }),
    ]);
    return { containers, networks, volumes: (volumes.Volumes ?? []) as TenantObjects["volumes"] };
}

/** Remove every container, network and volume of a test tenant. Refuses non-test tenants. */
export async function removeTenant(tenant: string): Promise<void> {
    if (!tenant.startsWith("it-")) throw new Error(`refusing to remove ${tenant}: not a test tenant (it-*)`);
    const o = await tenantObjects(tenant);
    await Promise.all(o.containers.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true }).catch(ignoreGone)));
    await Promise.all(o.networks.map((n) => docker.getNetwork(n.Id).remove().catch(ignoreGone)));
    await Promise.all(o.volumes.map((v) => docker.getVolume(v.Name).remove().catch(ignoreGone)));
}

function ignoreGone(e: unknown): void {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
}

/** Remove the host's proxy (Caddy and its reload job, its data and config volumes) and whatever of it is left. */
export async function removeProxy(): Promise<void> {
    for (const c of [PROXY_RELOAD_CONTAINER, PROXY_CONTAINER])
        await docker
            .getContainer(c)
            .remove({ force: true })
            .catch(() => undefined);
    for (const v of ["data", "config"] as const)
        await docker
            .getVolume(proxyVolumeName(v))
            .remove()
            .catch(() => undefined);
}
