// The one check every deploy path makes before anything exists: `preflight` (which `npm run
// deploy` runs) and the stack program itself, at preview and at `up`. It refuses what would
// otherwise be found mid-deploy, after a network, volumes and containers were created:
//   - the tenant claimed by another stack file (both stacks would own one set of containers);
//   - a pinned port that another stack file pins, that the ledger gives another tenant, that is
//     reserved, or that a container of another tenant or a process on the host holds.
// `deployProblems` is pure; `checkDeploy` reads the project and the Docker host once.
import type Docker from "dockerode";
import { ALL_PORT_KEYS } from "../components/naming";
import type { Ports } from "./allocate";
import { describeHolder, readHostState, SwarmNodeRef } from "./hostState";
import { readStackPins, StackPins } from "../project/stackPins";

export interface DeployTarget {
    /** The Pulumi stack being deployed. */
    readonly stack: string;
    /** Its validated `frontbase:tenant` (the stack name by default). */
    readonly tenant: string;
    readonly pinned: Readonly<Partial<Ports>>;
}

/**
 * Problems that stop a deploy, each naming the key, the other party and the fix. `holders`
 * (described, by port) is what the host holds; without it, only other stack files' pins count.
 */
export function deployProblems(t: DeployTarget, fleet: readonly StackPins[], holders?: ReadonlyMap<number, readonly string[]>): string[] {
    const problems: string[] = [];
    for (const f of fleet) {
        if (f.stack === t.stack) continue;
        if (f.unreadable)
            problems.push(
                `${f.file} cannot be read (${f.problems.join("; ")}), so the tenant and ports it claims are unknown; fix or remove it first`,
            );
        else if (f.tenant === t.tenant) {
            problems.push(
                `frontbase:tenant: tenant ${t.tenant} is also claimed by ${f.file} (stack ${f.stack}); two stacks would fight over one set of containers and volumes. ` +
                    `Give one of them another frontbase:tenant (see npm run tenant -- check)`,
            );
        }
    }
    for (const key of ALL_PORT_KEYS) {
        const port = t.pinned[key];
        if (port === undefined) continue;
        const who = holders ? (holders.get(port) ?? []) : pinsOf(fleet, t, port);
        if (who.length > 0) {
            problems.push(
                `frontbase:ports.${key}: ${port} is already taken by ${who.join("; ")}. Pin a free port (npm run tenant -- why-port ${port} says who holds it)`,
            );
        }
    }
    return problems;

    function pinsOf(all: readonly StackPins[], self: DeployTarget, port: number): string[] {
        return all
            .filter((f) => f.stack !== self.stack && f.tenant !== self.tenant && Object.values(f.ports).includes(port))
            .map((f) => `tenant ${f.tenant}'s stack file ${f.file}`);
    }
}

export interface CheckDeployOptions extends DeployTarget {
    readonly projectDir: string;
    readonly dockerHost: string;
    readonly reservedPorts?: readonly number[];
    /** An Engine API client; default: one for `dockerHost`. */
    readonly docker?: Docker;
    readonly procRoot?: string;
    /** The host's ledger; default: next to the host's lock. */
    readonly ledgerFile?: string;
    /** A swarm node: check its ports, not the manager host's (see HostStateOptions.node). */
    readonly node?: SwarmNodeRef;
}

/**
 * Reads every stack file of the project, then, if any port is pinned, what the Docker host
 * holds (containers, listeners when local, the ledger). Read only: no lock, nothing written.
 */
export async function checkDeploy(o: CheckDeployOptions): Promise<string[]> {
    const fleet = await readStackPins(o.projectDir, { lenient: true });
    const claims = deployProblems({ ...o, pinned: {} }, fleet);
    if (claims.length > 0 || Object.keys(o.pinned).length === 0) return claims;
    const state = await readHostState({
        dockerHost: o.dockerHost,
        tenant: o.tenant,
        projectDir: o.projectDir,
        docker: o.docker,
        reservedPorts: o.reservedPorts,
        procRoot: o.procRoot,
        ledgerFile: o.ledgerFile,
        lenient: true,
        node: o.node,
    });
    return deployProblems(o, fleet, new Map([...state.holders].map(([p, hs]) => [p, hs.map(describeHolder)])));
}

export class DeployCheckError extends Error {
    constructor(
        readonly stack: string,
        readonly problems: readonly string[],
    ) {
        super(`not deploying ${stack}; nothing was created:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "DeployCheckError";
    }
}
