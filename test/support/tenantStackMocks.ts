// The setup both TenantStack suites share: Pulumi mocks that record every resource, the
// component loaded after them, resource type tokens and the ports the tenants get.
import { beforeAll, beforeEach } from "vitest";
import type { TenantStack as TenantStackT } from "../../components/TenantStack";
import { installMocks, recorder } from "./pulumiMocks";

export const CONTAINER = "docker:index/container:Container";
export const VOLUME = "docker:index/volume:Volume";
export const NETWORK = "docker:index/network:Network";
export const IMAGE = "docker:index/remoteImage:RemoteImage";
export const PASSWORD = "random:index/randomPassword:RandomPassword";
export const SERVICE = "docker:index/service:Service";
export const PORTS = { backend: 8001, edge: 3003, frontend: 8081, redisHttp: 8082 };

/** Installs the mocks for the calling suite; the returned getter gives TenantStack once loaded. */
export function mockedTenantStack() {
    const rec = recorder();
    let TenantStack: typeof TenantStackT | undefined;
    beforeAll(async () => {
        await installMocks(rec);
        ({ TenantStack } = await import("../../components/TenantStack"));
    });
    beforeEach(() => rec.reset());
    return { rec, TenantStack: () => TenantStack! };
}

export const labelsOf = (inputs: Record<string, any>) => Object.fromEntries(inputs.labels.map((l: any) => [l.label, l.value]));
