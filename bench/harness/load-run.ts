/**
 * One run of `swarmstate load` (the package's own agent-swarm load, src/load), in a process of
 * its own as a user would start it; what it reports.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { projectRoot } from "./paths.js";

const run = promisify(execFile);
const CLI = fileURLToPath(new URL("dist/cli/main.js", projectRoot));

export interface LoadRun {
  agents: number;
  shards: number;
  /** Every store call of every agent, per second of the run. */
  opsPerSecond: number;
  /** Whether the run verified the store against the agents' ledgers. */
  verified: boolean;
}

/** Runs `swarmstate load` with these flags for `seconds`; resolves to its figures. */
export async function runLoad(agents: number, shards: number, seconds: number): Promise<LoadRun> {
  const flags = ["--agents", agents, "--shards", shards, "--duration", seconds, "--json"];
  const { stdout } = await run(process.execPath, [CLI, "load", ...flags.map(String)], {
    maxBuffer: 64 * 2 ** 20,
  });
  const report = JSON.parse(stdout) as {
    ok: boolean;
    operations: { all: { perSecond: number } };
  };
  return { agents, shards, opsPerSecond: report.operations.all.perSecond, verified: report.ok };
}
