// One look at the fleet for `alerts`: every Docker host the project's stack files name (and the
// shell's), each read once (the tenants' workloads, the volumes' sizes); each tenant's newest
// snapshot (one `restic snapshots`); the proxy's certificates; the drill log. A part that cannot
// be read is said in the observation, never thrown: the other checks still run.
import * as path from "path";
import { readLastBackups } from "../backup/jobs";
import { PROXY_STACK } from "../components/proxy/routes";
import { listStackFiles, readStackFile, StackFile, tenantOf } from "../project/stackFiles";
import { connect, Context, dockerHostFor } from "../tenants/context";
import { readHostWorkloads } from "../tenants/open";
import { expectedServices } from "../tenants/status";
import { readProxyCertificates } from "./certificates";
import { lastDrills } from "./drillLog";
import type { HostObservation, Observation, Thresholds } from "./findings";
import { readVolumeSizes } from "./usage";

export async function observe(ctx: Context, t: Thresholds): Promise<Observation> {
    const files: StackFile[] = [];
    const unreadable: string[] = [];
    for (const f of await listStackFiles(ctx.projectDir))
        await readStackFile(f).then(
            (s) => files.push(s),
            (e: Error) => unreadable.push(`${path.basename(f)}: ${e.message}`),
        );
    const proxy = files.find((f) => f.stack === PROXY_STACK);
    const tenants = files.filter((f) => f !== proxy);
    const defaultHost = dockerHostFor(ctx);
    const hosts = new Map<string, string[]>([[defaultHost, []]]);
    for (const f of tenants) {
        const host = dockerHostFor(ctx, f.config);
        hosts.set(host, [...(hosts.get(host) ?? []), tenantOf(f)]);
    }
    const [observed, backups, drills, certificates] = await Promise.all([
        Promise.all([...hosts].map(([host, stackTenants]) => observeHost(ctx, host, stackTenants, host === defaultHost))),
        t.backupAgeMs === undefined ? { last: {} } : readLastBackups(ctx),
        t.drillAgeMs === undefined ? {} : lastDrills(ctx.lockDir).catch((e: Error) => ({ problem: e.message })),
        t.certWithinMs === undefined ? undefined : proxyCertificates(ctx, proxy),
    ]);
    return {
        now: ctx.now(),
        hosts: observed,
        expected: Object.fromEntries(tenants.map((f) => [tenantOf(f), expectedServices(f.config)])),
        backups: "problem" in backups && backups.problem ? { problem: backups.problem } : { last: backups.last },
        drills,
        unreadable,
        ...(certificates ? { certificates } : {}),
    };
}

async function observeHost(ctx: Context, host: string, stackTenants: readonly string[], isDefault: boolean): Promise<HostObservation> {
    try {
        const engine = await connect(ctx, { "docker:host": host });
        const [containers, volumes] = await Promise.all([readHostWorkloads(engine.docker), readVolumeSizes(engine.docker)]);
        return { dockerHost: host, containers, volumes, stackTenants, isDefault };
    } catch (e) {
        return { dockerHost: host, problem: (e as Error).message, containers: [], volumes: [], stackTenants, isDefault };
    }
}

async function proxyCertificates(ctx: Context, proxy: StackFile | undefined): Promise<Observation["certificates"]> {
    try {
        const engine = await connect(ctx, proxy?.config);
        return await readProxyCertificates(engine.docker);
    } catch (e) {
        return { problem: (e as Error).message };
    }
}
