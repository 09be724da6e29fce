/**
 * Where things are. The bench runs compiled, from dist-bench/, which mirrors bench/ one level
 * below the project root, so these resolve the same from either tree.
 */

/** The project root (holding package.json, dist/ and node_modules/). */
export const projectRoot = new URL("../../", import.meta.url);

/** Results are written beside the bench's sources, not into the build output. */
export const resultsDir = new URL("bench/results/", projectRoot);

/** The charts of a full run, committed in docs/, which docs/performance.md shows. */
export const chartsDir = new URL("docs/", projectRoot);

/** Summaries and charts of quick and partial runs: in the (ignored) build output. */
export const scratchResultsDir = new URL("dist-bench/results/", projectRoot);
