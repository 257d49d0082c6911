import { defineConfig } from "vitest/config";

// `npm test`: fast tests, no Docker Engine needed. test/unit/engine holds the engine double's
// pure tests (its step logic, wire encoding, runner command line, input mapping).
export default defineConfig({
    test: {
        include: ["test/unit/**/*.test.ts"],
        // Each file: no inherited FRONTBASE_*/DOCKER_*/PULUMI_*/GITHUB_OUTPUT..., its temporary directories removed after it.
        setupFiles: ["test/support/setup.ts"],
        testTimeout: 30_000,
    },
});
