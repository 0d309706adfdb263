/**
 * A small, strict flag parser: every flag is declared with a type and a range, and a wrong
 * value produces a {@link UsageError} that names the flag, what it accepts and what it got.
 */
import { didYouMean } from "./suggest";

/** A user error in flags or config: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
  /** False when the message already says what to do, so the CLI adds no pointer to --help. */
  readonly helpHint: boolean;

  constructor(message: string, opts: { helpHint?: boolean } = {}) {
    super(message);
    this.helpHint = opts.helpHint ?? true;
  }
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

/**
 * A whole number of milliseconds in the largest unit that divides it exactly (`300000` → `5m`,
 * `90000` → `90s`, `1500` → `1500ms`), so that {@link parseDuration} gives back the same number.
 */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0s";
  for (const unit of ["d", "h", "m", "s"] as const) {
    if (ms % UNITS[unit] === 0) return `${ms / UNITS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

function range(spec: { type: string; min?: number; max?: number }): string {
  const show = (n: number) => (spec.type === "duration" ? formatDuration(n) : String(n));
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) return ` between ${show(min)} and ${show(max)}`;
  if (min !== undefined) return ` >= ${show(min)}`;
  if (max !== undefined) return ` <= ${show(max)}`;
  return "";
}

function badChoice(flag: string, value: string, choices: readonly string[], list: boolean): UsageError {
  const accepts = `${choices.join(", ")}${list ? " (comma-separated)" : ""}`;
  return new UsageError(`--${flag}: unknown value '${value}'.${didYouMean(value, choices)} It accepts ${accepts}.`);
}

function convert(flag: string, spec: FlagSpec, raw: string): unknown {
  const bad = (what: string) =>
    new UsageError(`--${flag}: expected ${what}, got '${raw}'. ${spec.help}`);
  switch (spec.type) {
    case "string":
      if (spec.choices && !spec.choices.includes(raw)) throw badChoice(flag, raw, spec.choices, false);
      return raw;
    case "list": {
      const items = raw.split(",").map((s) => s.trim()).filter(Boolean);
      const wrong = spec.choices ? items.find((i) => !spec.choices!.includes(i)) : undefined;
      if (wrong !== undefined) throw badChoice(flag, wrong, spec.choices!, true);
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
        throw bad(what + range(spec));
      }
      return n;
    }
  }
}

/** True when `argv` asks for help (`--help` or `-h` anywhere): help wins over every other flag. */
export function wantsHelp(argv: readonly string[]): boolean {
  return argv.some((a) => a === "--help" || a === "-h");
}

/**
 * Parses `--name value`, `--name=value` and bare `--flag` for bools. An unknown flag is an
 * error that names the nearest known one. Env fallbacks (`spec.env`) apply when a flag is absent.
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
    if (/^-[^-\d]/.test(arg)) {
      // Only --long flags exist (and -h); `-chekpoint-interval` is a typo of one of them.
      throw new UsageError(`unknown flag ${arg}.${didYouMean(arg.slice(1), Object.keys(specs), (k) => `--${k}`)}`);
    }
    if (!arg.startsWith("--")) {
      (out._ as string[]).push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) {
      throw new UsageError(`unknown flag --${name}.${didYouMean(name, Object.keys(specs), (k) => `--${k}`)}`);
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

/** Help sections: a title and the flags under it, in order. */
export type HelpSections = ReadonlyArray<readonly [title: string, flags: readonly string[]]>;

/** The default of a flag as typed on the command line (durations with units), or undefined. */
function shownDefault(s: FlagSpec): string | undefined {
  if (s.default === undefined || s.default === false || s.default === "") return undefined;
  if (s.type === "duration") return formatDuration(s.default);
  return Array.isArray(s.default) ? s.default.join(",") : String(s.default);
}

/** Greedy word wrap of `text` to `width` columns, continuation lines indented by `indent`. */
function wrap(text: string, width: number, indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && indent + line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  lines.push(line);
  return lines.join("\n" + " ".repeat(indent));
}

/**
 * Renders a `--help` text from the flag specs: one line per flag (wrapped at `width`), with its
 * choices, default (durations with units: `5m`, not `300000`) and environment variable. With
 * `sections`, flags are grouped under those titles; flags in no section come last under
 * "other options".
 */
export function helpText(usage: string, specs: Record<string, FlagSpec>, sections: HelpSections = [], width = 100): string {
  const names = Object.keys(specs);
  const pad = Math.max(...names.map((n) => n.length)) + 4;
  const row = (name: string) => {
    const s = specs[name];
    const choices = "choices" in s && s.choices ? `${s.type === "list" ? "any" : "one"} of ${s.choices.join(", ")}` : "";
    const def = shownDefault(s);
    const extra = [choices, def === undefined ? "" : `default ${def}`, s.env ? `env ${s.env}` : ""].filter(Boolean).join("; ");
    const text = `${s.help}${extra ? ` (${extra})` : ""}`;
    return `  ${("--" + name).padEnd(pad)} ${wrap(text, width, pad + 3)}`;
  };
  const listed = new Set(sections.flatMap(([, flags]) => flags));
  const rest = names.filter((n) => !listed.has(n));
  const groups: Array<readonly [string, readonly string[]]> = [...sections.map(([t, f]) => [t, f.filter((n) => n in specs)] as const)];
  if (rest.length) groups.push([sections.length ? "other options" : "options", rest]);
  const body = groups
    .filter(([, flags]) => flags.length > 0)
    .map(([title, flags]) => `${title}:\n${flags.map(row).join("\n")}`)
    .join("\n\n");
  return `${usage}\n\n${body}`;
}
