// What `alerts` finds wrong in one look at the fleet, each as a finding with a stable key: a
// service down, unhealthy or restarting; a last backup too old or missing; a proxy certificate
// close to its end; a volume too big; a last restore drill failed, too old or missing; and a
// check that could not look (a Docker host or the backup repository not answering). Pure:
// observations and thresholds in, findings out. How long a finding must last before it fires,
// and what fired before, is alertState.ts's business.
import { tenantOfLabels } from "../components/naming";
import type { TenantContainer } from "../docker/containers";
import { age } from "../tenants/checks";
import type { DrillRecord } from "./drillLog";
import type { VolumeSize } from "./usage";

export const CHECKS = ["service", "backup", "certificate", "volume", "drill", "check"] as const;
export type CheckName = (typeof CHECKS)[number];

export interface Finding {
    /** `<check>:<tenant>:<subject>`, or `<check>:<subject>` for what is no tenant's: the alert's identity across runs. */
    readonly key: string;
    readonly check: CheckName;
    readonly tenant?: string;
    readonly subject: string;
    readonly message: string;
    /** When the condition began, when the observation says (a stopped container's FinishedAt). */
    readonly since?: number;
    /** How long it must last before it fires (0: at once). */
    readonly holdMs: number;
}

export interface Thresholds {
    /** A service down, unhealthy or restarting for this long fires. */
    readonly downForMs: number;
    /** Undefined: the check is off. */
    readonly backupAgeMs?: number;
    readonly certWithinMs?: number;
    readonly volumeBytes?: number;
    readonly drillAgeMs?: number;
}

export const DEFAULT_THRESHOLDS = {
    downFor: "5m",
    backupAge: "26h",
    certWithin: "14d",
    volumeSize: "10GiB",
    drillAge: "8d",
} as const;

export interface HostObservation {
    readonly dockerHost: string;
    /** Why the Engine could not be read; then nothing else is known of its tenants. */
    readonly problem?: string;
    readonly containers: readonly TenantContainer[];
    readonly volumes: readonly VolumeSize[];
    /** The tenants whose stack files name this host. */
    readonly stackTenants: readonly string[];
    /** The host that tenants without a stack file (known by labels only) live on. */
    readonly isDefault: boolean;
}

export interface Observation {
    readonly now: number;
    readonly hosts: readonly HostObservation[];
    /** Services each stack-file tenant deploys (tenants/status.ts expectedServices). */
    readonly expected: Readonly<Record<string, readonly string[]>>;
    /** Tenant -> its newest snapshot's time (ISO); `problem` when the repository could not be read. */
    readonly backups: { readonly last: Readonly<Record<string, string>> } | { readonly problem: string };
    /** The proxy's certificates; undefined when the host has no proxy. */
    readonly certificates?: readonly { readonly domain: string; readonly notAfter: number }[] | { readonly problem: string };
    /** Tenant -> its last restore drill; `problem` when the drill log could not be read. */
    readonly drills: Readonly<Record<string, DrillRecord>> | { readonly problem: string };
    /** Stack files that could not be read (`<file>: why`): their tenants are not looked at. */
    readonly unreadable: readonly string[];
}

export interface Look {
    readonly findings: readonly Finding[];
    /** Key prefixes that could not be looked at this time: alerts under them stay as they were. */
    readonly unknown: readonly string[];
}

const finding = (
    check: CheckName,
    tenant: string | undefined,
    subject: string,
    f: Omit<Finding, "key" | "check" | "tenant" | "subject">,
) => ({
    key: [check, tenant, subject].filter((x) => x !== undefined).join(":"),
    check,
    ...(tenant !== undefined ? { tenant } : {}),
    subject,
    ...f,
});

/** A drill's temporary tenant (monitor/drill.ts drillName): it comes and goes within a drill and is judged by the drill. */
export const DRILL_TENANT = /^drill-[0-9a-f]{6}-/;

export function look(o: Observation, t: Thresholds): Look {
    const findings: Finding[] = [];
    const unknown: string[] = [];
    const deployed = new Set<string>();
    for (let h of o.hosts) {
        if (h.problem) {
            findings.push(
                finding("check", undefined, `engine ${h.dockerHost}`, {
                    message: `the Docker Engine at ${h.dockerHost} cannot be read: ${h.problem}`,
                    holdMs: 0,
                }),
            );
            const tenants = h.isDefault ? [""] : h.stackTenants;
            for (const tenant of tenants)
                unknown.push(...["service", "volume", "backup", "drill"].map((c) => (tenant ? `${c}:${tenant}:` : `${c}:`)));
            continue;
        }
        h = {
            ...h,
            containers: h.containers.filter((c) => !DRILL_TENANT.test(c.tenant)),
            volumes: h.volumes.filter((v) => !DRILL_TENANT.test(tenantOfLabels(v.labels) ?? "")),
        };
        for (const c of h.containers) deployed.add(c.tenant);
        for (const v of h.volumes) deployed.add(tenantOfLabels(v.labels) ?? "");
        findings.push(...serviceFindings(h, o, t));
        if (t.volumeBytes !== undefined) findings.push(...volumeFindings(h, t.volumeBytes));
    }
    for (const u of o.unreadable)
        findings.push(finding("check", undefined, `stack file ${u.split(":")[0]}`, { message: `cannot read ${u}`, holdMs: 0 }));
    const tenants = [...deployed].filter((x) => o.expected[x] !== undefined).sort();
    findings.push(
        ...backupFindings(o, t, tenants, unknown),
        ...drillFindings(o, t, tenants, unknown),
        ...certificateFindings(o, t, unknown),
    );
    return { findings, unknown };
}

