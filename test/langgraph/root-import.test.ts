/**
 * `@langchain/*` are optional peer dependencies: importing the package root (and using a store)
 * must not load any of them. A child process imports the built root with every @langchain
 * module refused; importing `swarmstate/langgraph` the same way must fail, which shows that the
 * refusal works.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const at = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const child = (entry: string) =>
  run(process.execPath, [at("../fixtures/no-langchain.mjs"), at(entry)]);

describe("the root entry point", () => {
  it("loads no @langchain module, also when a store runs", async () => {
    const { stdout } = await child("../../dist/index.js");
    expect(stdout.trim()).toBe("ok");
  });

  it("while swarmstate/langgraph does (so the check can fail)", async () => {
    await expect(child("../../dist/langgraph/index.js")).rejects.toThrow(/loaded @langchain\//);
  });
});
