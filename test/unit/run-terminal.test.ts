import { describe, expect, it } from "vitest";
import { createLogger, jsonLine, resolveLogFormat, textLine } from "../../src/server/log";
import { newRunStats } from "../../src/server/runner/run-stats";
import { parseRunConfig } from "../../src/server/runner/run-config";
import { UsageError } from "../../src/server/args";
import { describeOutputs, formatExitSummary } from "../../src/server/term/exit-summary";
import { TimeZone } from "../../src/server/term/format";
import { LiveLine } from "../../src/server/term/live-line";
import { formatStatus } from "../../src/server/term/run-status";
import { RunTerminal } from "../../src/server/term/run-terminal";

const T = Date.UTC(2026, 0, 1, 9, 42, 5); // 10:42:05 in Berlin
const BERLIN = new TimeZone("Europe/Berlin");
const ANSI = /\x1b\[/;

function stream(isTTY = false, columns?: number) {
  const chunks: string[] = [];
  return { write: (s: string) => void chunks.push(s), isTTY, columns, chunks, text: () => chunks.join("") };
}

describe("log format", () => {
  it("auto is text on a terminal and JSON otherwise; json and text are forced", () => {
    expect(resolveLogFormat("auto", true)).toBe("text");
    expect(resolveLogFormat("auto", false)).toBe("json");
    expect(resolveLogFormat("json", true)).toBe("json");
    expect(resolveLogFormat("text", false)).toBe("text");
  });

  it("takes --log-format and --console-top, and names the accepted values of a wrong one", () => {
    const base = ["--input", "x.jsonl"];
    expect(parseRunConfig(base, {}).config).toMatchObject({ logFormat: "auto", consoleTop: 10 });
    expect(parseRunConfig([...base, "--log-format", "json", "--console-top", "3"], {}).config).toMatchObject({ logFormat: "json", consoleTop: 3 });
    expect(() => parseRunConfig([...base, "--log-format", "yaml"], {})).toThrow(UsageError);
    expect(() => parseRunConfig([...base, "--log-format", "yaml"], {})).toThrow(/--log-format: unknown value 'yaml'\. It accepts auto, json, text/);
    expect(() => parseRunConfig([...base, "--console-top", "-1"], {})).toThrow(/--console-top: expected an integer between 0 and/);
  });
});

describe("logger", () => {
  it("writes JSON lines with the level from fields.level (info by default)", () => {
    expect(JSON.parse(jsonLine("checkpoint", { epoch: 3 }, T))).toEqual({ ts: "2026-01-01T09:42:05.000Z", level: "info", event: "checkpoint", epoch: 3 });
    expect(JSON.parse(jsonLine("late", { level: "warn", share: 0.9 }, T))).toMatchObject({ level: "warn", event: "late", share: 0.9 });
    const out = stream();
    const logger = createLogger({ format: "json", out, now: () => T });
    logger.log("checkpoint", { epoch: 1 });
    logger.warn("late", { share: 0.9 });
    logger.error("fatal");
    expect(out.chunks.map((l) => JSON.parse(l))).toMatchObject([
      { level: "info", event: "checkpoint" },
      { level: "warn", event: "late", share: 0.9 },
      { level: "error", event: "fatal" },
    ]);
    expect(out.chunks.every((l) => l.endsWith("}\n"))).toBe(true);
  });

  it("in text form hides routine info lines and shows warnings and errors readably", () => {
    const out = stream();
    const logger = createLogger({ format: "text", out, now: () => T, zone: BERLIN, color: false });
    logger.log("checkpoint", { epoch: 1, rows: 10 });
    logger.log("late", { level: "warn", msg: "most events are late", share: 0.9 });
    logger.log("restart", { level: "error", error: "broker gone away", attempt: 2 });
    logger.log("metrics", { url: "http://127.0.0.1:9464/metrics" });
    expect(out.chunks).toEqual([
      "10:42:05 warning late: most events are late (share=0.9)\n",
      '10:42:05 error restart: error="broker gone away" attempt=2\n',
      "10:42:05 metrics: url=http://127.0.0.1:9464/metrics\n",
    ]);
    expect(textLine("x", { level: "warn" }, BERLIN, T, true)).toMatch(ANSI);
  });

  it("steps around a live line for every write", () => {
    const out = stream();
    const calls: string[] = [];
    const logger = createLogger({ format: "json", out, around: (w) => (calls.push("before"), w(), calls.push("after")) });
    logger.info("x");
    expect(calls).toEqual(["before", "after"]);
    expect(out.chunks).toHaveLength(1);
  });
});

describe("status line", () => {
  const s = { eventsPerSecond: 1234.4, eventsIn: 45678, watermark: T, lag: { "clickstream:0": 100, "orders:0": 20 }, anomalies: 3, late: 12, invalid: 2 };

  it("reads as one line with the watermark in the named zone", () => {
    expect(formatStatus(s, BERLIN, T)).toBe("▶ 1,234 ev/s · 45,678 events · watermark 10:42:05 CET · lag 120 · 3 anomalies · 12 late · 2 invalid");
    expect(formatStatus({ ...s, watermark: null, lag: {}, anomalies: 1 }, BERLIN, T)).toBe("▶ 1,234 ev/s · 45,678 events · watermark – · 1 anomaly · 12 late · 2 invalid");
    expect(formatStatus({ ...s, watermark: Infinity, read: 0.5 }, BERLIN, T)).toContain("45,678 events · 50.0% read · watermark end of input");
  });

  it("is rewritten in place, cut to the terminal width, and steps aside for other output", () => {
    const out = stream(true, 20);
    let n = 0;
    const line = new LiveLine(out, () => `status ${++n} ${"x".repeat(30)}`);
    line.start(60_000);
    expect(out.chunks[0]).toBe("\r\x1b[K" + `status 1 ${"x".repeat(9)}…`);
    expect(out.chunks[0].length - 4).toBe(19);
    line.above(() => out.write("a block\n"));
    // Erased, the block, the same status again (not a new sample).
    expect(out.chunks.slice(1)).toEqual(["\r\x1b[K", "a block\n", out.chunks[0]]);
    line.stop();
    expect(out.chunks.at(-1)).toBe("\r\x1b[K");
  });
});

describe("exit summary", () => {
  const settings = {
    sinks: ["console", "kafka", "files"],
    output: "/data/eddy",
    brokers: ["127.0.0.1:9092"],
    topics: { clickstream: "clickstream", transactions: "transactions", orders: "orders" },
    resultsTopic: "analytics-results",
    anomaliesTopic: "anomalies",
    productMetricsTopic: "product-metrics",
    processedOrdersTopic: "processed-orders",
  };
  const stats = { ...newRunStats(0), eventsIn: 15234, valid: 15200, invalid: 30, late: 4, rowsOut: { page_views: 1234, funnel: 2 }, epochs: 3 };

  it("says where the output went", () => {
    expect(describeOutputs(settings)).toEqual({
      console: true,
      files: "/data/eddy",
      kafka: {
        brokers: ["127.0.0.1:9092"],
        topics: ["analytics-results", "anomalies", "product-metrics", "processed-orders"],
        dlq: ["clickstream.dlq", "transactions.dlq", "orders.dlq"],
        late: ["clickstream.late", "transactions.late", "orders.late"],
      },
    });
    expect(describeOutputs({ ...settings, sinks: ["console"] })).toEqual({ console: true });
  });

  it("reads as text: duration, events, rows per metric, rate and outputs", () => {
    const text = formatExitSummary(stats, 30.5, "stopped by SIGINT", describeOutputs(settings));
    expect(text).not.toMatch(ANSI);
    expect(text).toContain("■ eddy run stopped after 30.5 s (stopped by SIGINT)\n");
    expect(text).toMatch(/events\s+15,234 in · 15,200 valid · 30 invalid · 4 late · 499 events\/s\n/);
    expect(text).toMatch(/rows out\s+1,236: page_views 1,234 · funnel 2\n/);
    expect(text).toMatch(/kafka\s+analytics-results, anomalies, product-metrics, processed-orders on 127\.0\.0\.1:9092\n/);
    expect(text).toContain("invalid → clickstream.dlq, transactions.dlq, orders.dlq; late → clickstream.late, transactions.late, orders.late\n");
    expect(text).toMatch(/files\s+\/data\/eddy /);
    expect(text).toMatch(/checkpoints\s+3 committed\n/);
  });
});

describe("RunTerminal", () => {
  const cfg = (logFormat: "auto" | "json" | "text") => ({ ...parseRunConfig(["--input", "x.jsonl", "--output", "/tmp/o"], {}).config, logFormat });
  const stats = { ...newRunStats(0), eventsIn: 100, valid: 99, invalid: 1 };

  it("off a terminal: JSON on stderr, plain console blocks, the summary as the final done line", () => {
    const stdout = stream(false);
    const stderr = stream(false);
    const term = new RunTerminal(cfg("auto"), { stdout, stderr });
    term.startStatus(() => ({})); // no live line off a terminal
    term.log("checkpoint", { epoch: 1 });
    term.consoleSink(() => ({})).updates([{ metric: "page_views", window_start: T, window_end: T + 60_000, product_id: "p", views: 1 }]);
    term.finish(stats, 2, "end of input");
    expect(stdout.text()).toContain("page_views");
    expect(stdout.text()).not.toMatch(ANSI);
    expect(stdout.text()).not.toContain("\r");
    const lines = stderr.chunks.map((l) => JSON.parse(l));
    expect(lines.map((l) => l.event)).toEqual(["checkpoint", "done"]);
    expect(lines[1]).toMatchObject({ eventsIn: 100, valid: 99, invalid: 1, reason: "end of input", eventsPerSecond: 50, outputs: { console: true, files: "/tmp/o" } });
  });

  it("on a terminal: a live status line, console blocks above it, text logs and a text summary", () => {
    const stdout = stream(true, 200);
    const stderr = stream(true);
    const term = new RunTerminal(cfg("auto"), { stdout, stderr });
    term.startStatus(() => ({}));
    expect(stdout.chunks).toEqual(["\r\x1b[K▶ starting…"]);
    term.log("checkpoint", { epoch: 1 });
    expect(stderr.chunks).toEqual([]);
    term.log("restart", { level: "warn", error: "lost" });
    expect(stderr.text()).toMatch(/warning.*restart: error=lost\n$/);
    term.consoleSink(() => ({})).updates([{ metric: "page_views", window_start: T, window_end: T + 60_000, product_id: "p", views: 1 }]);
    // Each write erased the status line first and drew it again after.
    const blockAt = stdout.chunks.findIndex((c) => c.includes("page_views"));
    expect(stdout.chunks[blockAt - 1]).toBe("\r\x1b[K");
    expect(stdout.chunks[blockAt + 1]).toBe("\r\x1b[K▶ starting…");
    term.finish(stats, 2, "end of input");
    expect(stdout.chunks.at(-1)).toBe("\r\x1b[K");
    expect(stderr.text()).toMatch(/eddy run.* finished after 2\.0 s \(end of input\)/);
    expect(stderr.text()).not.toContain('"event"');
  });

  it("--log-format json on a terminal keeps JSON lines", () => {
    const stderr = stream(true);
    const term = new RunTerminal(cfg("json"), { stdout: stream(true), stderr });
    term.log("checkpoint", { epoch: 1 });
    term.finish(stats, 1, "end of input");
    term.stopStatus();
    expect(stderr.chunks.map((l) => JSON.parse(l).event)).toEqual(["checkpoint", "done"]);
  });
});
