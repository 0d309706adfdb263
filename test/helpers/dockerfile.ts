/**
 * Reads a Dockerfile into its stages and instructions, and matches paths against a
 * .dockerignore, for the deployment test (no container engine needed). Covers what
 * deploy/Dockerfile uses: comments, `\` continuations, `ARG` before `FROM`, `FROM image AS name`,
 * shell-form `COPY [--from=stage] src… dest` and exec-form (JSON) `ENTRYPOINT`/`CMD`.
 */

/** One instruction: its keyword (upper case) and the rest of its text. */
export interface Instruction {
  op: string;
  args: string;
}

/** One build stage: `FROM` image, optional `AS` name, and the instructions after it. */
export interface Stage {
  image: string;
  name?: string;
  instructions: Instruction[];
}

/** Stages in order, with `${ARG}` references in `FROM` resolved from the global `ARG` defaults. */
export function parseDockerfile(text: string): Stage[] {
  const joined = text
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .join("\n")
    .replace(/\\\n/g, " ");
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of joined.split("\n")) {
    const m = /^\s*([A-Za-z]+)\s+(.*?)\s*$/.exec(line);
    if (!m) continue;
    const op = m[1].toUpperCase();
    const args = m[2];
    if (op === "FROM") {
      const [image, as, name] = args.replace(/\$\{(\w+)\}/g, (_, k: string) => globalArgs[k] ?? "").split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
    } else if (op === "ARG" && stages.length === 0) {
      const [k, v = ""] = args.split("=");
      globalArgs[k] = v;
    } else if (stages.length === 0) {
      throw new Error(`Dockerfile: ${op} before the first FROM`);
    } else {
      stages.at(-1)!.instructions.push({ op, args });
    }
  }
  return stages;
}

/** A shell-form `COPY`: its `--from` stage (if any), sources and destination. */
export function copyParts(args: string): { from?: string; sources: string[]; dest: string } {
  if (args.trimStart().startsWith("[")) throw new Error(`COPY in JSON form is not read by this helper: ${args}`);
  const words = args.split(/\s+/);
  const from = words.find((w) => w.startsWith("--from="))?.slice("--from=".length);
  const paths = words.filter((w) => !w.startsWith("--"));
  return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
}

/** The patterns of a .dockerignore (comments and blank lines dropped). */
export function dockerignorePatterns(text: string): string[] {
  return text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
}

/**
 * True when the context path `path` (relative, `/`-separated) is excluded: a pattern matches it
 * or one of its parent folders, `*` standing for any characters but `/` (Go's filepath.Match,
 * which Docker uses). Exceptions (`!pattern`) re-include, the last matching pattern winning.
 */
export function isIgnored(path: string, patterns: readonly string[]): boolean {
  const parts = path.replace(/^\.\//, "").split("/");
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith("!");
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\//, "").replace(/\/$/, "");
    const re = new RegExp("^" + pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join("[^/]*") + "$");
    for (let n = 1; n <= parts.length; n++) {
      if (re.test(parts.slice(0, n).join("/"))) ignored = !negate;
    }
  }
  return ignored;
}
