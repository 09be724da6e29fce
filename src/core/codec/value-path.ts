/**
 * How error messages name a place inside a value: the name of the value, then a step per array
 * index or property name, e.g. `set: value.tools[3]["my key"]`. Kept as a stack of steps while
 * walking and joined only when something is refused: building the string for every property
 * would cost more than the walk itself.
 */

/** An array index, a property name, or (refused) a symbol key. */
export type Step = number | string | symbol;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
/** Paths longer than this many steps are shown as their first and last steps. */
const LONG_PATH = 12;

/** `root` followed by `steps`, shortened in the middle when long. */
export function formatPath(root: string, steps: readonly Step[]): string {
  if (steps.length <= LONG_PATH) return root + steps.map(formatStep).join("");
  const head = steps
    .slice(0, LONG_PATH / 2)
    .map(formatStep)
    .join("");
  const tail = steps
    .slice(-LONG_PATH / 4)
    .map(formatStep)
    .join("");
  const skipped = steps.length - LONG_PATH / 2 - LONG_PATH / 4;
  return `${root}${head}…(${skipped} more)…${tail}`;
}

function formatStep(step: Step): string {
  if (typeof step === "number") return `[${step}]`;
  if (typeof step === "symbol") return `[${String(step)}]`;
  return IDENTIFIER.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
}
