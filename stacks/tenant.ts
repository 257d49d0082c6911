// The tenant stack program: stack config -> validated config -> ports -> TenantStack -> outputs.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseTenantConfig, TenantConfig } from "../components/config";
import { PORT_KEYS, PortKey } from "../components/naming";
import { TenantStack } from "../components/TenantStack";

export type PortResolver = (cfg: TenantConfig) => Promise<Record<PortKey, number>>;

/** Ports pinned in stack config; every published service must have one. */
export const pinnedPortsOnly: PortResolver = async (cfg) => {
    const missing = PORT_KEYS.filter((k) => cfg.ports[k] === undefined);
    if (missing.length > 0) {
        throw new ConfigError(missing.map((k) => `frontbase:ports.${k}: is required (an integer port number from 1 to 65535)`));
    }
    return cfg.ports as Record<PortKey, number>;
};

/** Read this stack's config the way the Pulumi engine hands it to the program. */
export function readStackConfig(): TenantConfig {
    const secretKeys = new Set<string>(JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]"));
    return parseTenantConfig(pulumi.runtime.allConfig(), { stack: pulumi.getStack(), secretKeys });
}

export async function tenantProgram(resolvePorts: PortResolver = pinnedPortsOnly) {
    const cfg = readStackConfig();
    const ports = await resolvePorts(cfg);
    const tenant = new TenantStack(cfg.tenant, { config: cfg, ports });
    return {
        tenant: tenant.tenant,
        project: tenant.project,
        network: tenant.network,
        volumes: tenant.volumes,
        ports: tenant.ports,
        urls: tenant.urls,
        adminEmail: tenant.adminEmail,
        adminPassword: tenant.adminPassword,
        redisToken: tenant.redisToken,
        ...(tenant.dbPassword ? { dbPassword: tenant.dbPassword } : {}),
    };
}
