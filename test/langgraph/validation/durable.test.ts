import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import { Store } from "../../../dist/index.js";
import { validateSaver } from "./validate-saver.js";

const dir = mkdtempSync(join(tmpdir(), "swarmstate-langgraph-"));
// After the suite's own afterAll hooks, which close the store: vitest's worker processes are
// reused or stopped without an `exit`, so a listener there left the directory behind.
afterAll(() => rmSync(dir, { recursive: true, force: true }));

validateSaver("durable store", () => new Store({ shards: 2, path: join(dir, "store") }));
