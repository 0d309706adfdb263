/**
 * The `eddy` dispatcher in-process: help and version without a broker or an input, and
 * "did you mean" for mistyped commands, flags and values.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli, withoutBrokerEnv } from "../helpers/cli-in-process";
import { RUN_FLAGS } from "../../src/server/runner/run-config";

const COMMANDS = ["generate", "run", "start", "serve", "dev"];

/** {@link runCli} with the last newline of each stream dropped. */
async function eddy(...argv: string[]) {
  const r = await runCli(...argv);
  return { code: r.code, out: r.out.replace(/\n$/, ""), err: r.err.replace(/\n$/, "") };
}

// Help must not depend on a broker being configured: run without KAFKA_BROKERS.
withoutBrokerEnv();

describe("eddy help and version", () => {
  it("--version and -v print eddy's package.json version and Node's", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
    for (const flag of ["--version", "-v"]) {
      const r = await eddy(flag);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`eddy ${version} (node ${process.version})`);
      expect(r.err).toBe("");
    }
  });

  it("--help, -h and help print the overview with every command (exit 0); no arguments is a usage error (exit 2)", async () => {
    for (const argv of [["--help"], ["-h"], ["help"], []]) {
      const r = await eddy(...argv);
      expect(r.code, argv.join(" ")).toBe(argv.length ? 0 : 2);
      expect(r.out).toMatch(/^usage: eddy <command>/);
      for (const c of COMMANDS) expect(r.out).toContain(`  ${c} `);
    }
  });

  it.each(COMMANDS)("eddy %s --help / -h / help %s print its help on stdout with no broker or input", async (cmd) => {
    const a = await eddy(cmd, "--help");
    expect(a.code).toBe(0);
    expect(a.err).toBe("");
    expect(a.out).toMatch(new RegExp(`^usage: eddy ${cmd}\\b`));
    expect(a.out).toContain("--");
    expect(await eddy(cmd, "-h")).toEqual(a);
    expect(await eddy("help", cmd)).toEqual(a);
  });

  it("help wins over any other flag, even a wrong one", async () => {
    const r = await eddy("run", "--brokers", "nonexistent.invalid:9092", "--bogus", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: eddy run/);
  });

  it("eddy run --help shows durations with units, in sections", async () => {
    const { out } = await eddy("run", "--help");
    expect(out).toMatch(/--watermark-delay +allowed lateness per input stream \(default 5m\)/);
    expect(out).toMatch(/--checkpoint-interval +.*\(default\s+10s\)/s);
    expect(out).toMatch(/--trigger +.*\(default 5s\)/s);
    // Every duration flag's default is shown with a unit, never as a bare number of ms.
    const rows = out.replace(/\n {3,}/g, " ").split("\n");
    const durations = Object.entries(RUN_FLAGS).filter(([, s]) => s.type === "duration").map(([n]) => n);
    expect(durations.length).toBeGreaterThan(10);
    for (const name of durations) {
      expect(rows.find((r) => r.startsWith(`  --${name} `)), name).toMatch(/\(default \d+(ms|s|m|h|d)\)$/);
    }
    for (const title of ["input:", "output:", "checkpointing and recovery:", "windows and thresholds (SPEC defaults):", "monitoring:"]) {
      expect(out).toContain(`\n${title}\n`);
    }
  });
});

describe("eddy mistakes", () => {
  it("an unknown command names the nearest one", async () => {
    const r = await eddy("rn");
    expect(r.code).toBe(2);
    expect(r.err).toBe("eddy: unknown command 'rn'. Did you mean 'run'? Run `eddy --help` for the list of commands.");
    expect((await eddy("help", "genrate")).err).toMatch(/unknown command 'genrate'\. Did you mean 'generate'\?/);
    expect((await eddy("frobnicate")).err).not.toMatch(/Did you mean/);
  });

  it("an unknown top-level option names the nearest one", async () => {
    const r = await eddy("--verison");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option '--verison'\. Did you mean --version\?/);
  });

  it("an unknown flag names the nearest one and points to the command's help, not to every flag", async () => {
    const r = await eddy("run", "--chekpoint-interval", "5s");
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe("eddy run: unknown flag --chekpoint-interval. Did you mean --checkpoint-interval?\nSee `eddy run --help` for the options.");
  });

  it("a wrong value of a choice flag names the nearest choice", async () => {
    const r = await eddy("run", "--input", "x.jsonl", "--sink", "consol");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^eddy run: --sink: unknown value 'consol'\. Did you mean console\?/);
    expect((await eddy("start", "--sink", "parqet")).err).toMatch(/--sink: unknown value 'parqet'\. Did you mean parquet\?/);
    expect((await eddy("generate", "--topics", "order")).err).toMatch(/--topics: unknown value 'order'\. Did you mean orders\?/);
  });

  it("a stray argument is a usage error, not ignored", async () => {
    const r = await eddy("run", "--input", "x.jsonl", "extra");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unexpected argument 'extra'/);
  });

  it("a broker address without a port is a usage error", async () => {
    const r = await eddy("run", "--brokers", "localhost");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/broker address 'localhost' is not host:port/);
  });
});
