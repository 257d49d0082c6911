// What `verify <stack>` concludes after a deploy, and the exact recovery command. Pure.
//
// Why it exists: a container that failed its health wait stays in Pulumi's state with an
// initialisation error, and the next `pulumi up` performs an empty update that neither waits
// nor restarts it, and reports success (../shared/FIELD-NOTES.md section 3). So a green
// `pulumi up` does not prove a healthy tenant: the Engine API is asked, and a broken service
// is re-created with `pulumi up --replace <urn>`.
import { logicalName, SERVICES, ServiceName, TENANT_STACK_TYPE } from "../../components/naming";
import type { TenantStatus } from "../../tenants/status";

/** The URN Pulumi gives a tenant's container: TenantStack `<tenant>` parents it. */
export function containerUrn(a: { stack: string; project: string; tenant: string; service: ServiceName }): string {
    return `urn:pulumi:${a.stack}::${a.project}::${TENANT_STACK_TYPE}$docker:index/container:Container::${logicalName(a.tenant, a.service, "container")}`;
}

/** The URN of a swarm tenant's service. */
export function serviceUrn(a: { stack: string; project: string; tenant: string; service: ServiceName }): string {
    return `urn:pulumi:${a.stack}::${a.project}::${TENANT_STACK_TYPE}$docker:index/service:Service::${logicalName(a.tenant, a.service, "service")}`;
}

/** The URN of a tenant's one-shot job container. */
export function jobUrn(a: { stack: string; project: string; tenant: string; job: string }): string {
    return `urn:pulumi:${a.stack}::${a.project}::${TENANT_STACK_TYPE}$docker:index/container:Container::${logicalName(a.tenant, a.job, "job")}`;
}

export interface Verdict {
    readonly healthy: boolean;
    /** Services that are unhealthy, exited or missing, in start order. */
    readonly broken: readonly ServiceName[];
    /** One-shot jobs that failed (exited non-zero). */
    readonly failedJobs: readonly string[];
    /** Of those, the ones with no container: `pulumi up` creates them, nothing to replace. */
    readonly missing: readonly ServiceName[];
    /** Still starting: worth waiting for before calling them broken. */
    readonly starting: readonly ServiceName[];
    readonly replaceUrns: readonly string[];
    /** The one command that re-creates every broken container. */
    readonly recovery?: string;
}

export function verdictOf(status: TenantStatus, a: { stack: string; project: string; tenant: string; swarm?: boolean }): Verdict {
    const bad = new Set<ServiceName>();
    const missing = new Set<ServiceName>();
    const starting = new Set<ServiceName>();
    const failedJobs: string[] = [];
    // Suspended (tenants/status.ts): nothing should run; one that does needs the suspension deployed, not replaced.
    const stillRunning: ServiceName[] = [];
    for (const s of status.services) {
        if (s.job !== undefined) {
            if (s.state !== "running" && s.state !== "exited (0)" && !(status.suspended && s.state === "created")) failedJobs.push(s.job);
            continue;
        }
        if (!(SERVICES as readonly string[]).includes(s.service)) continue;
        const service = s.service as ServiceName;
        if (status.suspended) {
            if (s.state === "running") stillRunning.push(service);
        } else if (s.state === "missing") missing.add(service);
        // Health resets to "starting" at every restart: a crash loop would look like a slow start.
        else if (s.state === "running" && s.health === "starting" && (s.restarts ?? 0) === 0) starting.add(service);
        else if (s.state !== "running" || s.health === "unhealthy" || s.health === "starting") bad.add(service);
    }
    const broken = SERVICES.filter((s) => bad.has(s) || missing.has(s) || stillRunning.includes(s));
    const replaceUrns = [
        ...failedJobs.map((job) => jobUrn({ ...a, job })),
        ...SERVICES.filter((s) => bad.has(s)).map((service) => (a.swarm ? serviceUrn : containerUrn)({ ...a, service })),
    ];
    return {
        healthy: broken.length === 0 && failedJobs.length === 0 && starting.size === 0,
        broken,
        failedJobs,
        missing: SERVICES.filter((s) => missing.has(s)),
        starting: SERVICES.filter((s) => starting.has(s)),
        replaceUrns,
        recovery: broken.length > 0 || failedJobs.length > 0 ? recoveryCommand(a.stack, replaceUrns) : undefined,
    };
}

export function recoveryCommand(stack: string, urns: readonly string[]): string {
    return [`pulumi up --stack ${stack}`, ...urns.map((u) => `--replace '${u}'`)].join(" ");
}
