// The guides name everything the package exports, types included, so that their lists cannot
// fall behind the entry points again: each export of the built declarations must appear in its
// entry point's guide as code (`Name`).
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { readPage, repo } from "./pages.js";

/** Each entry point's declarations, and the page that guides its users. */
const ENTRY_POINTS = [
  ["dist/index.d.ts", "docs/api-guide.md"],
  ["dist/langgraph/index.d.ts", "docs/langgraph.md"],
] as const;

/** The names an entry point's declarations export, values and types alike. */
function exportsOf(entry: string): string[] {
  const file = join(repo, entry);
  const program = ts.createProgram([file], { skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (module === undefined) throw new Error(`${entry}: no module`);
  return checker.getExportsOfModule(module).map((symbol) => symbol.name);
}

describe("the guides", () => {
  it.each(ENTRY_POINTS)("name every export of %s (%s)", (entry, page) => {
    const guide = readPage(page);
    const exported = exportsOf(entry);
    expect(exported.length).toBeGreaterThan(3);
    expect(exported.filter((name) => !guide.includes(`\`${name}\``))).toEqual([]);
  });
});
