// Every command in a page's `sh` block names what exists: a script of this package, a package the
// project knows, a `swarmstate` command, and for that command (or `npm start`, which runs
// `swarmstate load`) flags its own parser accepts. The commands themselves need a network or
// minutes; what a page can get wrong without anyone running them is a name.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCrashTestArgs } from "../../dist/crash/crash-options.js";
import { parseLoadArgs } from "../../dist/load/load-options.js";
import { repo } from "../repo-files.js";
import { codeBlocksOf, pages } from "./pages.js";

const manifest = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as {
  name: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const knownPackages = new Set([
  manifest.name,
  ...Object.keys(manifest.dependencies),
  ...Object.keys(manifest.peerDependencies),
  ...Object.keys(manifest.devDependencies),
]);

const swarmstate: Record<string, (args: string[]) => unknown> = {
  load: parseLoadArgs,
  "crash-test": parseCrashTestArgs,
};

/** What is wrong with one command (its words), or null. */
function problemOf(words: string[]): string | null {
  const [tool, verb, ...rest] = words;
  const afterDashes = rest.indexOf("--") < 0 ? [] : rest.slice(rest.indexOf("--") + 1);
  if (tool === "npx" || tool === "swarmstate") {
    if (tool === "npx" && verb !== "swarmstate") return `npx runs ${verb}, not swarmstate`;
    const [command = "", ...args] = tool === "npx" ? rest : [verb ?? "", ...rest];
    const parse = Object.hasOwn(swarmstate, command) ? swarmstate[command] : undefined;
    if (parse === undefined) return `swarmstate has no command ${command}`;
    parse(args);
    return null;
  }
  if (tool !== "npm") return `${tool} is not a command the pages may use`;
  if (verb === "test" || verb === "ci") return null;
  if (verb === "start") {
    parseLoadArgs(afterDashes);
    return null;
  }
  if (verb === "install") {
    const unknown = rest.filter((name) => !knownPackages.has(name));
    return unknown.length === 0 ? null : `unknown packages: ${unknown.join(", ")}`;
  }
  if (verb === "run") {
    const script = rest[0] ?? "";
    return Object.hasOwn(manifest.scripts, script) ? null : `no script ${script}`;
  }
  return `npm ${verb} is not a command the pages may use`;
}

const shells = pages.flatMap((page) => codeBlocksOf(page)).filter((b) => b.language === "sh");

describe("the commands on the pages", () => {
  it("are there", () => expect(shells.length).toBeGreaterThan(0));
  for (const block of shells) {
    it(`${block.page}:${block.line} names scripts, packages, commands and flags that exist`, () => {
      const problems = block.code
        .split("\n")
        .map((line) => line.replace(/(^|\s)#.*$/, "").trim())
        .filter((line) => line !== "")
        .flatMap((line) => line.split("&&").map((command) => command.trim()))
        .flatMap((command) => {
          try {
            const problem = problemOf(command.split(/\s+/));
            return problem === null ? [] : [`${command}: ${problem}`];
          } catch (error) {
            return [`${command}: ${(error as Error).message}`];
          }
        });
      expect(problems).toEqual([]);
    });
  }
});
