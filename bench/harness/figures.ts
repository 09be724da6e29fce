/**
 * A figure is one number a case reports: usually a ratio to a baseline measured in the same run,
 * with the target it is held to. The verdict is computed here, from the measured value, and only
 * here: a case never decides its own PASS.
 */

/** A bound from an issue, e.g. `{ op: "<=", value: 3, source: "#2" }`. */
export interface Target {
  op: "<=" | ">=";
  value: number;
  /** Where the target is stated (issue number). */
  source: string;
}

export type Unit = "x" | "ms" | "MB" | "KB" | "B" | "ops/s" | "";

/** A measured number with its unit; kept raw in the JSON, formatted only for display. */
export interface Quantity {
  value: number;
  unit: Unit;
}

export interface Figure {
  section: string;
  name: string;
  value: number;
  unit: Unit;
  target: Target | null;
  verdict: "PASS" | "MISS" | "info";
  /** The measurements behind the figure (absolute times, sizes), shown next to it. */
  detail: Record<string, Quantity>;
}

export function figure(
  section: string,
  name: string,
  measured: Quantity,
  target: Target | null,
  detail: Record<string, Quantity> = {},
): Figure {
  const { value, unit } = measured;
  return { section, name, value, unit, target, verdict: verdictOf(value, target), detail };
}

function verdictOf(value: number, target: Target | null): Figure["verdict"] {
  if (target === null) return "info";
  const met = target.op === "<=" ? value <= target.value : value >= target.value;
  return met ? "PASS" : "MISS";
}

export const ratio = (value: number): Quantity => ({ value, unit: "x" });
export const ms = (value: number): Quantity => ({ value, unit: "ms" });
export const mb = (bytes: number): Quantity => ({ value: bytes / 2 ** 20, unit: "MB" });
export const kb = (bytes: number): Quantity => ({ value: bytes / 2 ** 10, unit: "KB" });
export const bytes = (value: number): Quantity => ({ value, unit: "B" });
export const opsPerSecond = (value: number): Quantity => ({ value, unit: "ops/s" });
export const count = (value: number): Quantity => ({ value, unit: "" });

/**
 * A figure that compares two latencies: `over`'s p50 divided by `under`'s (its baseline from the
 * same run), with both p50s shown beside it under their labels.
 */
export function p50Ratio(
  section: string,
  name: string,
  over: [label: string, p50: number],
  under: [label: string, p50: number],
  target: Target | null,
): Figure {
  return figure(section, name, ratio(over[1] / under[1]), target, {
    [over[0]]: ms(over[1]),
    [under[0]]: ms(under[1]),
  });
}

/** A quantity with a sensible number of digits for its size (times below 1 ms in µs). */
export function format({ value, unit }: Quantity): string {
  if (unit === "ms" && Math.abs(value) < 1) return `${digits(value * 1000)} µs`;
  if (unit === "x") return `${digits(value)}x`;
  if (unit === "") return formatCount(value);
  return `${digits(value)} ${unit}`;
}

function digits(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  const fraction = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3;
  return value.toLocaleString("en-US", { maximumFractionDigits: fraction });
}

/**
 * A target as a reader sees it: the bound alone. Its `source` (the tracker's issue) stays in the
 * JSON for the team; it means nothing to a user reading the results.
 */
export function formatTarget(target: Target | null, unit: Unit): string {
  if (target === null) return "";
  const op = target.op === "<=" ? "≤" : "≥";
  return `${op} ${format({ value: target.value, unit })}`;
}

/** `1000` → `1k`, `1000000` → `1M`; other numbers with thousands separators. */
export function formatCount(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}M`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return digits(n);
}
