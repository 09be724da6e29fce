// Every relative link in the README, ARCHITECTURE.md and docs/ leads somewhere: to a file or
// folder of the repository, and, with a `#fragment`, to a heading of that page (as GitHub makes
// heading anchors), so that moving text between pages cannot leave a link behind.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repo } from "../repo-files.js";
import { pages, readPage } from "./pages.js";

/** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to `-`. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fenced = false;
  for (const line of text.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} +(.*)$/.exec(line);
    if (heading === null) continue;
    const slug = (heading[1] ?? "")
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

/** The relative links of a page (outside code), as `[target, fragment]`. */
function linksOf(text: string): [string, string | null][] {
  const prose = text.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? "")
    .filter((link) => !/^[a-z]+:/i.test(link))
    .map((link) => {
      const at = link.indexOf("#");
      return at < 0 ? [link, null] : [link.slice(0, at), link.slice(at + 1)];
    });
}

describe("relative links in the docs", () => {
  it.each(pages)("%s: every one leads to a file and, with a fragment, a heading", (page) => {
    const text = readPage(page);
    const broken = linksOf(text).flatMap(([target, fragment]) => {
      const path = target === "" ? join(repo, page) : normalize(join(repo, dirname(page), target));
      const shown = `${target}${fragment === null ? "" : `#${fragment}`}`;
      if (relative(repo, path).startsWith("..") || !existsSync(path)) return [`${shown}: no file`];
      if (fragment !== null && !anchorsOf(readFileSync(path, "utf8")).has(fragment)) {
        return [`${shown}: no such heading`];
      }
      return [];
    });
    expect(broken).toEqual([]);
  });
});
