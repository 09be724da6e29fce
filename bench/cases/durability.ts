/**
 * What does durability cost, and does it persist what changed rather than the store? One
 * question per file in `durability/`, run in this order (the large store is built once for the
 * two that measure it):
 *
 * - `throughput`: `setMany` with `"async"` and `"sync"` against memory only;
 * - `group-commit`: 8 awaiting `"sync"` writers against 1;
 * - `snapshot-bytes`: bytes a snapshot after 100 changes writes in a store of 1M entries;
 * - `reopen`: reopening that store, against lmdb alone reading the same entries;
 * - `disk-over-time`: disk use under a steady load with `maxHistory: 10`.
 */
import { scratchDirectory } from "../harness/disk.js";
import type { Section } from "../harness/section.js";
import { measureDiskOverTime } from "./durability/disk-over-time.js";
import { measureGroupCommit } from "./durability/group-commit.js";
import { measureReopen } from "./durability/reopen.js";
import { buildStore, NAME } from "./durability/shared.js";
import { measureSnapshotBytes } from "./durability/snapshot-bytes.js";
import { measureThroughput } from "./durability/throughput.js";

export const durabilitySection: Section = {
  name: NAME,
  question: "what durability costs in writes, snapshot bytes, reopening and disk over time",
  async run(context) {
    const outcomes = [await measureThroughput(context), await measureGroupCommit(context)];
    const entries = context.cap(1_000_000);
    context.progress(
      `a store of ${entries.toLocaleString("en-US")} entries on disk, and a copy of them in lmdb alone`,
    );
    const scratch = scratchDirectory();
    try {
      const path = `${scratch.path}/store`;
      const copyPath = `${scratch.path}/copy`;
      await buildStore(path, entries);
      outcomes.push(await measureSnapshotBytes(context, path, entries, copyPath));
      outcomes.push(await measureReopen(context, path, entries, copyPath));
    } finally {
      scratch.remove();
    }
    outcomes.push(await measureDiskOverTime(context));
    return {
      figures: outcomes.flatMap((outcome) => outcome.figures),
      tables: outcomes.flatMap((outcome) => outcome.tables),
    };
  },
};
