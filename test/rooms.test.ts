// ARCHITECTURE.md's table of rooms is what `npm run lint` enforces: for every room, a probe file
// importing every other room (and every file the table names) is linted with the project's own
// biome.json, and exactly the imports the table does not allow must fail. So a rule loosened,
// tightened or forgotten in biome.json, or a room missing from the table, fails here.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repo, sourceFiles } from "./repo-files.js";

const biome = join(repo, "node_modules", ".bin", "biome");

interface Room {
  /** The room's folder, e.g. `src/core`. */
  dir: string;
  /** Folders and files (`src/index.ts`) it may import. */
  mayImport: string[];
  /** Packages it must never import. */
  never: string[];
}

/** The rows of the table under `## Rooms`: `| \`src/x\` | runs in | may import | never |`. */
function roomsTable(): Room[] {
  const text = readFileSync(join(repo, "ARCHITECTURE.md"), "utf8");
  const section = text.split(/^## /m).find((part) => part.startsWith("Rooms"));
  if (section === undefined) throw new Error("ARCHITECTURE.md has no '## Rooms' section");
  // `src/load/{a,b}.ts` names src/load/a.ts and src/load/b.ts.
  const ticked = (cell: string) =>
    [...cell.matchAll(/`([^`]+)`/g)].flatMap((match) => {
      const name = match[1] ?? "";
      const braces = /^(.*)\{([^}]+)\}(.*)$/.exec(name);
      if (braces === null) return [name];
      const [, before, choices = "", after] = braces;
      return choices.split(",").map((choice) => `${before}${choice}${after}`);
    });
  return section
    .split("\n")
    .filter((line) => line.startsWith("| `src/"))
    .map((line) => {
      const cells = line.split("|").slice(1, -1);
      if (cells.length !== 4) throw new Error(`a row of 4 cells expected: ${line}`);
      const [dir = "", , mayImport = "", never = ""] = cells.map((cell) => cell.trim());
      return { dir: ticked(dir)[0] ?? "", mayImport: ticked(mayImport), never: ticked(never) };
    });
}

/** Every folder under src/ holding a source file, relative to the repository. */
function sourceDirs(dir = "src"): string[] {
  const entries = readdirSync(join(repo, dir), { withFileTypes: true });
  const here = entries.some((entry) => entry.isFile() && entry.name.endsWith(".ts")) ? [dir] : [];
  const below = entries
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => sourceDirs(posix.join(dir, entry.name)));
  return [...here, ...below];
}

/** The specifier a file in `from` uses for `target` (a folder: a probe in it; or a file). */
function specifier(from: string, target: string): string {
  const path = target.endsWith(".ts")
    ? target.replace(/\.ts$/, ".js")
    : posix.join(target, "lint-probe.js");
  const relative = posix.relative(from, path);
  return relative.startsWith(".") ? relative : `./${relative}`;
}

/** A room that may import a folder may import every file and folder in it. */
function allowed(room: Room, target: string): boolean {
  return room.mayImport.some((allowed) => allowed === target || target.startsWith(`${allowed}/`));
}

/** Each cycle of relative imports (`import type` and re-exports included) among src's files. */
function importCycles(): string[][] {
  const edges = new Map<string, string[]>();
  for (const file of sourceFiles()) {
    const text = readFileSync(join(repo, file), "utf8");
    const targets = [
      ...text.matchAll(/^(?:import|export)[^;]*?from "(\.{1,2}\/[^"]+)\.js";/gms),
    ].map((match) => posix.normalize(posix.join(posix.dirname(file), `${match[1]}.ts`)));
    edges.set(file, targets);
  }
  const cycles: string[][] = [];
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, "visiting");
    path.push(file);
    for (const next of edges.get(file) ?? []) {
      if (state.get(next) === "visiting") cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const file of edges.keys()) if (state.get(file) === undefined) visit(file);
  return cycles;
}

interface Probe {
  room: Room;
  /** Line number (1-based) → what that line imports. */
  lines: string[];
}

interface Diagnostic {
  category: string;
  location: { path: string; start: { line: number } };
}

const rooms = roomsTable();
let scratch = "";
let probes: Probe[] = [];
let flagged = new Set<string>();

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), "swarmstate-rooms-"));
  // The project's rules, in a directory of probes only (no git: no ignore file to read).
  const config = JSON.parse(readFileSync(join(repo, "biome.json"), "utf8"));
  config.vcs = { enabled: false };
  writeFileSync(join(scratch, "biome.json"), JSON.stringify(config));

  const targets = [
    ...new Set([...rooms.map((room) => room.dir), ...rooms.flatMap((r) => r.mayImport)]),
  ];
  probes = rooms.map((room) => {
    const imports = targets.filter(
      (target) => target !== room.dir && !target.startsWith(`${room.dir}/`),
    );
    const lines = [...imports, ...room.never];
    const body = lines.map((target) =>
      target.startsWith("src/")
        ? `import "${specifier(room.dir, target)}";`
        : `import "${target}";`,
    );
    const file = join(scratch, room.dir, "lint-probe.ts");
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${body.join("\n")}\n`);
    return { room, lines };
  });
  // The bench measures the built package: dist/ yes, src/ never.
  mkdirSync(join(scratch, "bench"));
  writeFileSync(
    join(scratch, "bench", "lint-probe.ts"),
    'import "../dist/index.js";\nimport "../src/index.js";\n',
  );

  const run = spawnSync(
    biome,
    ["lint", "--only=style/noRestrictedImports", "--reporter=json", "."],
    {
      cwd: scratch,
      encoding: "utf8",
    },
  );
  const report = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] };
  flagged = new Set(
    report.diagnostics
      .filter((diagnostic) => diagnostic.category === "lint/style/noRestrictedImports")
      .map((diagnostic) => `${diagnostic.location.path}:${diagnostic.location.start.line}`),
  );
});

afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe("the rooms of ARCHITECTURE.md", () => {
  it("name every folder of src/, each once", () => {
    const dirs = rooms.map((room) => room.dir);
    expect(new Set(dirs).size).toBe(dirs.length);
    // src itself holds only index.ts, the public entry, which imports everything public.
    expect(dirs.sort()).toEqual(
      sourceDirs()
        .filter((dir) => dir !== "src")
        .sort(),
    );
  });

  it.each(rooms.map((room) => [room.dir, room] as const))(
    "%s: lint refuses exactly the imports the table does not allow",
    (_dir, room) => {
      const probe = probes.find((candidate) => candidate.room === room);
      if (probe === undefined) throw new Error(`no probe for ${room.dir}`);
      const refused = probe.lines.filter((_target, index) =>
        flagged.has(`${room.dir}/lint-probe.ts:${index + 1}`),
      );
      const forbidden = probe.lines.filter(
        (target) => room.never.includes(target) || !allowed(room, target),
      );
      expect(probe.lines.length).toBeGreaterThan(0);
      expect(refused).toEqual(forbidden);
    },
  );

  it("name every file of src/", () => {
    const text = readFileSync(join(repo, "ARCHITECTURE.md"), "utf8");
    const unnamed = sourceFiles().filter((file) => {
      const name = posix.basename(file, ".ts");
      return !text.includes(`\`${name}\``) && !text.includes(`${name}.ts`);
    });
    expect(unnamed).toEqual([]);
  });

  it("import nothing in a cycle, types included", () => {
    expect(importCycles()).toEqual([]);
  });

  it("bench: lint refuses src/ and allows dist/", () => {
    expect(flagged.has("bench/lint-probe.ts:1")).toBe(false);
    expect(flagged.has("bench/lint-probe.ts:2")).toBe(true);
  });
});
