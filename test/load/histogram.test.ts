import { describe, expect, it } from "vitest";
import { Histogram } from "../../src/load/histogram.js";

describe("latency histogram", () => {
  it("gives percentiles within a few percent, at any scale", () => {
    const histogram = new Histogram();
    for (let i = 1; i <= 1000; i++) histogram.record(i / 100); // 0.01 ms to 10 ms
    expect(histogram.count).toBe(1000);
    expect(histogram.percentile(0.5)).toBeCloseTo(5, 0);
    expect(Math.abs(histogram.percentile(0.5) / 5 - 1)).toBeLessThan(0.03);
    expect(Math.abs(histogram.percentile(0.99) / 9.9 - 1)).toBeLessThan(0.03);
    expect(histogram.max).toBe(10);
    expect(histogram.mean).toBeCloseTo(5.005, 6);
  });

  it("merges what other threads recorded", () => {
    const mine = new Histogram();
    const theirs = new Histogram();
    mine.record(1);
    theirs.record(100);
    theirs.record(100);
    mine.merge(theirs.toData());
    expect(mine.count).toBe(3);
    expect(mine.max).toBe(100);
    expect(mine.percentile(0.5)).toBeCloseTo(100, -1);
    expect(new Histogram().percentile(0.99)).toBe(0);
  });
});
