import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

const built = (path: string) => fileURLToPath(new URL(path, import.meta.url));
// LangGraph's conformance suite for checkpointers calls `describe`/`it` as globals.
const VALIDATION = "test/langgraph/validation/**/*.test.ts";

// Public-API tests import "swarmstate", which here is the built package (`dist/`), exactly what
// users get: shard workers are plain JavaScript files resolved next to the module that starts
// them. (For the type checker, tsconfig maps "swarmstate" to the sources.) `npm test` builds
// first.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^swarmstate\/langgraph$/, replacement: built("./dist/langgraph/index.js") },
      { find: /^swarmstate$/, replacement: built("./dist/index.js") },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    projects: [
      {
        extends: true,
        test: {
          name: "swarmstate",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, VALIDATION],
        },
      },
      {
        extends: true,
        test: { name: "langgraph-validation", include: [VALIDATION], globals: true },
      },
    ],
  },
});
