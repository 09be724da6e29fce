import { Store } from "../../../dist/index.js";
import { validateSaver } from "./validate-saver.js";

validateSaver("worker-sharded store", () => new Store({ shards: 2 }));
