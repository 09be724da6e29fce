// The guides name everything the package exports, types included, so that their lists cannot
// fall behind the entry points again: each export of the built declarations must appear in its
// entry point's guide as code (`Name`).
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { repo } from "../repo-files.js";
import { readPage } from "./pages.js";

/** Each entry point's declarations, and the page that guides its users. */
const ENTRY_POINTS = [
  ["dist/index.d.ts", "docs/api-guide.md"],
  ["dist/langgraph/index.d.ts", "docs/langgraph.md"],
] as const;

// One program reads both entry points: the LangGraph one imports the root's declarations.
const program = ts.createProgram(
  ENTRY_POINTS.map(([entry]) => join(repo, entry)),
  { skipLibCheck: true, noEmit: true },
);
const checker = program.getTypeChecker();

/** The names an entry point's declarations export, values and types alike. */
function exportsOf(entry: string): string[] {
  const source = program.getSourceFile(join(repo, entry));
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
