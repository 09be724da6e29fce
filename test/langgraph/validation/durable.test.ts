import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Store } from "../../../dist/index.js";
import { validateSaver } from "./validate-saver.js";

const dir = mkdtempSync(join(tmpdir(), "swarmstate-langgraph-"));
process.once("exit", () => rmSync(dir, { recursive: true, force: true }));

validateSaver("durable store", () => new Store({ shards: 2, path: join(dir, "store") }));
