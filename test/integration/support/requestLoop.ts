// A bounded request loop, one request at a time, for the zero-downtime proofs: every answer
// tallied (2xx, other status, error), and the outage it saw measured from the first request that
// did not get a 2xx to the first one that did after the last such.

export interface Answer {
    readonly status: number;
    readonly body: string;
}

export interface LoopResult {
    readonly requests: number;
    readonly ok: number;
    /** Answers outside 2xx, and requests that got no answer (refused, reset, timed out). */
    readonly failed: number;
    readonly failures: readonly string[];
    /** Seconds from the first failed request's start to the next 2xx after the last one; 0 without failures. */
    readonly outageSeconds: number;
    /** How many 2xx answers had each body (trimmed, first 40 characters). */
    readonly bodies: Readonly<Record<string, number>>;
}

export function requestLoop(send: (i: number) => Promise<Answer>, max = 20_000): { stop(): Promise<LoopResult> } {
    let stopping = false;
    const t = { ok: 0, failed: 0, failures: [] as string[], bodies: {} as Record<string, number> };
    let firstFailure: number | undefined;
    let lastFailure: number | undefined;
    let recovered: number | undefined;
    let requests = 0;
    const note = (started: number, failure?: string) => {
        if (failure === undefined) {
            if (lastFailure !== undefined && recovered === undefined) recovered = Date.now();
            return;
        }
        t.failed++;
        if (t.failures.length < 20) t.failures.push(failure);
        firstFailure ??= started;
        lastFailure = started;
        recovered = undefined;
    };
    const loop = (async () => {
        for (; requests < max && !stopping; requests++) {
            const started = Date.now();
            try {
                const a = await send(requests);
                if (a.status >= 200 && a.status < 300) {
                    t.ok++;
                    const key = a.body.trim().slice(0, 40);
                    t.bodies[key] = (t.bodies[key] ?? 0) + 1;
                    note(started);
                } else note(started, `status ${a.status}`);
            } catch (e) {
                note(started, (e as Error).message);
                // A refused connection fails at once: pause, so that the loop does not spin on the 2 cores the update needs.
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
        }
    })();
    return {
        async stop() {
            stopping = true;
            await loop;
            const end = recovered ?? Date.now();
            return { requests, ...t, outageSeconds: firstFailure === undefined ? 0 : (end - firstFailure) / 1000 };
        },
    };
}

/** `action` with the loop running around it; the loop stops (and is tallied) whatever the action does. */
export async function during<T>(send: (i: number) => Promise<Answer>, action: () => Promise<T>): Promise<[T, LoopResult]> {
    const loop = requestLoop(send);
    let result: T;
    try {
        result = await action();
    } catch (e) {
        await loop.stop();
        throw e;
    }
    return [result, await loop.stop()];
}
