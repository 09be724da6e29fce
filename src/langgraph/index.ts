/**
 * `swarmstate/langgraph`: LangGraph.js on a swarmstate store. A checkpointer
 * (`SwarmStateSaver`, a `BaseCheckpointSaver`) and a long-term memory store (`SwarmStateStore`,
 * a `BaseStore`), both over any `StoreApi`. Needs the peer dependencies
 * `@langchain/langgraph-checkpoint` and `@langchain/core`; the package root never loads them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
 * import { Store } from "swarmstate";
 * import { SwarmStateSaver, SwarmStateStore } from "swarmstate/langgraph";
 *
 * const State = Annotation.Root({
 *   turns: Annotation<number>({ reducer: (a, b) => a + b, default: () => 0 }),
 * });
 * const store = new Store();
 * const graph = new StateGraph(State)
 *   .addNode("turn", () => ({ turns: 1 }))
 *   .addEdge(START, "turn")
 *   .addEdge("turn", END)
 *   .compile({
 *     checkpointer: new SwarmStateSaver({ store }), // thread histories
 *     store: new SwarmStateStore({ store }), // long-term memory, in the same store
 *   });
 * const thread = { configurable: { thread_id: "t1" } };
 * await graph.invoke({}, thread);
 * await graph.invoke({}, thread); // goes on from the thread's last checkpoint
 * assert.equal((await graph.getState(thread)).values.turns, 2);
 * await store.close();
 * ```
 */
export type { ChannelChanges } from "./channel-changes.js";
export type { HistoryChanges } from "./history-changes.js";
export { SwarmStateSaver, type SwarmStateSaverOptions } from "./saver.js";
export { SwarmStateStore, type SwarmStateStoreOptions } from "./swarmstate-store.js";
