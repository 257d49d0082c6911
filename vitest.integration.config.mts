import { defineConfig } from "vitest/config";

// `npm run test:integration`: against a real Docker Engine, through the engine double
// (test/engine) and the real program runner. test/engine's own tests here are those that need
// the Engine; its pure ones are in test/unit/engine, run by `npm test` (never by both suites).
// One file at a time: the files share one engine (the swarm file, on its own engines, runs beside
// them: scripts/test-integration.sh),
// and a tenant's `up` waits for health checks for up to a few minutes on 2 cores.
export default defineConfig({
    test: {
        include: ["test/integration/**/*.test.ts", "test/engine/**/*.test.ts"],
        // Each file: a private lock directory for the programs it deploys, no inherited FRONTBASE_*.
        setupFiles: ["test/integration/support/setup.ts"],
        fileParallelism: false,
        testTimeout: 10 * 60_000,
        hookTimeout: 5 * 60_000,
        // Runners and containers are child processes; forks keep them out of worker threads.
        pool: "forks",
    },
});
