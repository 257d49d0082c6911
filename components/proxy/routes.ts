// The proxy's routes, derived from the committed tenant stack files. Pure: no Pulumi, no fs.
//
// Only what a stack file says counts (its `frontbase:domains` and pinned `frontbase:ports.frontend`),
// never what a host happens to run: so a pull request that adds a domain changes the proxy
// stack's inputs, and its preview shows the new route.
import { ALL_INTERFACES, LOOPBACK } from "../config";
import { domainProblem, duplicateDomains } from "./domains";

import { PROXY_STACK } from "../naming";

export { PROXY_STACK };

export interface StackConfigFile {
    readonly stack: string;
    /** Its path, for messages. */
    readonly file: string;
    /** Plain values, `namespace:key` -> the string Pulumi hands a program. */
    readonly config: Readonly<Record<string, string>>;
}

export interface Route {
    /** The tenant's stack. */
    readonly stack: string;
    readonly domains: readonly string[];
    /** Where the proxy dials the tenant's frontend: its host port, on the address it is published on. */
    readonly upstream: string;
    /**
     * A tenant with two slots (components/slots.ts, `frontbase:ports.frontend2` pinned): its second
     * frontend. The proxy uses the first of the two that answers, so an update that moves the
     * tenant to the other slot needs no change here.
     */
    readonly slot2?: string;
    /**
     * Its stack file says `frontbase:suspended: true`: nothing of it runs, so the proxy answers
     * its domains itself, 503 with a one-line page, certificates managed as for any domain.
     */
    readonly suspended?: true;
}

export class RouteError extends Error {
    constructor(readonly problems: readonly string[]) {
        super(`Cannot derive the proxy's routes from the tenant stack files:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "RouteError";
    }
}

function json(text: string | undefined): unknown {
    if (text === undefined) return undefined;
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** The domains a stack file claims (validated), with a problem per bad entry. */
export function domainsOf(f: StackConfigFile): { domains: string[]; problems: string[] } {
    const raw = json(f.config["frontbase:domains"]);
    if (raw === undefined) return { domains: [], problems: [] };
    if (!Array.isArray(raw))
        return { domains: [], problems: [`${f.file}: frontbase:domains: must be a list of host names, e.g. ["app.example.com"]`] };
    const problems: string[] = [];
    const domains: string[] = [];
    raw.forEach((d, k) => {
        const problem = typeof d === "string" ? domainProblem(d) : "must be a host name such as app.example.com";
        if (problem) problems.push(`${f.file}: frontbase:domains.${k}: ${problem}`);
        else domains.push(d as string);
    });
    return { domains, problems };
}

/**
 * Every tenant with domains -> one route, and every problem of the fleet's domains: a bad
 * domain, one claimed twice, a tenant with domains whose frontend port is not pinned.
 * For `tenant check` and the proxy program alike.
 */
export function fleetRoutes(files: readonly StackConfigFile[]): { routes: Route[]; problems: string[] } {
    const problems: string[] = [];
    const routes: Route[] = [];
    const claims: { file: string; domains: string[] }[] = [];
    for (const f of [...files].sort((a, b) => a.stack.localeCompare(b.stack))) {
        if (f.stack === PROXY_STACK) continue;
        const { domains, problems: bad } = domainsOf(f);
        problems.push(...bad);
        if (domains.length === 0) continue;
        claims.push({ file: f.file, domains });
        const port = (json(f.config["frontbase:ports"]) as { frontend?: unknown } | undefined)?.frontend;
        if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
            problems.push(
                `${f.file}: frontbase:ports.frontend: must be pinned for a tenant with frontbase:domains (the proxy routes to it); run \`npm run tenant -- new ${f.stack} --force\``,
            );
            continue;
        }
        const address = dialAddress(f, problems);
        const port2 = f.config["frontbase:target"] === "swarm" ? undefined : secondFrontend(f, problems);
        const suspended = f.config["frontbase:suspended"] === "true" ? { suspended: true as const } : {};
        if (address !== undefined)
            routes.push({
                stack: f.stack,
                domains,
                upstream: `${address}:${port}`,
                ...(port2 ? { slot2: `${address}:${port2}` } : {}),
                ...suspended,
            });
    }
    problems.push(...duplicateDomains(claims));
    return { routes, problems };
}

/** `frontbase:ports.frontend2`, when pinned (a valid port) in the stack file. */
function secondFrontend(f: StackConfigFile, problems: string[]): number | undefined {
    const port = (json(f.config["frontbase:ports"]) as { frontend2?: unknown } | undefined)?.frontend2;
    if (port === undefined) return undefined;
    if (typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65535) return port;
    problems.push(`${f.file}: frontbase:ports.frontend2: must be a port number from 1 to 65535 (the proxy routes to it)`);
    return undefined;
}

/**
 * Where the proxy reaches a tenant's frontend port. On its own host: the address the port is
 * published on (loopback for all interfaces). A swarm tenant publishes on its node, in host
 * mode on every interface there: the proxy dials the node's address, its `publicHost`.
 */
function dialAddress(f: StackConfigFile, problems: string[]): string | undefined {
    if (f.config["frontbase:target"] === "swarm") {
        const host = f.config["frontbase:publicHost"];
        if (!host)
            problems.push(
                `${f.file}: frontbase:publicHost: must be the node's address for a swarm tenant with frontbase:domains (the proxy dials it); \`npm run tenant -- new ${f.stack} --force\` writes it`,
            );
        return host;
    }
    const bind = f.config["frontbase:bindAddress"] ?? LOOPBACK;
    return bind === ALL_INTERFACES ? LOOPBACK : bind;
}

/** The proxy's routes; every problem is thrown together, before the proxy declares anything. */
export function routesFromStackFiles(files: readonly StackConfigFile[]): Route[] {
    const { routes, problems } = fleetRoutes(files);
    if (problems.length > 0) throw new RouteError(problems);
    return routes;
}
