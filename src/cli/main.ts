#!/usr/bin/env node
/**
 * The `swarmstate` command: `swarmstate load`, the verified agent-swarm load run (`npm start`),
 * and `swarmstate crash-test`, a durable store checked across kills of its writer. Exit codes:
 * 0 success, 1 the run found a difference or failed, 2 a bad command line.
 */
import { availableParallelism } from "node:os";
import { crashTestCommand } from "../crash/crash-command.js";
import { CRASH_HELP, parseCrashTestArgs } from "../crash/crash-options.js";
import { UsageError } from "../load/flags.js";
import { HELP, parseLoadArgs } from "../load/load-options.js";
import { runLoad } from "../load/run-load.js";

const USAGE = `Usage: swarmstate <command> [flags]

Commands:
  load          run a simulated agent swarm against one store and verify it
                (swarmstate load --help for its flags)
  crash-test    kill a durable store's writer again and again, and check after each kill
                that nothing acknowledged was lost (swarmstate crash-test --help)
`;

/** Each command: its help, and what runs it (its flags parsed). */
const COMMANDS: Record<string, { help: string; run(args: string[]): Promise<number> | null }> = {
  load: {
    help: HELP,
    run(args) {
      const parsed = parseLoadArgs(args);
      return parsed.kind === "help" ? null : runLoad(parsed.options);
    },
  },
  "crash-test": {
    help: CRASH_HELP,
    run(args) {
      const parsed = parseCrashTestArgs(args);
      return parsed.kind === "help" ? null : crashTestCommand(parsed.options);
    },
  },
};

async function main(args: string[]): Promise<number> {
  // A durable store's shards commit on libuv's thread pool, 4 threads unless told otherwise:
  // more shards than that would wait for one another's commits. It must be set before the pool
  // first serves, which nothing has asked it to yet.
  process.env.UV_THREADPOOL_SIZE ??= String(Math.max(4, availableParallelism()));
  const [name, ...rest] = args;
  if (name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const command = name !== undefined && Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    const problem = name === undefined ? "no command given" : `unknown command '${name}'`;
    process.stderr.write(`swarmstate: ${problem}\n\n${USAGE}`);
    return 2;
  }
  try {
    const running = command.run(rest);
    if (running === null) {
      process.stdout.write(command.help);
      return 0;
    }
    return await running;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`swarmstate ${name}: ${error.message}\n`);
    return 2;
  }
}

process.exitCode = await main(process.argv.slice(2));
