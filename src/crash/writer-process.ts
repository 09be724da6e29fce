/**
 * The entry of the crash test's writer process: `node writer-process.js <settings as JSON>`.
 * It runs until it is killed; a failure is printed on stderr and ends it with code 1, which the
 * runner reports (a writer must never stop on its own).
 */
import { runWriter, type WriterSettings } from "./writer.js";

try {
  await runWriter(JSON.parse(process.argv[2] ?? "") as WriterSettings);
} catch (error) {
  process.stderr.write(`crash-test writer: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
}
