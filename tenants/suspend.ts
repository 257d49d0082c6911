// `suspend <tenant>` / `resume <tenant>`: declare the tenant suspended (or not) in its stack file,
// `frontbase:suspended: true` (resume removes the key), then deploy it with `pulumi up`. What a
// suspension declares is components/containerArgs.ts SUSPENDED (one Docker host) and 0 replicas
// (swarm). Checked first, written once, last: a refused or failed command leaves the file as it was.
// A tenant with domains: the proxy stack is deployed after it, so its domains answer 503 (or the
// app again), as CI does for a pull request that changes a stack file (gitops/affected.ts).
import { existsSync } from "fs";
import * as path from "path";
import { domainsOf, PROXY_STACK } from "../components/proxy/routes";
import { tenantPortKeys } from "../components/slots";
import { findStackFile } from "../project/project";
import { readFileSafely, replaceFile } from "../project/safeFs";
import { MAX_STACK_FILE_BYTES, StackFile, stackFileName, updateStackFile } from "../project/stackFiles";
import { pinsOf } from "../project/stackPins";
import { Context, requireProject } from "./context";
import { unknownTenant } from "./open";

export const SUSPENDED_KEY = "frontbase:suspended";

export interface SuspendRequest {
    readonly tenant: string;
    /** true: suspend; false: resume. */
    readonly suspended: boolean;
    /** false: only write the stack file (for a pull request); CI or `npm run deploy` deploys it. */
    readonly deploy: boolean;
}

export interface SuspendResult {
    readonly stack: string;
    readonly file: string;
    /** The stack file already said so: nothing written. */
    readonly unchanged: boolean;
    /** The tenant has domains and the project a proxy stack, whose routes follow the stack file. */
    readonly proxied: boolean;
    /** `pulumi up`'s exit code; undefined when not deployed. */
    readonly upExit?: number;
    /**
     * The tenant has domains and the project a proxy stack: the proxy's `pulumi up` exit code
     * (its routes come from the stack files: 503 for a suspended tenant's domains, the app again
     * once resumed); undefined when it was not run.
     */
    readonly proxyExit?: number;
    /** The host ports the stack file pins: a suspended tenant's, kept. */
    readonly ports: string;
}

/**
 * Why the stack file cannot be suspended or resumed as it is, or undefined. Its config must be
 * valid (a deploy of it would fail) and pin every port it uses: a suspended tenant binds none,
 * and the stack file's pins are what keeps them its own.
 */
export function suspendProblem(f: StackFile, tenant: string): string | undefined {
    const pins = pinsOf(f);
    if (!pins.config) return `${f.file}: ${pins.problems.join("; ")}; fix it first (npm run tenant -- check)`;
    const unpinned = tenantPortKeys(pins.config).filter((k) => pins.config!.ports[k] === undefined);
    if (unpinned.length > 0)
        return `${f.file}: frontbase:ports.${unpinned.join(", ports.")} not pinned, so a suspended tenant's ports could be given to another; pin them first: npm run tenant -- new ${tenant} --force`;
    return undefined;
}

export async function setSuspended(ctx: Context, req: SuspendRequest): Promise<SuspendResult> {
    const projectDir = requireProject(ctx);
    const f = await findStackFile(projectDir, req.tenant);
    if (!f) throw await unknownTenant(ctx, req.tenant);
    const problem = suspendProblem(f, req.tenant);
    if (problem) throw new Error(problem);
    const unchanged = (f.config[SUSPENDED_KEY] === "true") === req.suspended;
    const pinned = pinsOf(f).ports;
    const ports = Object.entries(pinned)
        .map(([k, p]) => `${k} ${p}`)
        .join(", ");
    const proxied = domainsOf(f).domains.length > 0 && existsSync(path.join(projectDir, stackFileName(PROXY_STACK)));
    const before = await readFileSafely(f.file, { maxBytes: MAX_STACK_FILE_BYTES });
    if (!unchanged) await updateStackFile(f.file, { [SUSPENDED_KEY]: req.suspended ? true : undefined });
    if (!req.deploy) return { stack: f.stack, file: f.file, unchanged, proxied, ports };
    const upExit = await ctx.pulumi(["up", "--stack", f.stack, "--yes"]);
    // The stack file says what the tenant is: a deploy that failed must not leave it saying otherwise.
    if (upExit !== 0 && !unchanged) await replaceFile(f.file, before, 0o644);
    if (upExit !== 0 || !proxied) return { stack: f.stack, file: f.file, unchanged, proxied, upExit, ports };
    const proxyExit = await ctx.pulumi(["up", "--stack", PROXY_STACK, "--yes"]);
    return { stack: f.stack, file: f.file, unchanged, proxied, upExit, proxyExit, ports };
}
