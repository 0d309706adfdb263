import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type FlagSpec, formatDuration, helpText, parseDuration, parseFlags, UsageError } from "../../src/server/args";
import { fileFormats, parseRunConfig } from "../../src/server/runner/run-config";
import { didYouMean, editDistance, suggest } from "../../src/server/suggest";

describe("formatDuration", () => {
  it("uses the largest unit that divides the value exactly", () => {
    expect(formatDuration(300_000)).toBe("5m");
    expect(formatDuration(10_000)).toBe("10s");
    expect(formatDuration(500)).toBe("500ms");
    expect(formatDuration(3_600_000)).toBe("1h");
    expect(formatDuration(90_000)).toBe("90s");
    expect(formatDuration(86_400_000)).toBe("1d");
    expect(formatDuration(1500)).toBe("1500ms");
    expect(formatDuration(0)).toBe("0s");
  });

  it("round-trips through parseDuration for every whole number of milliseconds", () => {
    fc.assert(fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), (ms) => parseDuration(formatDuration(ms)) === ms), { numRuns: 2000 });
    fc.assert(fc.property(fc.nat({ max: 10_000 }), fc.constantFrom(1, 1000, 60_000, 3_600_000, 86_400_000), (n, unit) => parseDuration(formatDuration(n * unit)) === n * unit));
  });
});

describe("suggestions", () => {
  it("counts insertions, deletions, substitutions and adjacent swaps as one edit each", () => {
    expect(editDistance("kitten", "sitting")).toBe(3);
    expect(editDistance("rn", "run")).toBe(1);
    expect(editDistance("chekcpoint", "checkpoint")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("same", "same")).toBe(0);
  });

  it("suggests the nearest candidates within max(2, len/3) edits, else prefixes, else nothing", () => {
    expect(suggest("rn", ["generate", "run", "start", "serve", "dev"])).toEqual(["run"]);
    expect(suggest("chekpoint-interval", ["checkpoint-interval", "checkpoint-dir"])).toEqual(["checkpoint-interval"]);
    expect(suggest("checkpoint", ["checkpoint-interval", "checkpoint-dir", "sink"])).toEqual(["checkpoint-interval", "checkpoint-dir"]);
    expect(suggest("banana", ["run", "start"])).toEqual([]);
    expect(suggest("CONSOL", ["console", "kafka"])).toEqual(["console"]);
    expect(didYouMean("zzz", ["run"])).toBe("");
    expect(didYouMean("strat", ["start", "serve"], (s) => `'${s}'`)).toBe(" Did you mean 'start'?");
  });
});

describe("parseFlags", () => {
  const specs = {
    "checkpoint-interval": { type: "duration", default: 10_000, min: 100, help: "how often" },
    "checkpoint-dir": { type: "string", help: "where" },
    sink: { type: "list", choices: ["console", "kafka", "files"], help: "outputs" },
    mode: { type: "string", choices: ["fast", "slow"], help: "mode" },
    "a-very-long-unrelated-flag": { type: "bool", default: false, help: "x" },
  } satisfies Record<string, FlagSpec>;

  it("names the nearest flag for an unknown one, without listing every flag", () => {
    const err = (() => {
      try {
        parseFlags(["--chekpoint-interval", "5s"], specs, {});
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect(err!.message).toBe("unknown flag --chekpoint-interval. Did you mean --checkpoint-interval?");
    expect(() => parseFlags(["--qqqqqq"], specs, {})).toThrow(/^unknown flag --qqqqqq\.$/);
    expect(() => parseFlags(["-checkpoint-dir", "x"], specs, {})).toThrow(/^unknown flag -checkpoint-dir\. Did you mean --checkpoint-dir\?$/);
    expect(parseFlags(["-h", "pos"], specs, {})).toMatchObject({ help: true, _: ["pos"] });
  });

  it("suggests the nearest value of a choice flag, single or in a list", () => {
    expect(() => parseFlags(["--sink", "consol"], specs, {})).toThrow(/--sink: unknown value 'consol'\. Did you mean console\? It accepts console, kafka, files \(comma-separated\)\./);
    expect(() => parseFlags(["--sink", "console,kafak"], specs, {})).toThrow(/unknown value 'kafak'\. Did you mean kafka\?/);
    expect(() => parseFlags(["--mode=fats"], specs, {})).toThrow(/--mode: unknown value 'fats'\. Did you mean fast\? It accepts fast, slow\./);
  });

  it("states duration ranges with units", () => {
    expect(() => parseFlags(["--checkpoint-interval", "5ms"], specs, {})).toThrow(/expected a duration such as 500ms, 30s, 5m >= 100ms, got '5ms'/);
  });
});

describe("helpText", () => {
  const specs = {
    delay: { type: "duration", default: 300_000, help: "allowed lateness" },
    tick: { type: "duration", default: 500, help: "tick" },
    brokers: { type: "string", env: "KAFKA_BROKERS", help: "bootstrap servers" },
    sink: { type: "list", choices: ["console", "files"], default: ["console"], help: "outputs" },
    stray: { type: "int", default: 3, help: "not in a section" },
  } satisfies Record<string, FlagSpec>;

  it("shows duration defaults with units, choices and env, grouped in sections", () => {
    const text = helpText("usage: x", specs, [["input", ["brokers"]], ["timing", ["delay", "tick"]], ["output", ["sink"]]]);
    expect(text).toMatch(/--delay +allowed lateness \(default 5m\)/);
    expect(text).toContain("(default 500ms)");
    expect(text).not.toContain("300000");
    expect(text).toContain("bootstrap servers (env KAFKA_BROKERS)");
    expect(text).toContain("outputs (any of console, files; default console)");
    const titles = text.split("\n").filter((l) => /^\S.*:$/.test(l));
    expect(titles).toEqual(["input:", "timing:", "output:", "other options:"]);
    expect(text.indexOf("--stray")).toBeGreaterThan(text.indexOf("other options:"));
  });

  it("wraps long help under its column", () => {
    const long = { f: { type: "bool", help: "word ".repeat(40).trim() } } satisfies Record<string, FlagSpec>;
    const lines = helpText("u", long, [], 60).split("\n").slice(3);
    expect(lines.length).toBeGreaterThan(1);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(60);
    for (const l of lines.slice(1)) expect(l.startsWith(" ".repeat(8))).toBe(true);
  });
});

describe("eddy run --sink", () => {
  it("accepts jsonl and parquet alone; files means both", () => {
    const sinks = (s: string) => parseRunConfig(["--input", "x.jsonl", "--sink", s], {}).config.sinks;
    expect(fileFormats(sinks("jsonl"))).toEqual({ jsonl: true, parquet: false });
    expect(fileFormats(sinks("parquet"))).toEqual({ jsonl: false, parquet: true });
    expect(fileFormats(sinks("files"))).toEqual({ jsonl: true, parquet: true });
    expect(fileFormats(sinks("console,jsonl,parquet"))).toEqual({ jsonl: true, parquet: true });
    expect(fileFormats(sinks("console"))).toBeUndefined();
    expect(fileFormats(parseRunConfig(["--input", "x.jsonl"], {}).config.sinks)).toEqual({ jsonl: true, parquet: true });
  });

  it("suggests the nearest setting for an unknown key of --config", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const file = join(mkdtempSync(join(tmpdir(), "eddy-cfg-")), "c.json");
    writeFileSync(file, JSON.stringify({ "sesion-gap": "20m" }));
    expect(() => parseRunConfig(["--input", "x.jsonl", "--config", file], {})).toThrow(/unknown setting 'sesion-gap'\. Did you mean 'session-gap'\?/);
  });
});
