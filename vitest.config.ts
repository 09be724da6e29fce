import { defineConfig } from "vitest/config";

// Public-API tests import the built package (`dist/`), exactly what users get, because shard
// workers are plain JavaScript files resolved next to the module that starts them.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
