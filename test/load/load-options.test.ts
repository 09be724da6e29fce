import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/load/flags.js";
import { DEFAULTS, type LoadOptions, parseLoadArgs } from "../../src/load/load-options.js";

function options(args: string[]): LoadOptions {
  const parsed = parseLoadArgs(args);
  if (parsed.kind !== "run") throw new Error("expected a run");
  return parsed.options;
}

function refusal(args: string[]): string {
  try {
    parseLoadArgs(args);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`accepted ${args.join(" ")}`);
}

describe("load flags", () => {
  it("default to a timed run of about 15 seconds", () => {
    expect(options([])).toEqual({
      agents: 4,
      steps: null,
      durationSeconds: DEFAULTS.durationSeconds,
      shards: DEFAULTS.shards,
      path: null,
      valueSize: 2048,
      seed: 1,
      checkpoints: 12,
      failures: 3,
      json: false,
      sabotage: false,
      replica: false,
      sabotageReplica: false,
    });
  });

  it("read every flag", () => {
    const args = ["--agents", "2", "--steps", "500", "--shards", "0", "--value-size", "4096"];
    args.push("--seed", "4294967295", "--checkpoints", "5", "--failures", "4", "--json");
    args.push("--replica", "--sabotage-replica");
    expect(options(args)).toMatchObject({
      agents: 2,
      steps: 500,
      durationSeconds: null,
      shards: 0,
      valueSize: 4096,
      seed: 2 ** 32 - 1,
      checkpoints: 5,
      failures: 4,
      json: true,
      replica: true,
      sabotageReplica: true,
    });
    expect(options(["--duration=2.5"]).durationSeconds).toBe(2.5);
    expect(options(["--path", "runs/one"]).path).toBe("runs/one");
  });

  it("keep the default failures below a small number of checkpoints", () => {
    expect(options(["--checkpoints", "2"]).failures).toBe(1);
    expect(options(["--checkpoints", "1"]).failures).toBe(0);
  });

  it("ask for help", () => {
    expect(parseLoadArgs(["--help"])).toEqual({ kind: "help" });
    expect(parseLoadArgs(["--agents", "3", "-h"])).toEqual({ kind: "help" });
  });

  it("refuse bad flags with a message naming the flag", () => {
    expect(refusal(["--agnets", "3"])).toBe("unknown flag --agnets (see --help)");
    expect(refusal(["--agents", "0"])).toBe("--agents must be between 1 and 64, got 0");
    expect(refusal(["--agents", "two"])).toBe("--agents expects a whole number, got 'two'");
    expect(refusal(["--value-size", "1.5"])).toContain("--value-size expects a whole number");
    expect(refusal(["--duration", "soon"])).toContain("--duration expects a number of seconds");
    expect(refusal(["--duration", "-1"])).toContain("--duration needs a value");
    expect(refusal(["--steps"])).toContain("--steps needs a value");
    expect(refusal(["--json=yes"])).toBe("--json takes no value (see --help)");
    expect(refusal(["4"])).toContain("unexpected argument '4'");
    expect(refusal(["--steps", "10", "--duration", "3"])).toContain("cannot be used together");
    expect(refusal(["--steps", "3", "--checkpoints", "4"])).toContain("at least --checkpoints");
    expect(refusal(["--checkpoints", "3", "--failures", "3"])).toContain(
      "--failures must be fewer than --checkpoints (3)",
    );
    expect(refusal(["--seed", String(2 ** 32)])).toContain("--seed must be between 0 and");
    expect(refusal(["--shards", "65"])).toContain("--shards must be between 0 and 64");
    expect(refusal(["--sabotage-replica"])).toBe(
      "--sabotage-replica needs --replica: there is no replica to sabotage",
    );
    expect(refusal(["--path", " "])).toBe("--path expects a directory, got ' '");
  });
});
