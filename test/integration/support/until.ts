// Poll until a check holds: the one wait loop of the integration suites.

/**
 * `check` every `everyMs` until it returns something other than undefined; an error it throws
 * counts as "not yet" (a daemon restarting refuses calls), and is named if time runs out.
 */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000, everyMs = 100): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
        try {
            const v = await check();
            if (v !== undefined) return v;
        } catch (e) {
            last = e;
        }
        if (Date.now() > deadline)
            throw new Error(
                `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`,
            );
        await new Promise((r) => setTimeout(r, everyMs));
    }
}
