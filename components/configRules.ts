// The rules that span several keys of a tenant's config, checked once each key is valid on its own
// (components/config.ts parseTenantConfig). Pure.
import { ALL_PORT_KEYS, AnyPortKey } from "./naming";
import { ALL_INTERFACES, NAMESPACE, PublishMode, Target } from "./defaults";

/** What the target rules read of a TenantConfig (config.ts), which imports this file. */
interface TargetKeys {
    readonly tenant: string;
    readonly target: Target;
    readonly node?: string;
    readonly encryptOverlay: boolean;
    readonly publishMode: PublishMode;
    readonly purgeDataOnDestroy: boolean;
    readonly bindAddress: string;
}

/** The first host port pinned for two services, named; undefined when none is. */
export function duplicatePinnedPort(ports: Partial<Record<AnyPortKey, number>>): string | undefined {
    const seen = new Map<number, AnyPortKey>();
    for (const key of ALL_PORT_KEYS) {
        const p = ports[key];
        if (p === undefined) continue;
        const other = seen.get(p);
        if (other) return `${NAMESPACE}:ports.${key}: ${p} is already used by ports.${other}; each service needs its own host port`;
        seen.set(p, key);
    }
    return undefined;
}

/** Keys that only mean something for one target are refused under the other, not ignored. */
export function targetMismatch(cfg: TargetKeys): string[] {
    const problems: string[] = [];
    if (cfg.target === "docker") {
        if (cfg.node !== undefined)
            problems.push(`${NAMESPACE}:node: only for target "swarm" (this stack's ${NAMESPACE}:target is "docker")`);
        if (cfg.encryptOverlay)
            problems.push(`${NAMESPACE}:encryptOverlay: only for target "swarm" (this stack's ${NAMESPACE}:target is "docker")`);
        if (cfg.publishMode !== "host")
            problems.push(`${NAMESPACE}:publishMode: only for target "swarm" (this stack's ${NAMESPACE}:target is "docker")`);
    } else {
        const only = (key: string, why: string) => problems.push(`${NAMESPACE}:${key}: not available for target "swarm": ${why}`);
        if (cfg.purgeDataOnDestroy)
            only(
                "purgeDataOnDestroy",
                "a swarm tenant's volumes live on its node, which the manager cannot remove; `npm run tenant -- purge` does",
            );
        if (cfg.bindAddress !== ALL_INTERFACES)
            only("bindAddress", `host-mode publishing listens on every interface of the node (allowed: ${ALL_INTERFACES})`);
    }
    if (cfg.target === "swarm" && cfg.node === undefined) {
        problems.push(
            `${NAMESPACE}:node: required for target "swarm": the node that holds the tenant's volumes; \`npm run tenant -- new ${cfg.tenant} --target swarm [--node NAME]\` picks and pins one`,
        );
    }
    return problems;
}