function serviceFindings(h: HostObservation, o: Observation, t: Thresholds): Finding[] {
    const out: Finding[] = [];
    const since = (c: TenantContainer) => (c.stateSince ? Date.parse(c.stateSince) : undefined);
    for (const c of h.containers) {
        const f = (message: string, at?: number) =>
            out.push(
                finding("service", c.tenant, c.service, {
                    message: `${c.service} (${c.name}) ${message}`,
                    ...(at !== undefined ? { since: at } : {}),
                    holdMs: t.downForMs,
                }),
            );
        if (c.job !== undefined) {
            if (c.state === "exited" && c.exitCode !== 0) f(`exited with ${c.exitCode}`, since(c));
            else if (c.state !== "exited" && c.state !== "running") f(`is ${c.state}`);
        } else if (c.state === "restarting") f(`is restarting (restarted ${c.restarts} times)`);
        else if (c.state !== "running") f(`is ${c.state}${c.exitCode !== undefined ? ` (exit ${c.exitCode})` : ""}`, since(c));
        else if (c.health === "unhealthy") f(`is unhealthy${c.restarts > 0 ? ` (restarted ${c.restarts} times)` : ""}`);
        else if (c.health === "starting") f(`is still starting${c.restarts > 0 ? ` (restarted ${c.restarts} times)` : ""}`, since(c));
    }
    // A deployed tenant missing a service its stack file deploys.
    for (const tenant of new Set(h.containers.map((c) => c.tenant)))
        for (const s of o.expected[tenant] ?? [])
            if (!h.containers.some((c) => c.tenant === tenant && c.service === s))
                out.push(finding("service", tenant, s, { message: `${s} has no container`, holdMs: t.downForMs }));
    return out;
}

function volumeFindings(h: HostObservation, limit: number): Finding[] {
    return h.volumes
        .filter((v) => tenantOfLabels(v.labels) !== undefined && v.bytes !== undefined && v.bytes > limit)
        .map((v) =>
            finding("volume", tenantOfLabels(v.labels), v.name, {
                message: `volume ${v.name} holds ${gib(v.bytes!)}, above ${gib(limit)}`,
                holdMs: 0,
            }),
        );
}

const gib = (n: number) => `${(n / 1024 ** 3).toFixed(2)} GiB`;

function backupFindings(o: Observation, t: Thresholds, tenants: readonly string[], unknown: string[]): Finding[] {
    if (t.backupAgeMs === undefined) return [];
    if ("problem" in o.backups) {
        unknown.push("backup:");
        return [
            finding("check", undefined, "backups", { message: `the backup repository cannot be read: ${o.backups.problem}`, holdMs: 0 }),
        ];
    }
    const last = o.backups.last;
    return tenants.flatMap((tenant) => {
        const at = last[tenant] ? Date.parse(last[tenant]) : undefined;
        if (at !== undefined && o.now - at <= t.backupAgeMs!) return [];
        const message =
            at === undefined
                ? "has never been backed up"
                : `last backup ${age(o.now - at)} ago (${last[tenant]}), older than ${age(t.backupAgeMs!)}`;
        return [finding("backup", tenant, "last backup", { message: `${tenant} ${message}`, holdMs: 0 })];
    });
}

function drillFindings(o: Observation, t: Thresholds, tenants: readonly string[], unknown: string[]): Finding[] {
    if (t.drillAgeMs === undefined) return [];
    if ("problem" in o.drills) {
        unknown.push("drill:");
        return [finding("check", undefined, "drills", { message: `the drill log cannot be read: ${o.drills.problem}`, holdMs: 0 })];
    }
    const drills = o.drills;
    return tenants.flatMap((tenant) => {
        const d = drills[tenant];
        const at = d ? Date.parse(d.at) : undefined;
        let message: string | undefined;
        if (!d) message = "has never had a restore drill";
        else if (!d.passed) message = `last restore drill failed (${d.at}): ${d.reason ?? "no reason recorded"}`;
        else if (o.now - at! > t.drillAgeMs!)
            message = `last restore drill passed ${age(o.now - at!)} ago, older than ${age(t.drillAgeMs!)}`;
        return message ? [finding("drill", tenant, "last drill", { message: `${tenant} ${message}`, holdMs: 0 })] : [];
    });
}

function certificateFindings(o: Observation, t: Thresholds, unknown: string[]): Finding[] {
    if (t.certWithinMs === undefined || o.certificates === undefined) return [];
    if ("problem" in o.certificates) {
        unknown.push("certificate:");
        return [
            finding("check", undefined, "certificates", {
                message: `the proxy's certificates cannot be read: ${o.certificates.problem}`,
                holdMs: 0,
            }),
        ];
    }
    return o.certificates
        .filter((c) => c.notAfter - o.now < t.certWithinMs!)
        .map((c) => {
            const left = c.notAfter - o.now;
            const when = left <= 0 ? `expired ${age(-left)} ago` : `expires in ${age(left)}`;
            return finding("certificate", undefined, c.domain, {
                message: `the certificate for ${c.domain} ${when} (${new Date(c.notAfter).toISOString()})`,
                holdMs: 0,
            });
        });
}
