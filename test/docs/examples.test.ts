// Every `ts` block on the pages, and every `@example` of the API's doc comments (what typedoc
// publishes), is a program a user could paste: it is type-checked under `strict` against the
// built package (imported as "swarmstate", as a user imports it), then run as a process of its
// own, which must end by itself and print exactly what the page says it prints (a doc comment's
// example prints nothing: it states its results with `assert`). A program that closes its store
// must also end by itself, printing the same, with its last `close()` left out, as a user who
// forgets it would. So the docs cannot drift from the code. A program that reads
// `DATABASE_URL` (a replicated store's) gets a database of its own on a Postgres this file starts.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresForThisFile } from "../fixtures/postgres.js";
import { repo } from "../repo-files.js";
import { type CodeBlock, codeBlocksOf, docCommentExamples, LANGUAGES, pages } from "./pages.js";

const run = promisify(execFile);
const postgres = postgresForThisFile();
let databases = 0;

const blocks = [...pages.flatMap((page) => codeBlocksOf(page)), ...docCommentExamples()];
const programs = blocks.filter((block) => block.language === "ts");

/** What a user's `tsconfig.json` with `strict` holds for an ESM Node program. */
const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: ["node"],
  skipLibCheck: true,
};

// The programs live under the repository (in the ignored `.scratch/`), so that "swarmstate"
// resolves to the package itself through its `exports`, the way it does for a user; each runs
// in an empty directory of its own, so that the paths it names are fresh.
let built = "";
const sourceOf = new Map<CodeBlock, string>();
const diagnostics: string[] = [];
const cwds: string[] = [];

beforeAll(() => {
  mkdirSync(join(repo, ".scratch"), { recursive: true });
  built = mkdtempSync(join(repo, ".scratch", "examples-"));
  for (const [index, block] of programs.entries()) {
    const file = join(built, `${block.page.replace(/\W/g, "_")}-${block.line}-${index}.ts`);
    writeFileSync(file, block.code);
    sourceOf.set(block, file);
  }
  const program = ts.createProgram([...sourceOf.values()], COMPILER_OPTIONS);
  const blockOf = new Map([...sourceOf].map(([block, file]) => [file, block]));
  for (const found of [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics]) {
    const message = ts.flattenDiagnosticMessageText(found.messageText, "\n");
    const block = found.file === undefined ? undefined : blockOf.get(found.file.fileName);
    if (found.file === undefined || block === undefined || found.start === undefined) {
      diagnostics.push(message);
      continue;
    }
    const { line } = found.file.getLineAndCharacterOfPosition(found.start);
    diagnostics.push(`${block.page}:${block.line + line}: ${message}`);
  }
});

afterAll(() => {
  for (const dir of [built, ...cwds.splice(0)]) {
    if (dir !== "") rmSync(dir, { recursive: true, force: true });
  }
});

/** Longest an example may run: far beyond any here (2 s at most), short of the test's own limit. */
const RUN_LIMIT_MS = 25_000;

/** A fresh, empty directory to run an example in. */
function freshDirectory(): string {
  const cwd = mkdtempSync(join(tmpdir(), "swarmstate-example-"));
  cwds.push(cwd);
  return cwd;
}

/** The JavaScript that the type check emitted for `block`, beside its source. */
const builtOf = (block: CodeBlock): string => sourceOf.get(block)?.replace(/\.ts$/, ".js") ?? "";

/** Runs a built example in `cwd`; resolves to what it printed. */
async function runExample(
  file: string,
  cwd = freshDirectory(),
  env = process.env,
): Promise<string> {
  const { stdout } = await run(process.execPath, [file], { cwd, env, timeout: RUN_LIMIT_MS });
  return stdout;
}

/** The environment a block runs in: with `DATABASE_URL` naming a fresh database if it reads it. */
async function environmentOf(block: CodeBlock): Promise<NodeJS.ProcessEnv> {
  if (!block.code.includes("DATABASE_URL")) return process.env;
  const name = `example_${++databases}`;
  const admin = new pg.Client({ connectionString: postgres().url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(postgres().url);
  url.pathname = `/${name}`;
  return { ...process.env, DATABASE_URL: url.toString() };
}

const CLOSE_LINE = /^await \w+\.close\(\);.*\n/gm;

/** `source` without its last top-level `await x.close();` line: the close a user forgets. */
function withoutLastClose(source: string): string | null {
  const last = [...source.matchAll(CLOSE_LINE)].at(-1);
  if (last === undefined) return null;
  return source.slice(0, last.index) + source.slice(last.index + last[0].length);
}

describe.concurrent("the code on the pages", () => {
  it("marks every block with a language the checks know", () => {
    const unknown = blocks
      .filter((block) => !LANGUAGES.includes(block.language))
      .map((block) => `${block.page}:${block.line - 1}: "${block.language}"`);
    expect(unknown).toEqual([]);
  });

  it("type-checks every program under strict", () => {
    expect(programs.length).toBeGreaterThan(0);
    expect(diagnostics).toEqual([]);
  });

  for (const block of programs) {
    const where = `${block.page}:${block.line}`;
    it(`${where} runs, ends by itself and prints what the page says`, async () => {
      const file = builtOf(block);
      const cwd = freshDirectory();
      const env = await environmentOf(block);
      expect(await runExample(file, cwd, env)).toBe(block.prints);
      if (block.printsAgain !== null) {
        expect(await runExample(file, cwd, env)).toBe(block.printsAgain);
      }
    });
    if (withoutLastClose(block.code) === null) continue;
    it(`${where} ends by itself with its last close() left out, printing the same`, async () => {
      const closed = builtOf(block);
      const file = closed.replace(/\.js$/, "-unclosed.js");
      const unclosed = withoutLastClose(readFileSync(closed, "utf8"));
      expect(unclosed).not.toBeNull();
      writeFileSync(file, unclosed ?? "");
      expect(await runExample(file, freshDirectory(), await environmentOf(block))).toBe(
        block.prints,
      );
    });
  }
});
