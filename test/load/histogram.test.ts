import { MessageChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { Histogram, type HistogramData } from "../../src/load/histogram.js";

/** Whether `actual` is within 1% of `expected`. */
const withinOnePercent = (actual: number, expected: number) =>
  expect(Math.abs(actual / expected - 1)).toBeLessThan(0.01);

describe("latency histogram", () => {
  it("gives percentiles, mean and max within 1%, at any scale", () => {
    for (const scale of [0.1, 1, 1000]) {
      const histogram = new Histogram();
      for (let i = 1; i <= 1000; i++) histogram.record((i / 100) * scale); // 0.01 to 10, scaled (1 µs and up)
      expect(histogram.count).toBe(1000);
      withinOnePercent(histogram.percentile(0.5), 5 * scale);
      withinOnePercent(histogram.percentile(0.99), 9.9 * scale);
      withinOnePercent(histogram.max, 10 * scale);
      withinOnePercent(histogram.mean, 5.005 * scale);
    }
    expect(new Histogram().percentile(0.99)).toBe(0);
    expect([new Histogram().mean, new Histogram().max]).toEqual([0, 0]);
  });

  it("merges what other threads recorded, sent as data through a port", async () => {
    const mine = new Histogram();
    const theirs = new Histogram();
    mine.record(1);
    theirs.record(100);
    theirs.record(100);
    const { port1, port2 } = new MessageChannel();
    // Inside an object, as an agent's stats are.
    const received = new Promise<{ latency: HistogramData }>((resolve) =>
      port2.once("message", resolve),
    );
    port1.postMessage({ latency: theirs.toData() });
    mine.merge((await received).latency);
    port1.close();
    expect(mine.count).toBe(3);
    withinOnePercent(mine.max, 100);
    withinOnePercent(mine.percentile(0.5), 100);
    withinOnePercent(mine.percentile(0.3), 1);
  });
});
