/**
 * Channel versions that never repeat within a thread.
 *
 * Why: the saver stores one blob per channel version (see saver-layout.ts). LangGraph's default
 * versions are integers counted from the checkpoint a step starts from, so two branches forked
 * from one checkpoint (time travel, `updateState` on an old checkpoint) would both write version
 * n+1 of a channel, and the second branch's blob would replace the first's. A version here is the
 * next integer plus a random fraction in [0, 1): still a number (LangGraph's types and
 * comparisons expect one), still increasing, and distinct between branches.
 */

/** The version after `current` (a number, a numeric string, or none yet). */
export function nextVersion(current: number | string | undefined): number {
  const previous = typeof current === "string" ? Number.parseFloat(current) : (current ?? 0);
  const whole = Number.isFinite(previous) ? Math.floor(previous) : 0;
  // `whole + 1 + fraction` stays below `whole + 2`, so versions increase by step, and the
  // fraction keeps about 30 bits of randomness for the first billion steps.
  return whole + 1 + Math.random();
}
