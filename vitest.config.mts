import { defineConfig } from "vitest/config";

// `npm test`: fast tests, no Docker Engine needed.
export default defineConfig({
    test: {
        include: ["test/unit/**/*.test.ts"],
        testTimeout: 30_000,
    },
});
