import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Public-API tests import "swarmstate", which here is the built package (`dist/`), exactly what
// users get: shard workers are plain JavaScript files resolved next to the module that starts
// them. (For the type checker, tsconfig maps "swarmstate" to the sources.) `npm test` builds
// first.
export default defineConfig({
  resolve: {
    alias: { swarmstate: fileURLToPath(new URL("./dist/index.js", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
