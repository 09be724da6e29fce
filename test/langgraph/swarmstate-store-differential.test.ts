/**
 * `SwarmStateStore` against LangGraph's own `InMemoryStore`, on generated batches of every
 * operation (get, put, delete, search with filters and paging, listNamespaces with prefix,
 * suffix, wildcards, maxDepth and paging), valid and invalid: after every batch both must give
 * the same results, timestamps included (both read one faked clock, a millisecond later for each
 * batch), or throw the same error (class and message).
 *
 * Deliberate differences, applied to the reference so that the rest can be compared exactly:
 * - A namespace whose items were all deleted is not listed (InMemoryStore keeps listing it, and
 *   lists one that was only ever deleted from).
 * - Search results come ordered by namespace path, then key, before `offset`/`limit` (in
 *   InMemoryStore, by insertion).
 * - A get reads the item as it was before the batch's puts (InMemoryStore returns its live item,
 *   which a put later in the same batch changes).
 * - Values are swarmstate values: the generator makes JSON-like ones (a `Date` is refused, see
 *   store.test.ts). A `query` is refused (InMemoryStore without an index ignores it).
 */
import {
  type GetOperation,
  InMemoryStore,
  type Item,
  type Operation,
  type SearchItem,
} from "@langchain/langgraph-checkpoint";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Store } from "../../dist/index.js";
import { SwarmStateStore } from "../../dist/langgraph/index.js";

/** InMemoryStore's internals the reference adjusts (private in its types, plain in its code). */
interface Internals {
  data: Map<string, Map<string, Item>>;
  batch(operations: Operation[]): Promise<unknown[]>;
  getOperation(op: GetOperation): Item | null;
  paginateResults(results: SearchItem[], offset: number, limit: number): SearchItem[];
}

/** An `InMemoryStore` with the deliberate differences above applied. */
function reference(): InMemoryStore {
  const store = new InMemoryStore();
  const inner = store as unknown as Internals;
  const [batch, getOperation, paginate] = [
    inner.batch.bind(store),
    inner.getOperation.bind(store),
    inner.paginateResults.bind(store),
  ];
  inner.batch = (operations) => {
    for (const [namespace, items] of inner.data) if (items.size === 0) inner.data.delete(namespace);
    return batch(operations);
  };
  inner.getOperation = (op) => {
    const item = getOperation(op);
    return item === null ? null : { ...item, value: structuredClone(item.value) };
  };
  inner.paginateResults = (results, offset, limit) => {
    const id = (item: Item) => [...item.namespace, "\u0000", item.key];
    return paginate(
      [...results].sort((a, b) => compareArrays(id(a), id(b))),
      offset,
      limit,
    );
  };
  return store;
}

function compareArrays(a: string[], b: string[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i] as string, b[i] as string];
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

// ---------------------------------------------------------------------------------------------
// Generated operations

