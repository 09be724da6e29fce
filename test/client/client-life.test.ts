import { describe, expect, it } from "vitest";
import { ClientLife } from "../../src/client/client-life.js";

describe("ClientLife", () => {
  it("goes open, refusing, ended, and a refusal is what a new call hears first", () => {
    const life = new ClientLife();
    expect([life.refusedWith, life.failure]).toEqual([null, null]); // open
    const closing = new Error("closing");
    life.refuse(closing);
    life.refuse(new Error("a second refusal"));
    expect([life.refusedWith, life.failure]).toEqual([closing, null]); // refusing
    const died = new Error("shard died");
    life.end(died);
    expect([life.refusedWith, life.failure]).toEqual([closing, died]); // ended
    life.endRefused(); // the first reason stays
    expect(life.failure).toBe(died);
  });

  it("ends with the refusal itself once closing is done, and by a failure when open", () => {
    const closed = new ClientLife();
    const closing = new Error("closing");
    closed.refuse(closing);
    closed.endRefused();
    expect([closed.refusedWith, closed.failure]).toEqual([closing, closing]); // ended

    const failed = new ClientLife();
    failed.endRefused(); // nothing to end with: still open
    expect([failed.refusedWith, failed.failure]).toEqual([null, null]);
    const died = new Error("shard died");
    failed.end(died);
    expect([failed.refusedWith, failed.failure]).toEqual([died, died]); // ended
  });
});
