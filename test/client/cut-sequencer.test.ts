// The cut sequencer against its rule, with random interleavings of calls, flushes, cuts, calls
// to the store in order with them, and cuts ending: calls and cuts go in the order they were
// made, ordered calls in order with the cuts (not with the calls: they go to the store, not to
// the shards), nothing while a cut is under way, and in the end everything.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CutSequencer } from "../../src/client/cut-sequencer.js";

interface Entry {
  kind: "sent" | "ordered" | "cut started" | "cut ended";
  id: number;
}

type Command = "call" | "flush" | "cut" | "ordered" | "end a cut";

class Harness {
  readonly log: Entry[] = [];
  private issued = 0;
  private current: number[] = [];
  /** Cuts under way, waiting for the test to end them. */
  private readonly running: (() => void)[] = [];
  readonly sequencer = new CutSequencer<number[]>({
    take: () => {
      const taken = this.current;
      this.current = [];
      return taken;
    },
    send: (segment) => {
      for (const id of segment) this.log.push({ kind: "sent", id });
    },
    requester: () => ({ client: 1, sent: [] }),
    failure: () => null,
  });

  async run(command: Command): Promise<void> {
    const id = ++this.issued;
    switch (command) {
      case "call":
        this.current.push(id);
        return;
      case "flush": // as the client's end of tick does
        if (!this.sequencer.cutting) this.flushNow();
        return;
      case "ordered":
        void this.sequencer.inOrder(async () => {
          this.log.push({ kind: "ordered", id });
        });
        return;
      case "cut":
        void this.sequencer.cut(
          () =>
            new Promise<void>((resolve) => {
              this.log.push({ kind: "cut started", id });
              this.running.push(() => {
                this.log.push({ kind: "cut ended", id });
                resolve();
              });
            }),
        );
        return;
      case "end a cut":
        this.running.shift()?.();
        await settle();
        return;
    }
  }

  /** Ends every cut, however many the backlog starts, and sends what is left. */
  async finish(): Promise<void> {
    await settle();
    while (this.running.length > 0) {
      this.running.shift()?.();
      await settle();
    }
    this.flushNow();
  }

  private flushNow(): void {
    const segment = this.current;
    this.current = [];
    for (const id of segment) this.log.push({ kind: "sent", id });
  }
}

/** Lets promise callbacks run (a cut's end reaches the sequencer through two of them). */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

const command = fc.constantFrom<Command>("call", "call", "flush", "cut", "ordered", "end a cut");

describe("CutSequencer", () => {
  it("runs everything in the order issued, nothing during a cut, and everything in the end", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { maxLength: 40 }), async (commands) => {
        const harness = new Harness();
        for (const next of commands) await harness.run(next);
        await harness.finish();
        const { log } = harness;
        const idsOf = (kinds: Entry["kind"][]) =>
          log.filter((entry) => kinds.includes(entry.kind)).map(({ id }) => id);
        const ascending = (ids: number[]) => [...ids].sort((a, b) => a - b);
        for (const kinds of [
          ["sent", "cut started"],
          ["ordered", "cut started"],
        ] as const) {
          const ids = idsOf([...kinds]);
          expect(ids).toEqual(ascending(ids));
        }
        // Nothing between a cut's start and its end.
        log.forEach((entry, i) => {
          if (entry.kind === "cut started")
            expect(log[i + 1]).toEqual({ ...entry, kind: "cut ended" });
        });
        // Everything issued ran (flushes and cut ends are not entries).
        const expected = commands.flatMap((next, i) =>
          next === "call" || next === "ordered" || next === "cut" ? [i + 1] : [],
        );
        expect(ascending(idsOf(["sent", "ordered", "cut started"]))).toEqual(expected);
        expect(harness.sequencer.cutting).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