const goodLabel = fc.constantFrom("a", "b", "users", "Z", "é", "langgraph");
// Invalid labels and roots exercise LangGraph's namespace rules on both sides.
const label = fc.oneof(
  { weight: 40, arbitrary: goodLabel },
  { weight: 1, arbitrary: fc.constantFrom("", "x.y", "x:y", "nul\u0000") },
);
// Mostly a few valid namespaces that share prefixes, so that reads find what puts wrote;
// sometimes any path of labels, valid or not.
const namespace: fc.Arbitrary<string[]> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .constantFrom(["users"], ["users", "a"], ["users", "b"], ["users", "a", "Z"], ["é"])
      .map((path): string[] => [...path]),
  },
  { weight: 3, arbitrary: fc.array(label, { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constant<string[]>([]) },
);
const key = fc.constantFrom("k1", "k2", "");
const value = fc.record(
  {
    n: fc.integer({ min: 0, max: 4 }),
    s: fc.constantFrom("x", "y", "z"),
    flag: fc.boolean(),
    nested: fc.record({ tags: fc.array(fc.constantFrom("p", "q"), { maxLength: 2 }) }),
  },
  { requiredKeys: ["n"] },
);
const small = fc.integer({ min: 0, max: 4 });
const operand: Record<string, fc.Arbitrary<unknown>> = {
  $eq: small,
  $ne: fc.constantFrom("x", "y", 1),
  $gt: small,
  $gte: small,
  $lt: small,
  $lte: small,
  $in: fc.array(fc.constantFrom(0, 1, "x"), { maxLength: 2 }),
  $nin: fc.array(fc.constantFrom(0, 2, "y"), { maxLength: 2 }),
};
// Mostly one operator per field (so each one's edge, such as `$gt` at equality, gets hit).
const condition = fc.oneof(
  fc.oneof(small, fc.constantFrom("x", "y", true, false)),
  fc
    .constantFrom(...Object.keys(operand))
    .chain((op) => (operand[op] as fc.Arbitrary<unknown>).map((v) => ({ [op]: v }))),
  fc.record(operand, { requiredKeys: [] }),
);
const filter = fc.dictionary(fc.constantFrom("n", "n", "n", "s", "flag", "missing"), condition, {
  maxKeys: 2,
});
const pathPattern = fc.array(fc.oneof(goodLabel, fc.constant("*")), { minLength: 0, maxLength: 2 });

const operation: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ namespace, key }) },
  { weight: 3, arbitrary: fc.record({ namespace, key, value }) },
  { weight: 1, arbitrary: fc.record({ namespace, key, value: fc.constant(null) }) },
  {
    weight: 2,
    arbitrary: fc.record(
      {
        namespacePrefix: fc.oneof(
          fc.constantFrom([], ["users"], ["users", "a"], ["é"]).map((path) => [...path]),
          fc.array(label, { maxLength: 2 }),
        ),
        filter,
        limit: fc.integer({ min: 0, max: 6 }),
        offset: fc.integer({ min: 0, max: 3 }),
      },
      { requiredKeys: ["namespacePrefix"] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        prefix: fc.option(pathPattern, { nil: undefined }),
        suffix: fc.option(pathPattern, { nil: undefined }),
        maxDepth: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
        limit: fc.integer({ min: 1, max: 6 }),
        offset: fc.integer({ min: 0, max: 3 }),
      })
      .map(({ prefix, suffix, maxDepth, limit, offset }) => {
        const conditions = [
          ...(prefix ? [{ matchType: "prefix" as const, path: prefix }] : []),
          ...(suffix ? [{ matchType: "suffix" as const, path: suffix }] : []),
        ];
        // The shape LangGraph's own BaseStore.listNamespaces sends: `matchConditions` and
        // `maxDepth` present even when undefined (its stores tell operations apart by keys).
        const listing = {
          matchConditions: conditions.length ? conditions : undefined,
          maxDepth,
          limit,
          offset,
        };
        return listing as Operation;
      }),
  },
);
const batches = fc.array(fc.array(operation, { minLength: 1, maxLength: 4 }), {
  minLength: 1,
  maxLength: 12,
});

// ---------------------------------------------------------------------------------------------
// Running both

type Outcome = { ok: unknown } | { error: { name: string; message: string } };

async function run(
  store: { batch(operations: Operation[]): Promise<unknown> },
  ops: Operation[],
): Promise<Outcome> {
  try {
    return { ok: await store.batch(ops.map((op) => structuredClone(op))) };
  } catch (error) {
    const { name, message } = error as Error;
    return { error: { name, message } };
  }
}

/** How much the generated batches did, so that a generator that only fails is noticed. */
class Tally {
  ok = 0;
  errors = 0;
  itemsRead = 0;

  count(outcome: Outcome): void {
    if (!("ok" in outcome)) {
      this.errors += 1;
      return;
    }
    this.ok += 1;
    for (const result of outcome.ok as unknown[]) {
      if (Array.isArray(result)) this.itemsRead += result.length;
      else if (result !== null && result !== undefined) this.itemsRead += 1;
    }
  }
}

describe.each([
  { shards: 0, runs: 500 },
  { shards: 2, runs: 60 },
])("SwarmStateStore (shards $shards) against InMemoryStore", ({ shards, runs }) => {
  let store: Store;
  let count = 0;
  const seen = new Tally();
  let clock = Date.UTC(2026, 0, 1);
  beforeAll(() => {
    store = new Store({ shards });
    vi.useFakeTimers({ toFake: ["Date"] });
  });
  afterAll(async () => {
    vi.useRealTimers();
    await store.close();
  });

  it("gives the same results and errors on random batches", async () => {
    await fc.assert(
      fc.asyncProperty(batches, async (sequence) => {
        count += 1;
        const ours = new SwarmStateStore({ store, prefix: `differential${count}` });
        const model = reference();
        for (const ops of sequence) {
          clock += 1;
          vi.setSystemTime(clock);
          const expected = await run(model, ops);
          expect(await run(ours, ops)).toEqual(expected);
          seen.count(expected);
        }
      }),
      { numRuns: runs },
    );
    // The generator must reach past validation: most batches succeed, and reads find items.
    expect(seen.ok).toBeGreaterThan(seen.errors);
    expect(seen.itemsRead).toBeGreaterThan(runs / 2);
  });
});
