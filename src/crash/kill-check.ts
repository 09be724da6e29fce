/**
 * The check made after each kill, by the test's own process with the writer dead: reopen the
 * store, compare it with the ledger (the last writer's units: recovery-check.ts; then every live
 * snapshot: snapshot-check.ts), and when all is well write `recovered` to the ledger, so the next
 * writer's session starts from a known state.
 */
import { Store } from "../index.js";
import { pairOf } from "../load/ledger.js";
import type { CheckOutcome } from "./crash-report.js";
import type { Describe } from "./differences.js";
import { type LedgerContents, LedgerWriter, type LoggedUnit, readLedger } from "./ledger-file.js";
import { Model } from "./model.js";
import { observeStore } from "./observe.js";
import { checkSession, FOREIGN, type Observed } from "./recovery-check.js";
import { checkSnapshots } from "./snapshot-check.js";
import type { TestDirectory } from "./test-directory.js";
import { parseTag } from "./units.js";

/** What `checkAfterKill` found. */
export interface CheckResult {
  outcome: CheckOutcome;
  counts: ReturnType<typeof checkSession>["counts"];
  snapshotChecks: { contents: number; diffs: number };
  failures: string[];
  /** With `sabotage`: the key deleted behind the ledger's back, if one was. */
  sabotaged: string | null;
}

/**
 * Reopens the store (the writer is dead) and checks it against the ledger: the last writer's
 * units, then the snapshots. Writes `recovered` to the ledger when all is well.
 */
export async function checkAfterKill(
  files: TestDirectory,
  sabotage: boolean,
): Promise<CheckResult> {
  const ledger = readLedger(files.ledgerPath);
  const model = replay(ledger);
  const units = ledger.sessions.at(-1)?.units ?? [];
  const index = new UnitIndex(ledger);
  const { describe } = index;
  const opening = performance.now();
  const store = new Store({ path: files.storePath, shards: ledger.start.shards });
  try {
    await store.size();
    const reopenMs = Math.round(performance.now() - opening);
    let snapshots = await store.snapshots();
    let observed = await observeStore(store, snapshots);
    let sabotaged: string | null = null;
    if (sabotage) {
      sabotaged = await deleteAcknowledged(store, observed, index);
      if (sabotaged !== null) {
        snapshots = await store.snapshots();
        observed = await observeStore(store, snapshots);
      }
    }
    const check = checkSession(model, units, observed, ledger.start.durability, describe);
    const failures = [...check.failures];
    let snapshotChecks = { contents: 0, diffs: 0 };
    if (check.kept !== null && failures.length === 0) {
      const found = await checkSnapshots(snapshots, check.model, describe);
      failures.push(...found.failures);
      snapshotChecks = { contents: found.contentsChecked, diffs: found.diffsChecked };
    }
    if (failures.length === 0 && check.kept !== null) {
      const writer = new LedgerWriter(files.ledgerPath);
      writer.append(
        check.keptSnapshot === null
          ? { t: "recovered", kept: check.kept }
          : { t: "recovered", kept: check.kept, snapshot: check.keptSnapshot },
      );
      writer.close();
    }
    return {
      outcome: {
        units: units.length,
        applied: check.counts.unacknowledgedApplied,
        dropped: check.counts.unacknowledgedDropped,
        lost: check.counts.acknowledgedLost,
        failed: failures.length > 0,
        reopenMs,
        entries: observed.contents.size,
        snapshots: snapshots.length,
      },
      counts: check.counts,
      snapshotChecks,
      failures,
      sabotaged,
    };
  } finally {
    await store.close();
  }
}

/** The model after every session already checked: what the last writer started from. */
function replay(ledger: LedgerContents): Model {
  const model = new Model();
  for (const { units, recovered } of ledger.sessions) {
    if (recovered === null) break;
    units.slice(0, recovered.kept).forEach(({ unit, ack }, i) => {
      const last = i === recovered.kept - 1;
      model.apply(unit, ack?.snapshot ?? (last ? recovered.snapshot : undefined));
    });
  }
  return model;
}

/** Every unit of the ledger by number: what it was, whether it was acknowledged. */
class UnitIndex {
  private readonly units = new Map<number, LoggedUnit>();

  constructor(ledger: LedgerContents) {
    for (const { units } of ledger.sessions) {
      for (const logged of units) this.units.set(logged.unit.n, logged);
    }
  }

  /** Names the write a tag stands for, for the check's messages. */
  readonly describe: Describe = (tag) => {
    if (tag === FOREIGN) return "a value no write of the test made";
    const [n, i] = parseTag(tag);
    const logged = this.units.get(n);
    const what =
      logged === undefined
        ? "a unit the ledger lacks"
        : `a ${logged.unit.op}, ${logged.ack === null ? "not acknowledged" : "acknowledged"}`;
    return `unit ${n}'s item ${i} (${what})`;
  };

  acknowledged(tag: string): boolean {
    return tag !== FOREIGN && (this.units.get(parseTag(tag)[0])?.ack ?? null) !== null;
  }
}

/** `--sabotage`: deletes the first key (in order) holding an acknowledged write. */
async function deleteAcknowledged(
  store: Store,
  observed: Observed,
  index: UnitIndex,
): Promise<string | null> {
  const ids = [...observed.contents.keys()].sort();
  const id = ids.find((id) => index.acknowledged(observed.contents.get(id) as string));
  if (id === undefined) return null;
  const [namespace, key] = pairOf(id);
  await store.delete(namespace, key);
  return `${namespace}/${key}`;
}
