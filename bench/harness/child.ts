/**
 * Measurements that need a process of their own (memory: nothing else may have touched the heap
 * or the allocator). The parent runs a compiled bench file in a fresh `node --expose-gc`, with no
 * other flags or loaders; the child answers with one JSON line on stdout.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Runs `script` (a URL of a bench file) with `args`; resolves to the JSON it printed last. */
export function runChild<T>(script: URL, args: string[]): Promise<T> {
  const argv = ["--expose-gc", fileURLToPath(script), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (data: string) => {
      out += data;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const last = out.trim().split("\n").at(-1) ?? "";
      if (code !== 0) reject(new Error(`${fileURLToPath(script)} exited with ${code}`));
      else resolve(JSON.parse(last) as T);
    });
  });
}

/** The child's side: prints the answer for {@link runChild}. */
export function answer(result: unknown): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
