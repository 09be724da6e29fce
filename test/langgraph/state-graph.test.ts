/**
 * A real LangGraph `StateGraph` checkpointed by `SwarmStateSaver` on a worker-sharded store: an
 * interrupt, a resume with `Command`, and a time-travel replay from an earlier checkpoint. The
 * same steps run on LangGraph's `MemorySaver` give the reference: every state in the history
 * must be the same. Then what only this saver does: a large channel that never changes is
 * stored once, `changedChannels`, `forkThread` and `changes`.
 */

import {
  Annotation,
  Command,
  END,
  interrupt,
  START,
  StateGraph,
  type StateSnapshot,
} from "@langchain/langgraph";
import { type BaseCheckpointSaver, MemorySaver } from "@langchain/langgraph-checkpoint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Store } from "../../dist/index.js";
import { SwarmStateSaver } from "../../dist/langgraph/index.js";
import { collect } from "../fixtures/collect.js";

const DOCS = "lorem ipsum ".repeat(4000); // ~48 KB that no step changes

const State = Annotation.Root({
  docs: Annotation<string>(),
  draft: Annotation<string>(),
  approved: Annotation<boolean>(),
  log: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

function reviewGraph(checkpointer: BaseCheckpointSaver) {
  return new StateGraph(State)
    .addNode("write", (s) => ({ draft: `summary of ${s.docs.length} chars`, log: ["write"] }))
    .addNode("review", (s) => {
      const answer = interrupt({ question: "publish?", draft: s.draft }) as string;
      return { approved: answer === "yes", log: [`review: ${answer}`] };
    })
    .addNode("publish", (s) => ({ log: [s.approved ? "published" : "rejected"] }))
    .addEdge(START, "write")
    .addEdge("write", "review")
    .addEdge("review", "publish")
    .addEdge("publish", END)
    .compile({ checkpointer });
}

const thread = (thread_id: string) => ({ configurable: { thread_id } });

/** Interrupt, resume "yes", then travel back to the interrupted step and resume "no". */
async function scenario(checkpointer: BaseCheckpointSaver) {
  const graph = reviewGraph(checkpointer);
  const first = await graph.invoke({ docs: DOCS }, thread("t1"));
  const interrupted = await graph.getState(thread("t1"));
  const resumed = await graph.invoke(new Command({ resume: "yes" }), thread("t1"));
  const history = await collect(graph.getStateHistory(thread("t1")));
  const atReview = history.find((s) => s.next.includes("review")) as StateSnapshot;
  await graph.invoke(null, atReview.config); // replays from there: interrupts again
  const replayed = await graph.invoke(new Command({ resume: "no" }), thread("t1"));
  const finalHistory = await collect(graph.getStateHistory(thread("t1")));
  return { graph, first, interrupted, resumed, atReview, replayed, finalHistory };
}

/** What a history says, without ids and times (which differ between runs). */
function summary(history: StateSnapshot[]) {
  return history.map((s) => ({
    values: { ...s.values, docs: (s.values as { docs?: string }).docs?.length },
    next: s.next,
    step: s.metadata?.step,
    source: s.metadata?.source,
    interrupts: s.tasks.flatMap((t) => t.interrupts.map((i) => i.value)),
  }));
}

describe("a StateGraph on SwarmStateSaver (worker-sharded store)", () => {
  let store: Store;
  let saver: SwarmStateSaver;
  let run: Awaited<ReturnType<typeof scenario>>;
  let reference: Awaited<ReturnType<typeof scenario>>;

  beforeAll(async () => {
    store = new Store({ shards: 2 });
    saver = new SwarmStateSaver({ store });
    run = await scenario(saver);
    reference = await scenario(new MemorySaver());
  });
  afterAll(() => store.close());

  it("stops at the interrupt and shows what it asks", () => {
    expect(run.first.log).toEqual(["write"]);
    expect(run.interrupted.next).toEqual(["review"]);
    expect(run.interrupted.tasks[0]?.interrupts[0]?.value).toEqual({
      question: "publish?",
      draft: `summary of ${DOCS.length} chars`,
    });
  });

  it("resumes with a Command", () => {
    expect(run.resumed.log).toEqual(["write", "review: yes", "published"]);
    expect(run.resumed.approved).toBe(true);
  });

  it("replays from an earlier checkpoint into a new branch, keeping the old one", async () => {
    expect(run.replayed.log).toEqual(["write", "review: no", "rejected"]);
    const latest = await saver.getTuple(thread("t1"));
    expect(latest?.checkpoint.id).toBe(run.finalHistory[0]?.config.configurable?.checkpoint_id);
    // The first branch's final state is still there, untouched by the second.
    const published = run.finalHistory.find((s) =>
      (s.values as typeof run.resumed).log?.includes("published"),
    );
    expect((published?.values as typeof run.resumed | undefined)?.approved).toBe(true);
  });

  it("keeps the same history as MemorySaver", () => {
    expect(summary(run.finalHistory)).toEqual(summary(reference.finalHistory));
    expect(run.finalHistory.length).toBeGreaterThan(6);
  });

  it("stores the unchanging document once for the whole thread", async () => {
    const blobs = await store.keys('langgraph.blobs:["t1",""]');
    expect(blobs.filter((key) => JSON.parse(key)[0] === "docs")).toHaveLength(1);
  });

  it("says which channels changed between two checkpoints", async () => {
    const last = run.finalHistory[0] as StateSnapshot;
    // The README's example: from the interrupted step to the end of the second branch.
    expect(await saver.changedChannels(run.atReview.config, last.config)).toEqual({
      added: ["approved"],
      removed: ["branch:to:review"],
      changed: ["log"],
    });
    expect(await saver.changedChannels(last.config, last.config)).toEqual({
      added: [],
      removed: [],
      changed: [],
    });
  });

  it("forks a thread's history into a new thread that then goes its own way", async () => {
    const fork = await saver.forkThread(run.atReview.config, "t1-fork");
    expect(fork.configurable).toEqual({
      ...run.atReview.config.configurable,
      thread_id: "t1-fork",
    });
    const forkHistory = await collect(saver.list(thread("t1-fork")));
    const sourcePath: string[] = [];
    for (let tuple = await saver.getTuple(run.atReview.config); tuple; ) {
      sourcePath.push(tuple.checkpoint.id);
      tuple = tuple.parentConfig && (await saver.getTuple(tuple.parentConfig));
    }
    expect(forkHistory.map((t) => t.checkpoint.id)).toEqual(sourcePath);
    // It starts at the interrupt as if just reached: what the source answered there is not copied.
    expect((await run.graph.getState(thread("t1-fork"))).next).toEqual(["review"]);
    const resumed = await run.graph.invoke(new Command({ resume: "later" }), thread("t1-fork"));
    expect(resumed.log).toEqual(["write", "review: later", "rejected"]);
    expect((await run.graph.getState(thread("t1"))).values.log).toEqual(run.replayed.log);
    await expect(saver.forkThread(run.atReview.config, "t1-fork")).rejects.toThrow(/already has/);
    // An exact copy keeps the answer: resuming there replays the source's outcome.
    const copy = await saver.forkThread(run.atReview.config, "t1-copy", { pendingWrites: true });
    expect(await collect(saver.list(thread("t1-copy")))).toHaveLength(forkHistory.length);
    expect((await saver.getTuple(copy))?.pendingWrites).toEqual(
      (await saver.getTuple(run.atReview.config))?.pendingWrites,
    );
  });

  it("reads what some runs did to every thread from two store snapshots", async () => {
    const before = await store.snapshot();
    await run.graph.invoke({ docs: "short" }, thread("t2"));
    await run.graph.invoke(new Command({ resume: "yes" }), thread("t2"));
    const after = await store.snapshot();
    const changes = await saver.changes(before, after);
    const t2 = await collect(saver.list(thread("t2")));
    expect(changes.written.map((c) => c.configurable?.checkpoint_id)).toEqual(
      t2.map((t) => t.checkpoint.id),
    );
    expect(changes.removed).toEqual([]);
    expect(changes.channels.map((c) => c.thread_id)).toEqual(["t2"]);
    expect(changes.channels[0]?.channels).toEqual(expect.arrayContaining(["docs", "draft", "log"]));
    await store.restore(before); // undo both runs
    expect(await saver.getTuple(thread("t2"))).toBeUndefined();
    const undone = await saver.changes(after, await store.snapshot());
    expect(undone.removed).toHaveLength(t2.length);
    // What went is no new value: no channel was written, no checkpoint given writes.
    expect(undone.channels).toEqual([]);
    expect(undone.pendingWrites).toEqual([]);
    expect(undone.written).toEqual([]);
  });
});
