/** Counts as the commands' reports print them: rounded, with thousands separators. */

/** `1234.6` → `"1,235"`. */
export function int(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** `plural(3, "kill")` → `"3 kills"`; `words` for an irregular plural. */
export function plural(count: number, word: string, words = `${word}s`): string {
  return `${int(count)} ${count === 1 ? word : words}`;
}
