import { Store } from "../../../dist/index.js";
import { validateSaver } from "./validate-saver.js";

validateSaver("in-process store", () => new Store({ shards: 0 }));
