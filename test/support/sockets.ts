// Real listening sockets for tests: hold ports the allocator must step around.
import * as net from "net";

export function listen(port: number, host = "127.0.0.1"): Promise<net.Server> {
    return new Promise((resolve, reject) => {
        const s = net.createServer();
        s.once("error", reject);
        s.listen({ port, host, exclusive: true }, () => resolve(s));
    });
}

export async function closeAll(servers: readonly net.Server[]): Promise<void> {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
}

/**
 * A base port such that base .. base+n-1 can all be bound on every address right now.
 * Below Linux's ephemeral range (32768+), so outgoing connections do not wander in.
 */
export async function freeBlock(n: number): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
        const base = 20000 + Math.floor(Math.random() * 12000);
        const held: net.Server[] = [];
        try {
            for (let p = base; p < base + n; p++) held.push(await listen(p, "0.0.0.0"));
            return base;
        } catch {
            // Someone holds a port in this block; try another.
        } finally {
            await closeAll(held);
        }
    }
    throw new Error(`no block of ${n} free ports found`);
}

/** The same range for every service: makes expected ports easy to state. */
export function sameRange(from: number, to: number) {
    const r = { from, to };
    return { backend: r, edge: r, frontend: r, redisHttp: r };
}
