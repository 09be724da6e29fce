/**
 * Question: how much memory does the whole process take holding 1M entries of about 100 encoded
 * bytes with 2 shards (bytes per entry), and how much more do 1,000 snapshots take, each 100
 * writes after the last? Against the same entries in a single-thread `immutable` Map of msgpack
 * bytes (persistent too), and in a `Map` of msgpack bytes copied whole on each snapshot (10
 * snapshots there, not 1,000: each copy costs tens of MB; its per-snapshot cost is scaled up).
 *
 * RSS counts the worker threads too: they live in the same process. Each store is measured in a
 * child process of its own (memory-child.ts), so nothing else the bench allocated is
 * counted. The child fills the store with `setMany` in chunks of 1,000, collects the main
 * thread's garbage and samples RSS for a few seconds; the figure is the last sample. Then the
 * snapshots, and the same again.
 *
 * RSS growth also counts heap the allocator keeps but nothing uses (garbage not yet collected,
 * free pages not yet returned), so a growth is only roughly what the new data take. Where all
 * the data live in the main thread (`shards: 0` and the baselines) the child also reports the
 * live heap (V8 heap plus ArrayBuffers, after a full collection): exact. Shard workers collect
 * on their own schedule and their heaps cannot be read from outside, hence `shards: 0` beside 2.
 */
import { runChild } from "../harness/child.js";
import { IMMUTABLE_BYTES } from "../harness/contenders.js";
import {
  bytes,
  count,
  type Figure,
  figure,
  format,
  formatCount,
  kb,
  mb,
  type Quantity,
  ratio,
} from "../harness/figures.js";
import type { Section } from "../harness/section.js";
import { addRow, table } from "../harness/table.js";
import { KINDS, type Kind, SHARDS, SNAPSHOTS, type Usage, WRITES } from "./memory-child.js";

const NAME = "memory";
const LIMIT = { op: "<=", value: 500, source: "#2" } as const;
const CHILD = new URL("memory-child.js", import.meta.url);

export const memorySection: Section = {
  name: NAME,
  question: `RSS and bytes per entry at 1M entries, and the memory of 1,000 snapshots`,
  async run({ quick, cap, progress }) {
    const entries = cap(1_000_000);
    const usages = new Map<Kind, Usage>();
    for (const kind of Object.keys(KINDS) as Kind[]) {
      progress(`child process: ${KINDS[kind].label}, ${formatCount(entries)} entries`);
      const usage = await runChild<Usage>(CHILD, [
        `--kind=${kind}`,
        `--entries=${entries}`,
        `--samples=${quick ? 0 : 6}`,
      ]);
      usages.set(kind, usage);
      progress(
        `  RSS ${format(mb(usage.rss))}, with ${usage.snapshots} snapshots ${format(mb(usage.rssWithSnapshots))}`,
      );
    }
    const per = (usage: Usage) => ({
      entry: (usage.rss - usage.rssEmptyStore) / usage.entries,
      snapshot: (usage.rssWithSnapshots - usage.rss) / usage.snapshots,
      liveEntry: (usage.live - usage.liveEmptyStore) / usage.entries,
      liveSnapshot: (usage.liveWithSnapshots - usage.live) / usage.snapshots,
    });
    const thousand = `RSS for ${SNAPSHOTS.toLocaleString("en-US")} snapshots`;
    const memory = table(
      NAME,
      "memory",
      `${formatCount(entries)} entries, then snapshots each ${WRITES} writes apart`,
      "store",
      {
        swarmstate: [
          "RSS",
          "RSS per entry",
          "heap per entry",
          "snapshots taken",
          "RSS per snapshot",
          "heap per snapshot",
          thousand,
        ],
      },
    );
    for (const [kind, usage] of usages) {
      const cells: Record<string, Quantity> = {
        RSS: mb(usage.rss),
        "RSS per entry": bytes(per(usage).entry),
        "snapshots taken": count(usage.snapshots),
        "RSS per snapshot": kb(per(usage).snapshot),
        [thousand]: mb(per(usage).snapshot * SNAPSHOTS),
      };
      if (KINDS[kind].heapIsAll) {
        cells["heap per entry"] = bytes(per(usage).liveEntry);
        cells["heap per snapshot"] = kb(per(usage).liveSnapshot);
      }
      addRow(memory, KINDS[kind].label, cells);
    }

    const [mine, local] = [usages.get("threaded") as Usage, usages.get("local") as Usage];
    const [copies, persistent] = [usages.get("copy") as Usage, usages.get("immutable") as Usage];
    const label = `${formatCount(entries)} entries, shards ${SHARDS}`;
    const figures: Figure[] = [
      figure(NAME, `process RSS, ${label}`, mb(mine.rss), LIMIT, {
        peak: mb(mine.rssPeak),
        "before the store": mb(mine.rssBefore),
        "empty store": mb(mine.rssEmptyStore),
        "per entry": bytes(per(mine).entry),
        "mean value": bytes(mine.meanValueBytes),
        "main heap": mb(mine.mainHeapUsed),
        entries: count(entries),
      }),
      figure(NAME, `RSS per entry, ${label}`, bytes(per(mine).entry), null, {
        "mean value": bytes(mine.meanValueBytes),
        "heap per entry, shards 0": bytes(per(local).liveEntry),
        [IMMUTABLE_BYTES]: bytes(per(persistent).entry),
        "Map of msgpack": bytes(per(copies).entry),
      }),
      figure(
        NAME,
        `extra RSS of ${mine.snapshots.toLocaleString("en-US")} snapshots each ${WRITES} writes apart, shards ${SHARDS}`,
        mb(mine.rssWithSnapshots - mine.rss),
        null,
        {
          "per snapshot": kb(per(mine).snapshot),
          "heap per snapshot, shards 0": kb(per(local).liveSnapshot),
        },
      ),
    ];
    for (const [name, other] of [
      [IMMUTABLE_BYTES, persistent],
      ["Map copy", copies],
    ] as const) {
      figures.push(
        figure(
          NAME,
          `heap per snapshot, ${name} / swarmstate shards 0`,
          ratio(per(other).liveSnapshot / per(local).liveSnapshot),
          null,
          {
            [name]: kb(per(other).liveSnapshot),
            swarmstate: kb(per(local).liveSnapshot),
          },
        ),
      );
    }
    return { figures, tables: [memory] };
  },
};
