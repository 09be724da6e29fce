/**
 * `swarmstate/langgraph`: LangGraph.js on a swarmstate store. A checkpointer
 * (`SwarmStateSaver`, a `BaseCheckpointSaver`) and a long-term memory store (`SwarmStateStore`,
 * a `BaseStore`), both over any `StoreApi`. Needs the peer dependencies
 * `@langchain/langgraph-checkpoint` and `@langchain/core`; the package root never loads them.
 *
 * @example
 * import { Store } from "swarmstate";
 * import { SwarmStateSaver, SwarmStateStore } from "swarmstate/langgraph";
 * const store = new Store();
 * const graph = builder.compile({
 *   checkpointer: new SwarmStateSaver({ store }),
 *   store: new SwarmStateStore({ store }),
 * });
 */
export type { ChannelChanges } from "./channel-changes.js";
export type { HistoryChanges } from "./history-changes.js";
export { SwarmStateSaver, type SwarmStateSaverOptions } from "./saver.js";
export { SwarmStateStore, type SwarmStateStoreOptions } from "./swarmstate-store.js";
