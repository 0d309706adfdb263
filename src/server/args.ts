/**
 * A small, strict flag parser: every flag is declared with a type and a range, and a wrong
 * value produces a {@link UsageError} that names the flag, what it accepts and what it got.
 */

/** A user error in flags or config: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

type Base = { help: string; env?: string };
export type FlagSpec =
  | (Base & { type: "string"; default?: string; choices?: readonly string[] })
  | (Base & { type: "list"; default?: string[]; choices?: readonly string[] })
  | (Base & { type: "bool"; default?: boolean })
  | (Base & { type: "int"; default?: number; min?: number; max?: number })
  | (Base & { type: "float"; default?: number; min?: number; max?: number })
  | (Base & { type: "duration"; default?: number; min?: number; max?: number });

type Value<S extends FlagSpec> = S extends { type: "bool" }
  ? boolean
  : S extends { type: "list" }
    ? string[]
    : S extends { type: "string" }
      ? string
      : number;

export type Parsed<T extends Record<string, FlagSpec>> = {
  [K in keyof T]: T[K] extends { default: unknown } ? Value<T[K]> : Value<T[K]> | undefined;
} & { help: boolean; _: string[] };

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90s`, `5m`, `1h`, `250ms` or a bare number of milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNITS[m[2] ?? "ms"]);
}

function range(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return "";
}

function convert(flag: string, spec: FlagSpec, raw: string): unknown {
  const bad = (what: string) =>
    new UsageError(`--${flag}: expected ${what}, got '${raw}'. ${spec.help}`);
  switch (spec.type) {
    case "string":
      if (spec.choices && !spec.choices.includes(raw)) throw bad(`one of ${spec.choices.join(", ")}`);
      return raw;
    case "list": {
      const items = raw.split(",").map((s) => s.trim()).filter(Boolean);
      const wrong = spec.choices ? items.filter((i) => !spec.choices!.includes(i)) : [];
      if (wrong.length) throw bad(`a comma-separated list of ${spec.choices!.join(", ")}`);
      return items;
    }
    case "bool":
      if (["true", "1", "yes"].includes(raw)) return true;
      if (["false", "0", "no"].includes(raw)) return false;
      throw bad("true or false");
    case "int":
    case "float":
    case "duration": {
      const n = spec.type === "duration" ? parseDuration(raw) : Number(raw);
      const ok = n !== undefined && Number.isFinite(n) && (spec.type !== "int" || Number.isInteger(n));
      const what = spec.type === "duration" ? "a duration such as 500ms, 30s, 5m" : spec.type === "int" ? "an integer" : "a number";
      if (!ok || (spec.min !== undefined && n! < spec.min) || (spec.max !== undefined && n! > spec.max)) {
        throw bad(what + range(spec.min, spec.max));
      }
      return n;
    }
  }
}

/**
 * Parses `--name value`, `--name=value` and bare `--flag` for bools. Unknown flags are an
 * error that lists the known ones. Env fallbacks (`spec.env`) apply when a flag is absent.
 */
export function parseFlags<T extends Record<string, FlagSpec>>(
  argv: string[],
  specs: T,
  env: Record<string, string | undefined> = process.env,
): Parsed<T> {
  const out: Record<string, unknown> = { help: false, _: [] as string[] };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      out.help = true;
      continue;
    }
    if (!arg.startsWith("--")) {
      (out._ as string[]).push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) {
      throw new UsageError(`unknown flag --${name}. Known flags: ${Object.keys(specs).map((k) => "--" + k).join(", ")}`);
    }
    let raw: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (raw === undefined) {
      if (spec.type === "bool" && (argv[i + 1] === undefined || argv[i + 1].startsWith("--"))) raw = "true";
      else if (argv[i + 1] === undefined) throw new UsageError(`--${name} needs a value. ${spec.help}`);
      else raw = argv[++i];
    }
    out[name] = convert(name, spec, raw);
    seen.add(name);
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (seen.has(name)) continue;
    const fromEnv = spec.env ? env[spec.env] : undefined;
    if (fromEnv !== undefined && fromEnv !== "") out[name] = convert(name, spec, fromEnv);
    else out[name] = spec.default;
  }
  return out as Parsed<T>;
}

/** Renders a `--help` text from the flag specs. */
export function helpText(usage: string, specs: Record<string, FlagSpec>): string {
  const rows = Object.entries(specs).map(([name, s]) => {
    const def = s.default === undefined ? "" : ` (default ${Array.isArray(s.default) ? s.default.join(",") : String(s.default)})`;
    const env = s.env ? ` [env ${s.env}]` : "";
    return `  --${name.padEnd(20)} ${s.help}${def}${env}`;
  });
  return `${usage}\n\noptions:\n${rows.join("\n")}`;
}
