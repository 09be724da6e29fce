/** The machine and versions a run's figures came from, recorded next to them. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { projectRoot } from "./paths.js";

const PACKAGES = [
  "piscina",
  "msgpackr",
  "immutable",
  "tinybench",
  "@langchain/langgraph",
  "@langchain/langgraph-checkpoint",
] as const;

export interface Machine {
  cpuModel: string;
  cpuCount: number;
  availableParallelism: number;
  totalMemoryMB: number;
  /** 1-minute load average when the run started: a busy machine shows here. */
  loadAverage: number;
  platform: string;
  node: string;
  v8: string;
  packages: Record<string, string>;
  /** The commit measured, and whether src/ differed from it (then it is not reproducible). */
  revision: { commit: string; srcModified: boolean } | null;
}

function versionOf(packageJson: URL): string {
  return (JSON.parse(readFileSync(packageJson, "utf8")) as { version: string }).version;
}

function revision(): Machine["revision"] {
  const git = (...args: string[]) =>
    execFileSync("git", args, { cwd: projectRoot, encoding: "utf8", stdio: "pipe" }).trim();
  try {
    return {
      commit: git("rev-parse", "HEAD"),
      srcModified: git("status", "--porcelain", "--", "src").length > 0,
    };
  } catch {
    return null; // not a git checkout (an unpacked tarball, say)
  }
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  const packages: Record<string, string> = {
    swarmstate: versionOf(new URL("package.json", projectRoot)),
  };
  for (const name of PACKAGES) {
    packages[name] = versionOf(new URL(`node_modules/${name}/package.json`, projectRoot));
  }
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cpuCount: cpus.length,
    availableParallelism: os.availableParallelism(),
    totalMemoryMB: Math.round(os.totalmem() / 2 ** 20),
    loadAverage: os.loadavg()[0] ?? 0,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    packages,
    revision: revision(),
  };
}
