// The fleet check: every stack file valid, every pinned port inside its service's range and
// outside the reserved ports, no port pinned twice (by two tenants or two services), no
// tenant claimed by two stack files. Pure: it judges stack files already read.
// A port is a node's: two swarm tenants on different nodes may pin the same number. A tenant of
// target docker may share a host with a single-node swarm, so it clashes with every other, and so
// does a swarm tenant published through the routing mesh (publishMode ingress: on every node).
import { fleetRoutes } from "../components/proxy/routes";
import { ALL_PORT_KEYS, AnyPortKey, baseKeyOf, PORT_KEYS, SLOT_PORT_KEYS } from "../components/naming";
import { slotsWanted, tenantPortKeys } from "../components/slots";
import { inRange } from "./allocate";
import type { StackPins } from "../project/stackPins";

export interface FleetProblem {
    /** Files involved, so a report can name them. */
    readonly files: readonly string[];
    readonly port?: number;
    readonly message: string;
}

export interface FleetReport {
    readonly files: readonly string[];
    readonly tenants: readonly string[];
    readonly problems: readonly FleetProblem[];
    /** Not wrong, worth knowing: ports left to allocation at `pulumi up`. */
    readonly notes: readonly string[];
}

export function checkFleet(stacks: readonly StackPins[]): FleetReport {
    const problems: FleetProblem[] = [];
    const notes: string[] = [];
    const byTenant = new Map<string, string[]>();
    const byPort = new Map<number, { file: string; tenant: string; key: AnyPortKey; node?: string }[]>();
    const reserved = new Map<number, string>();
    for (const s of stacks) for (const p of s.reservedPorts) if (!reserved.has(p)) reserved.set(p, s.file);

    for (const s of stacks) {
        for (const message of s.problems) problems.push({ files: [s.file], message: `${s.file}: ${message}` });
        byTenant.set(s.tenant, [...(byTenant.get(s.tenant) ?? []), s.file]);
        const unpinned = (s.config ? tenantPortKeys(s.config) : PORT_KEYS).filter((k) => s.ports[k] === undefined);
        if (unpinned.length > 0)
            notes.push(
                `${s.file}: ports.${unpinned.join(", ports.")} not pinned; allocated at \`pulumi up\` (pin them for reproducible previews)`,
            );
        if (s.config && slotsWanted(s.config) && s.ports.frontend2 === undefined)
            notes.push(
                `${s.file}: has domains but no second slot (ports.${SLOT_PORT_KEYS.join(", ports.")}): its updates are delete-first, an outage; \`npm run tenant -- new ${s.stack} --force\` pins them (docs/proxy.md#updates-without-downtime)`,
            );
        for (const key of ALL_PORT_KEYS) {
            const port = s.ports[key];
            if (port === undefined) continue;
            // An ingress port is every node's: like a docker tenant's, it clashes with all.
            const node = s.config?.target === "swarm" && s.config.publishMode !== "ingress" ? s.config.node : undefined;
            byPort.set(port, [...(byPort.get(port) ?? []), { file: s.file, tenant: s.tenant, key, ...(node ? { node } : {}) }]);
            const range = s.ranges[baseKeyOf(key)];
            if (!inRange(port, range)) {
                problems.push({
                    files: [s.file],
                    port,
                    message: `${s.file}: frontbase:ports.${key} = ${port} is outside its range ${range.from}-${range.to} (frontbase:portRanges.${baseKeyOf(key)})`,
                });
            }
            const r = reserved.get(port);
            if (r !== undefined)
                problems.push({
                    files: [s.file, r],
                    port,
                    message: `${s.file}: frontbase:ports.${key} = ${port} is in frontbase:reservedPorts of ${r}`,
                });
        }
    }
    const collide = (a: { node?: string }, b: { node?: string }) => !(a.node && b.node && a.node !== b.node);
    for (const [port, all] of [...byPort].sort(([a], [b]) => a - b)) {
        const users = all.filter((u) => all.some((v) => v !== u && collide(u, v)));
        if (users.length < 2) continue;
        const who = users.map((u) => `${u.file} (tenant ${u.tenant}, ports.${u.key}${u.node ? `, node ${u.node}` : ""})`).join(" and ");
        problems.push({ files: users.map((u) => u.file), port, message: `port ${port} is pinned more than once: ${who}` });
    }
    for (const [tenant, files] of byTenant) {
        if (files.length > 1)
            problems.push({
                files,
                message: `tenant ${tenant} is claimed by ${files.length} stack files: ${files.join(", ")}; they would fight over the same containers`,
            });
    }
    problems.push(...domainProblems(stacks));
    return { files: stacks.map((s) => s.file), tenants: [...byTenant.keys()].sort(), problems, notes };
}

/**
 * The proxy's view of the fleet (components/proxy/routes.ts): a domain claimed by two stack
 * files, a tenant with domains whose frontend port is not pinned. An invalid domain is already
 * among the file's own problems (its config does not parse).
 */
function domainProblems(stacks: readonly StackPins[]): FleetProblem[] {
    const { problems } = fleetRoutes(stacks.map((s) => ({ stack: s.stack, file: s.file, config: s.raw })));
    return problems
        .filter((m) => !/: frontbase:domains(\.\d+)?: /.test(m))
        .map((message) => ({ files: stacks.filter((s) => message.includes(s.file)).map((s) => s.file), message }));
}
