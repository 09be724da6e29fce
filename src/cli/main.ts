#!/usr/bin/env node
/**
 * The `swarmstate` command. One subcommand for now: `swarmstate load`, the verified agent-swarm
 * load run (`npm start`). Exit codes: 0 success, 1 the run found a difference or failed,
 * 2 a bad command line.
 */
import { UsageError } from "../load/flags.js";
import { HELP, parseLoadArgs } from "../load/load-options.js";
import { runLoad } from "../load/run-load.js";

const USAGE = `Usage: swarmstate load [flags]

Commands:
  load    run a simulated agent swarm against one store and verify it
          (swarmstate load --help for its flags)
`;

async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  if (command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command !== "load") {
    const problem = command === undefined ? "no command given" : `unknown command '${command}'`;
    process.stderr.write(`swarmstate: ${problem}\n\n${USAGE}`);
    return 2;
  }
  let parsed: ReturnType<typeof parseLoadArgs>;
  try {
    parsed = parseLoadArgs(rest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`swarmstate load: ${error.message}\n`);
    return 2;
  }
  if (parsed.kind === "help") {
    process.stdout.write(HELP);
    return 0;
  }
  return runLoad(parsed.options);
}

process.exitCode = await main(process.argv.slice(2));
