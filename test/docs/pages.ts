// The pages a reader of the repository sees, and the fenced code blocks in them, for the tests that
// hold the docs to the code (links, examples).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repo, sourceFiles } from "../repo-files.js";

/** The README, ARCHITECTURE.md and every page of docs/, as paths relative to the repository. */
export const pages: string[] = [
  "README.md",
  "ARCHITECTURE.md",
  ...readdirSync(join(repo, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`),
];

export const readPage = (page: string): string => readFileSync(join(repo, page), "utf8");

/**
 * The languages a block may be marked with. `ts` is a program to type-check and run, `sh` holds
 * commands, `text` is what a program prints or a layout. A block with any other mark, or none,
 * is refused, so that no code on a page escapes the checks by being left unmarked.
 */
export const LANGUAGES: readonly string[] = ["ts", "sh", "text"];

export interface CodeBlock {
  readonly page: string;
  /** The page's line number (1-based) of the block's first line of code. */
  readonly line: number;
  /** As marked on the fence: one of {@link LANGUAGES} unless the page is wrong. */
  readonly language: string;
  readonly code: string;
  /**
   * For a `ts` block, what the page says it prints: the `text` block that follows it when the
   * paragraph between them is one line ending in "prints:". Without one, it prints nothing.
   */
  readonly prints: string;
  /**
   * What the page says a second run prints, in the same directory, when the paragraph after the
   * output says "Run it again and it prints `…`" (a program whose store is on disk); else null.
   */
  readonly printsAgain: string | null;
}

const FENCE = /^```(\S*)/;
const INTRODUCES_OUTPUT = /prints:$/;
const SECOND_RUN = /^Run it again and it prints `([^`]*)`/;

/** The paragraph that starts at or after line index `from`, its lines joined by spaces. */
function paragraphAt(lines: readonly string[], from: number): string {
  let start = from;
  while (start < lines.length && lines[start]?.trim() === "") start++;
  const end = lines.findIndex((line, at) => at >= start && line.trim() === "");
  return lines.slice(start, end < 0 ? lines.length : end).join(" ");
}

/** The fenced blocks of `page`, in order; an output block is given as its program's `prints`. */
export function codeBlocksOf(page: string, text = readPage(page)): CodeBlock[] {
  const lines = text.split("\n");
  const raw: { line: number; end: number; language: string; code: string }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? "");
    if (open === null) continue;
    const close = lines.findIndex((line, at) => at > i && line.trimEnd() === "```");
    if (close < 0) throw new Error(`${page}:${i + 1}: a code block is never closed`);
    raw.push({
      line: i + 2,
      end: close + 1,
      language: open[1] ?? "",
      code: `${lines.slice(i + 1, close).join("\n")}\n`,
    });
    i = close;
  }
  const blocks: CodeBlock[] = [];
  for (let at = 0; at < raw.length; at++) {
    const block = raw[at];
    if (block === undefined) continue;
    const next = raw[at + 1];
    const between = next === undefined ? [] : lines.slice(block.end, next.line - 2);
    const said = between.filter((line) => line.trim() !== "");
    const output =
      block.language === "ts" &&
      next?.language === "text" &&
      said.length === 1 &&
      INTRODUCES_OUTPUT.test(said[0] ?? "");
    const after = output && next !== undefined ? paragraphAt(lines, next.end) : "";
    const again = SECOND_RUN.exec(after);
    blocks.push({
      page,
      line: block.line,
      language: block.language,
      code: block.code,
      prints: output ? (next?.code ?? "") : "",
      printsAgain: again === null ? null : `${again[1]}\n`,
    });
    if (output) at++;
  }
  return blocks;
}

/**
 * The folders whose doc comments typedoc publishes: everything the package's entry points export
 * is declared there. (The tools' folders, `load`, `crash` and `cli`, are not part of the API.)
 */
const PUBLISHED = ["src/client", "src/core", "src/store", "src/langgraph"];

/**
 * The `@example` of every published doc comment, each a `ts` block (a program) in the comment.
 * An `@example` without one is given with the language "none", for the test to refuse.
 */
export function docCommentExamples(): CodeBlock[] {
  return PUBLISHED.flatMap((dir) => sourceFiles(dir))
    .sort()
    .flatMap((file) => {
      const lines = readFileSync(join(repo, file), "utf8").split("\n");
      const examples: CodeBlock[] = [];
      for (const [at, line] of lines.entries()) {
        if (!/^\s*\* @example\s*$/.test(line) && !/@example\s+\S/.test(line)) continue;
        const open = lines[at + 1]?.replace(/^\s*\* ?/, "");
        const close = lines.findIndex((l, i) => i > at + 1 && /^\s*\* ```\s*$/.test(l));
        if (open !== "```ts" || close < 0) {
          examples.push({
            page: file,
            line: at + 1,
            language: "none",
            code: "",
            prints: "",
            printsAgain: null,
          });
          continue;
        }
        const code = lines.slice(at + 2, close).map((l) => l.replace(/^\s*\* ?/, ""));
        examples.push({
          page: file,
          line: at + 3,
          language: "ts",
          code: `${code.join("\n")}\n`,
          prints: "",
          printsAgain: null,
        });
      }
      return examples;
    });
}
