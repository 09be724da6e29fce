/**
 * Runs LangGraph's conformance suite for checkpointers (`@langchain/langgraph-checkpoint-validation`,
 * all of it, plus its opt-in `getDeltaChannelHistory` tests) against `SwarmStateSaver` on one
 * kind of store. Each `*.test.ts` beside this file names a kind: adding a kind of store is adding
 * a three-line file.
 *
 * The suite needs vitest's globals (see vitest.config.ts). Its CLI cannot be used: 1.1.1 imports
 * a `checkpointerTestInitializerSchema` it does not export; `validate(initializer)` is its API.
 * Every checkpointer the suite creates gets a prefix of its own in one shared store, so the
 * suite's fixed thread ids ("thread-1") never meet another test's, and the store's threads start
 * once per file rather than once per test.
 */
import { deltaChannelHistoryTests, validate } from "@langchain/langgraph-checkpoint-validation";
import type { StoreApi } from "../../../dist/index.js";
import { SwarmStateSaver } from "../../../dist/langgraph/index.js";

export function validateSaver(kind: string, open: () => StoreApi): void {
  let store: StoreApi | undefined;
  let count = 0;
  const initializer = {
    checkpointerName: `SwarmStateSaver (${kind})`,
    beforeAll: () => {
      store = open();
    },
    afterAll: async () => {
      await store?.close();
    },
    createCheckpointer: () => {
      if (store === undefined) throw new Error("the store is opened in beforeAll");
      count += 1;
      return new SwarmStateSaver({ store, prefix: `validation${count}` });
    },
  };
  validate(initializer);
  deltaChannelHistoryTests(initializer);
}
