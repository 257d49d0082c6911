// Tenant domains: host-name validation and claims across stack files. Pure: no Pulumi import.
//
// A domain routes a tenant through the host's proxy (stacks/proxy.ts), which asks an ACME CA
// for its certificate by HTTP-01: so a domain is a DNS host name, lowercase (a domain written
// twice with different case would be claimed twice), never a wildcard (HTTP-01 cannot
// validate one), never an IP address.

/** RFC 1123 host names, at most 253 characters, labels of 1-63; lowercase. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why `name` is not a domain a tenant may claim, or undefined when it is one. */
export function domainProblem(name: string): string | undefined {
    if (typeof name !== "string" || name.length === 0) return "must be a host name such as app.example.com";
    if (name.length > 253) return `must be at most 253 characters (got ${name.length})`;
    if (name !== name.toLowerCase()) return `must be lowercase (got "${name}"; use "${name.toLowerCase()}")`;
    if (name.startsWith("*.")) return `must not be a wildcard (got "${name}"): the proxy's ACME HTTP-01 challenge cannot validate one`;
    const labels = name.split(".");
    if (labels.length < 2) return `must have at least two labels, such as app.example.com (got "${name}")`;
    const bad = labels.find((l) => !LABEL.test(l));
    if (bad !== undefined)
        return `must be a host name: labels of letters, digits and inner hyphens, 1-63 characters, separated by single dots (got "${name}")`;
    if (/^\d+$/.test(labels[labels.length - 1])) return `must be a host name, not an IP address (got "${name}")`;
    return undefined;
}

export interface DomainClaim {
    /** The stack file that claims the domains, e.g. `Pulumi.tenant1.yaml`. */
    readonly file: string;
    readonly domains: readonly string[];
}

/**
 * Every domain claimed by more than one stack file (or twice in one), as a problem naming the
 * files: the proxy can route a host name to one tenant only.
 */
export function duplicateDomains(claims: readonly DomainClaim[]): string[] {
    const owners = new Map<string, string[]>();
    for (const c of claims) for (const d of c.domains) owners.set(d, [...(owners.get(d) ?? []), c.file]);
    return [...owners.entries()]
        .filter(([, files]) => files.length > 1)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(
            ([d, files]) =>
                `frontbase:domains: "${d}" is claimed by ${[...new Set(files)].join(" and ")}${new Set(files).size === 1 ? " twice" : ""}; a domain routes to one tenant only`,
        );
}

/**
 * What `tenant new <stack> --domain <name>...` may write as `frontbase:domains`: every
 * problem with the requested names (invalid, given twice, claimed by another stack file), for
 * the command to print before it writes anything. `others`: the project's other stack files.
 */
export function newDomainProblems(stack: string, requested: readonly string[], others: readonly DomainClaim[]): string[] {
    const problems: string[] = [];
    requested.forEach((d, k) => {
        const problem = domainProblem(d);
        if (problem) problems.push(`--domain ${JSON.stringify(d)}: ${problem}`);
        else if (requested.indexOf(d) !== k) problems.push(`--domain ${JSON.stringify(d)}: given twice`);
    });
    const own = `Pulumi.${stack}.yaml`;
    for (const p of duplicateDomains([{ file: own, domains: [...new Set(requested)] }, ...others.filter((o) => !o.file.endsWith(own))])) {
        if (p.includes(own)) problems.push(p);
    }
    return problems;
}
