/**
 * What `eddy run` says when it ends: how long it ran and why it stopped, events in / valid /
 * invalid / late, rows out per metric, throughput, and where the output went (Kafka topics,
 * folders). Readable text for a terminal; the same facts are in the JSON `done` line.
 */
import { resolve } from "node:path";
import type { RunStats } from "../runner/run-stats";
import { styles } from "./ansi";
import { formatDuration, formatInt } from "./format";

/** The settings that say where a run's output goes (a subset of the run config). */
export interface OutputSettings {
  sinks: readonly string[];
  output: string;
  brokers: string[];
  topics: { clickstream: string; transactions: string; orders: string };
  resultsTopic: string;
  anomaliesTopic: string;
  productMetricsTopic: string;
  processedOrdersTopic: string;
}

/** Where a run's output went. */
export interface Outputs {
  kafka?: { brokers: string[]; topics: string[]; dlq: string[]; late: string[] };
  /** Absolute folder of the file sinks. */
  files?: string;
  console: boolean;
}

/** The outputs of a run with settings `s`. */
export function describeOutputs(s: OutputSettings): Outputs {
  const inputs = [s.topics.clickstream, s.topics.transactions, s.topics.orders];
  const out: Outputs = { console: s.sinks.includes("console") };
  if (s.sinks.includes("kafka")) {
    const topics = [...new Set([s.resultsTopic, s.anomaliesTopic, s.productMetricsTopic, s.processedOrdersTopic])];
    out.kafka = { brokers: s.brokers, topics, dlq: inputs.map((t) => `${t}.dlq`), late: inputs.map((t) => `${t}.late`) };
  }
  // Every sink other than console and Kafka writes files under --output.
  if (s.sinks.some((k) => k !== "console" && k !== "kafka")) out.files = resolve(s.output);
  return out;
}

/** Why the run ended. */
export type StopReason = "end of input" | `stopped by ${string}`;

/** The multi-line text summary. */
export function formatExitSummary(stats: RunStats, seconds: number, reason: StopReason, outputs: Outputs, color = false): string {
  const st = styles(color);
  const label = (s: string) => st.dim(s.padEnd(12));
  const rate = stats.eventsIn / Math.max(seconds, 1e-3);
  const rows = Object.entries(stats.rowsOut).filter(([, n]) => n > 0).map(([m, n]) => `${m} ${formatInt(n)}`);
  const total = Object.values(stats.rowsOut).reduce((a, b) => a + b, 0);
  const pad = " ".repeat(14);
  const lines = [
    `${st.bold("■ eddy run")} ${reason === "end of input" ? "finished" : "stopped"} after ${formatDuration(seconds * 1000)} (${reason})`,
    `  ${label("events")}${formatInt(stats.eventsIn)} in · ${formatInt(stats.valid)} valid · ${formatInt(stats.invalid)} invalid · ${formatInt(stats.late)} late · ${formatInt(rate)} events/s`,
    `  ${label("rows out")}${formatInt(total)}${rows.length ? `: ${rows.join(" · ")}` : ""}`,
  ];
  if (outputs.kafka) {
    const k = outputs.kafka;
    lines.push(`  ${label("kafka")}${k.topics.join(", ")} ${st.dim(`on ${k.brokers.join(",")}`)}`);
    lines.push(`${pad}invalid → ${k.dlq.join(", ")}; late → ${k.late.join(", ")}`);
  }
  if (outputs.files) lines.push(`  ${label("files")}${outputs.files} ${st.dim("(per metric, dlq/, late/, metrics.json)")}`);
  if (outputs.console) lines.push(`  ${label("console")}stdout`);
  lines.push(`  ${label("checkpoints")}${formatInt(stats.epochs)} committed${stats.restarts ? `, resumed ${formatInt(stats.restarts)} time${stats.restarts === 1 ? "" : "s"}` : ""}`);
  return lines.join("\n") + "\n";
}
