// The README's examples, run as a user would paste them into a program: each must run to
// completion and end by itself, as written and with its `close()` left out.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";

const run = promisify(execFile);
const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const entry = pathToFileURL(fileURLToPath(new URL("../../dist/index.js", import.meta.url))).href;

/** The first TypeScript block after the heading `heading` (a whole line of the README). */
function exampleUnder(heading: string): string {
  const at = readme.indexOf(`\n${heading}\n`);
  if (at < 0) throw new Error(`the README has no heading ${heading}`);
  const start = readme.indexOf("```ts\n", at) + "```ts\n".length;
  return readme.slice(start, readme.indexOf("\n```", start));
}

const withoutClose = (source: string) => source.replace(/^await \w+\.close\(\);.*$/gm, "");

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Runs `source` as a program in `dir`, importing the built package; resolves once it ended. */
async function runProgram(source: string, dir: string): Promise<void> {
  const file = join(dir, "example.mjs");
  writeFileSync(file, source.replace(/from "swarmstate"/g, `from ${JSON.stringify(entry)}`));
  await run(process.execPath, [file], { cwd: dir, timeout: 20_000 });
}

describe("the README's examples", () => {
  const examples = [
    ["## Example", 1],
    ["## Durable stores", 2], // the second run reopens what the first left
  ] as const;
  for (const [heading, runs] of examples) {
    for (const [variant, edit] of [
      ["as written", (source: string) => source],
      ["without close()", withoutClose],
    ] as const) {
      it(`run to completion and end: ${heading}, ${variant}`, async () => {
        const source = exampleUnder(heading);
        expect(source).toContain("close()");
        expect(edit(source).includes(".close()")).toBe(variant === "as written");
        const dir = mkdtempSync(join(tmpdir(), "swarmstate-readme-"));
        dirs.push(dir);
        for (let i = 0; i < runs; i++) await runProgram(edit(source), dir);
      });
    }
  }
});
