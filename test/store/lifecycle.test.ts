import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const entry = fileURLToPath(new URL("../../dist/index.js", import.meta.url));

describe("process lifecycle", () => {
  it("lets a program that closes its store exit on its own", async () => {
    const program = `
      const { Store } = await import(${JSON.stringify(entry)});
      const store = new Store({ shards: 2 });
      await store.set("n", "k", { ok: true });
      const snap = await store.snapshot();
      console.log(JSON.stringify(await snap.get("n", "k")));
      await store.close();
    `;
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", program], {
      timeout: 20_000,
    });
    expect(stdout.trim()).toBe('{"ok":true}');
  });
});
