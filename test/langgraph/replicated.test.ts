// LangGraph on a replicated store: two processes' worth of replicas share a thread's
// checkpoints through the store's log, each reading them from its own memory.
import { randomUUID } from "node:crypto";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { Store } from "swarmstate";
import { SwarmStateSaver } from "swarmstate/langgraph";
import { afterEach, describe, expect, it } from "vitest";
import { postgresForThisFile } from "../fixtures/postgres.js";

const postgres = postgresForThisFile();
const open: Store[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((store) => store.close()));
});

const State = Annotation.Root({
  steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

function graphOn(store: Store) {
  return new StateGraph(State)
    .addNode("work", (state) => ({ steps: [`step ${state.steps.length + 1}`] }))
    .addEdge(START, "work")
    .addEdge("work", END)
    .compile({ checkpointer: new SwarmStateSaver({ store }) });
}

describe("SwarmStateSaver on replicas of one store", () => {
  it("goes on with a thread on one replica where another left it", async () => {
    const name = randomUUID();
    const [a, b] = [1, 2].map((shards) => {
      const store = new Store({ shards, replication: { url: postgres().url, name } });
      open.push(store);
      return store;
    }) as [Store, Store];
    const thread = { configurable: { thread_id: "t1" } };
    await graphOn(a).invoke({}, thread);
    await graphOn(a).invoke({}, thread);
    await b.sync();
    const onB = graphOn(b);
    expect((await onB.getState(thread)).values.steps).toEqual(["step 1", "step 2"]);
    await onB.invoke({}, thread);
    await a.sync();
    expect((await graphOn(a).getState(thread)).values.steps).toEqual([
      "step 1",
      "step 2",
      "step 3",
    ]);
    await b.sync();
    const steps = (history: { values: { steps?: string[] } }[]) =>
      history.map((s) => s.values.steps);
    expect(steps(await collect(onB.getStateHistory(thread)))).toEqual(
      steps(await collect(graphOn(a).getStateHistory(thread))),
    );
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
