// Test tenants for the engine double: names that cannot clash with other suites (`it-` plus a
// random suffix), host ports that are free right now, pinned in config, on 127.0.0.1 only.
import { randomBytes } from "crypto";
import { promises as fs } from "fs";
import { createServer, Server } from "net";
import * as os from "os";
import * as path from "path";
import type { PortKey, SlotPortKey } from "../../../components/naming";
import { REAL_TENANT_IMAGES } from "../../images/frontbase";

export type Ports = Record<PortKey, number>;

export function testTenant(prefix: string): string {
    return `it-${prefix}-${randomBytes(3).toString("hex")}`;
}

/** Distinct ports that nothing listens on now (all held at once, so they differ). */
export async function freePorts(): Promise<Ports> {
    const [backend, edge, frontend, redisHttp] = await freeNumbers(4);
    return { backend, edge, frontend, redisHttp };
}

/** The same, with a second slot's ports too (components/slots.ts). */
export async function freeSlotPorts(): Promise<Ports & Record<SlotPortKey, number>> {
    const [backend, edge, frontend, redisHttp, backend2, edge2, frontend2] = await freeNumbers(7);
    return { backend, edge, frontend, redisHttp, backend2, edge2, frontend2 };
}

async function freeNumbers(count: number): Promise<number[]> {
    const servers: Server[] = [];
    try {
        for (let i = 0; i < count; i++) {
            const s = createServer();
            await new Promise<void>((resolve, reject) => s.once("error", reject).listen(0, "127.0.0.1", resolve));
            servers.push(s);
        }
        return servers.map((s) => (s.address() as { port: number }).port);
    } finally {
        await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    }
}

/**
 * Stack config as Pulumi hands it over: JSON text for objects, loopback only, and the images
 * built here (`npm run images:test`): the real Frontbase backend, edge and frontend, Debian's
 * redis and postgres, the redis-http stand-in.
 */
export function tenantConfig(tenant: string, ports: Ports, extra: Record<string, unknown> = {}): Record<string, string> {
    // healthInterval 2: Docker runs the first health check one interval after start, so the
    // default 10-15 s would make every test `up` wait ~45 s on checks alone (retries scale up).
    const values: Record<string, unknown> = {
        tenant,
        ports,
        images: REAL_TENANT_IMAGES,
        bindAddress: "127.0.0.1",
        healthInterval: 2,
        ...extra,
    };
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [`frontbase:${k}`, typeof v === "string" ? v : JSON.stringify(v)]));
}

export async function tempStateDir(): Promise<string> {
    return fs.mkdtemp(path.join(os.tmpdir(), "frontbase-state-"));
}
