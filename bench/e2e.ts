/**
 * `npm run bench:e2e`: broker → `eddy run` → Kafka sink, end to end on this machine.
 *
 *  1. backlog: the generator fills fresh topics, then the runner drains them (`--until-end`,
 *     exactly-once Kafka sink): events/s, median of 3 runs;
 *  2. concurrent: the generator at --rate max and the runner at once (they share the 2 cores);
 *  3. latency in update mode at 1,000 and 50,000 events/s: Kafka message timestamp → the batch's
 *     update rows handed to the sinks (trigger every poll), p50/p99; the 50,000 events/s run is
 *     repeated (EDDY_BENCH_LATENCY_RUNS, default 3) and reported as medians, with how long its
 *     checkpoint commits took (the runner's `checkpoint` log, when it reports `commitMs`);
 *  4. scale-out: the same backlog on 6 partitions drained by one runner, one parallel runner and
 *     two (bench/e2e-parallel.ts);
 *  5. a CPU profile of one backlog run, self time grouped into decode/validate, pipeline+kernels,
 *     Kafka client, sinks, GC and idle;
 *  6. checkpoints with the state of 300,000 users at 5,000 and 50,000 events/s, 5 s interval:
 *     bytes and time per epoch of whole-state checkpoints (before) and incremental ones (after),
 *     side by side on the same states, and restore times (bench/checkpoint-bench.ts).
 *
 * Uses KAFKA_BROKERS or starts a private broker. EDDY_BENCH_EVENTS sets the backlog size
 * (default 300,000); EDDY_BENCH_CHECKPOINT_WARMUP the events before checkpoints are measured
 * (default 7,000,000); EDDY_BENCH_ONLY=checkpoints runs part 6 alone, scale-out part 4. Prints a table and writes
 * bench/results/e2e.json (a part alone merges into it).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import os from "node:os";
import { join } from "node:path";
import { startBroker } from "../scripts/kafka-broker";
import { buildRun } from "../src/server/commands/run";
import { parseRunConfig } from "../src/server/runner/run-config";
import type { SourceRecord } from "../src/server/io/types";
import { checkpointBench, type CheckpointResult, checkpointTable } from "./checkpoint-bench";
import { parallelThroughput } from "./e2e-parallel";
import { median } from "./report";

const EVENTS = Number(process.env.EDDY_BENCH_EVENTS ?? 300_000);
const LATENCY_RUNS = Math.max(1, Number(process.env.EDDY_BENCH_LATENCY_RUNS ?? 3));
const CHECKPOINT_WARMUP = Number(process.env.EDDY_BENCH_CHECKPOINT_WARMUP ?? 7_000_000);
const ONLY = process.env.EDDY_BENCH_ONLY;
const RESULTS = join(import.meta.dirname, "results/e2e.json");
const CLI = join(import.meta.dirname, "../bin/eddy.js");


function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Runs `eddy generate` in a child process (its own core); resolves with its summary line. */
function generator(brokers: string[], prefix: string, args: string[]): { done: Promise<string>; kill(): void } {
  const child = spawn(process.execPath, [CLI, "generate", "--brokers", brokers.join(","), "--topic-prefix", prefix, "--partitions", "3", "--seed", "1", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  const done = new Promise<string>((resolve, reject) => {
    child.on("exit", (code, signal) => (code === 0 || signal ? resolve(err.trim().split("\n").at(-1) ?? "") : reject(new Error(`generate failed: ${err}`))));
  });
  return { done, kill: () => child.kill("SIGINT") };
}

function runArgs(brokers: string[], prefix: string, group: string, extra: string[]): string[] {
  return [
    "--brokers", brokers.join(","), "--group", group, "--sink", "kafka",
    "--clickstream-topic", `${prefix}clickstream`, "--transactions-topic", `${prefix}transactions`, "--orders-topic", `${prefix}orders`,
    "--results-topic", `${prefix}analytics-results-${group}`, "--anomalies-topic", `${prefix}anomalies-${group}`, "--product-metrics-topic", `${prefix}product-metrics-${group}`,
    ...extra,
  ];
}

const quiet = () => {};

async function drain(brokers: string[], prefix: string, group: string): Promise<{ events: number; seconds: number }> {
  const { config } = parseRunConfig(runArgs(brokers, prefix, group, ["--until-end", "--checkpoint-interval", "10s", "--trigger", "1h"]));
  let first = 0;
  let last = 0;
  const onProcessed = (recs: readonly SourceRecord[], at: number) => {
    if (recs.length && !first) first = at;
    if (recs.length) last = at;
  };
  const { runner } = await buildRun(config, { onProcessed, log: quiet });
  await runner.run();
  await runner.close();
  return { events: runner.stats.eventsIn, seconds: (last - first) / 1000 };
}

interface LatencyRun {
  rate: number;
  achieved: number;
  p50: number;
  p99: number;
  samples: number;
  /** Wall time of each checkpoint commit (prepare → finish), ms, when the runner logs it. */
  commitMs: number[];
}

async function latency(brokers: string[], prefix: string, rate: number, seconds: number): Promise<LatencyRun> {
  const group = `lat-${rate}`;
  const { config } = parseRunConfig(runArgs(brokers, prefix, group, ["--trigger", "0", "--checkpoint-interval", "10s"]));
  const lat: number[] = [];
  const commitMs: number[] = [];
  let warmupUntil = Infinity;
  let counted = 0;
  const onProcessed = (recs: readonly SourceRecord[], at: number) => {
    if (at < warmupUntil) return;
    for (const r of recs) if (r.timestamp !== undefined) lat.push(at - r.timestamp);
    counted += recs.length;
  };
  const log = (event: string, fields?: Record<string, unknown>) => {
    if (event === "checkpoint" && typeof fields?.commitMs === "number") commitMs.push(fields.commitMs);
  };
  const { runner } = await buildRun(config, { onProcessed, log });
  const running = runner.run();
  await new Promise((r) => setTimeout(r, 3000)); // let the consumer join before producing
  warmupUntil = Date.now() + 5000;
  // Simulated event time paced by --rate: 50,000 events/s at wall speed would need ~4M simulated users.
  const gen = generator(brokers, prefix, ["--rate", String(rate), "--speed", "max", "--duration", `${seconds}s`]);
  await gen.done;
  await new Promise((r) => setTimeout(r, 2000));
  runner.stop();
  await running;
  await runner.close();
  const sorted = Float64Array.from(lat).sort();
  return { rate, achieved: counted / Math.max(1, seconds - 5), p50: percentile(sorted, 50), p99: percentile(sorted, 99), samples: lat.length, commitMs };
}

/** Medians over repeated latency runs at one rate, with the runs themselves. */
function medianRuns(runs: LatencyRun[]): Omit<LatencyRun, "commitMs"> & { commitMs: number | null; runs: LatencyRun[] } {
  const commits = runs.flatMap((r) => r.commitMs);
  return {
    rate: runs[0].rate,
    achieved: median(runs.map((r) => r.achieved)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    samples: median(runs.map((r) => r.samples)),
    commitMs: commits.length ? median(commits) : null,
    runs,
  };
}

type Category = "decode+validate" | "pipeline+kernels (wasm)" | "kafka client" | "sinks+runner" | "gc" | "idle" | "other";
function categorize(url: string, fn: string): Category {
  if (fn === "(garbage collector)") return "gc";
  if (fn === "(idle)") return "idle";
  if (url.includes("kafkajs")) return "kafka client";
  if (url.includes("core/events") || url.includes("kafka-source") || fn === "parse" || fn === "decode") return "decode+validate";
  if (url.includes("core/pipeline") || url.includes("core/kernels") || url.includes("core/dictionary") || url.startsWith("wasm")) return "pipeline+kernels (wasm)";
  if (url.includes("sinks/") || url.includes("runner/") || url.includes("checkpoint")) return "sinks+runner";
  return "other";
}

async function profiled<T>(fn: () => Promise<T>): Promise<{ result: T; split: Record<string, number> }> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  const result = await fn();
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const split: Record<string, number> = {};
  let total = 0;
  profile.samples!.forEach((id, i) => {
    const n = byId.get(id)!;
    const c = categorize(n.callFrame.url, n.callFrame.functionName);
    const dt = profile.timeDeltas![i];
    split[c] = (split[c] ?? 0) + dt;
    total += dt;
  });
  for (const k of Object.keys(split)) split[k] = Math.round((1000 * split[k]) / total) / 10;
  return { result, split };
}

async function main(): Promise<void> {
  let stopBroker: (() => Promise<void>) | undefined;
  let brokers = process.env.KAFKA_BROKERS?.split(",").filter(Boolean);
  if (!brokers?.length) {
    const dir = mkdtempSync(join(os.tmpdir(), "eddy-bench-kafka-"));
    const b = await startBroker({ port: 0, dir, heap: "1g" });
    brokers = b.brokers;
    stopBroker = async () => {
      await b.stop();
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const run = Date.now().toString(36);
  try {
    if (ONLY === "checkpoints") {
      const checkpoints = await runCheckpointBench(brokers);
      const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, "utf8")) as Record<string, unknown>) : {};
      writeFileSync(RESULTS, JSON.stringify({ ...previous, checkpoints }, null, 2) + "\n");
      console.log(`\n${checkpointTable(checkpoints)}\nwrote bench/results/e2e.json (checkpoints)`);
      return;
    }
    if (ONLY === "scale-out") {
      const scaleOut = await parallelThroughput(brokers, `bench-${run}-p-`, EVENTS);
      const previous = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, "utf8")) as Record<string, unknown>) : {};
      writeFileSync(RESULTS, JSON.stringify({ ...previous, scaleOut }, null, 2) + "\n");
      console.log(`\n${JSON.stringify(scaleOut)}\nwrote bench/results/e2e.json (scaleOut)`);
      return;
    }
    console.error(`bench:e2e: broker ${brokers.join(",")}, backlog ${EVENTS} events`);
    const backlog = `bench-${run}-`;
    const genSummary = await generator(brokers, backlog, ["--rate", "max", "--count", String(EVENTS)]).done;
    console.error(`bench:e2e: ${genSummary}`);
    // One profiled drain (its figures only feed the CPU split), then three timed ones.
    const { split } = await profiled(() => drain(brokers!, backlog, "profiled"));
    const drains: { events: number; seconds: number }[] = [];
    for (let i = 0; i < 3; i++) {
      drains.push(await drain(brokers, backlog, `drain-${i}`));
      console.error(`bench:e2e: drain ${i + 1}: ${drains[i].events} events in ${drains[i].seconds.toFixed(2)} s`);
    }
    const drainRates = drains.map((d) => d.events / d.seconds);

    const conc = `bench-${run}-c-`;
    const gen = generator(brokers, conc, ["--rate", "max", "--count", String(EVENTS)]);
    await new Promise((r) => setTimeout(r, 2000)); // topics created and led before the runner subscribes
    const concurrent = await drain(brokers, conc, "concurrent").catch(() => ({ events: 0, seconds: 1 }));
    const concSummary = await gen.done;

    const lat1k = await latency(brokers, `bench-${run}-l1-`, 1000, 20);
    const runs50k: LatencyRun[] = [];
    for (let i = 0; i < LATENCY_RUNS; i++) {
      runs50k.push(await latency(brokers, `bench-${run}-l50-${i}-`, 50_000, 20));
      console.error(`bench:e2e: latency at 50k/s, run ${i + 1}: p50 ${runs50k[i].p50} ms, p99 ${runs50k[i].p99} ms, achieved ${Math.round(runs50k[i].achieved)}/s`);
    }
    const lat50k = medianRuns(runs50k);
    const scaleOut = await parallelThroughput(brokers, `bench-${run}-p-`, EVENTS);
    const checkpoints = await runCheckpointBench(brokers);

    const cpus = os.cpus();
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      machine: { cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, platform: os.platform(), totalMemBytes: os.totalmem() },
      backlogEvents: EVENTS,
      generator: genSummary,
      drainEventsPerSecond: { runs: drainRates.map(Math.round), median: Math.round(median(drainRates)) },
      concurrent: { eventsPerSecond: Math.round(concurrent.events / concurrent.seconds), events: concurrent.events, generator: concSummary },
      latencyUpdateMode: [lat1k, lat50k],
      scaleOut,
      profileSelfTimePercent: split,
      checkpoints,
    };
    mkdirSync(join(import.meta.dirname, "results"), { recursive: true });
    writeFileSync(RESULTS, JSON.stringify(result, null, 2) + "\n");
    const ms = (v: number) => (Number.isFinite(v) ? `${v.toFixed(0)} ms` : "n/a");
    console.log(`\neddy end-to-end benchmark — ${result.machine.cpu} × ${result.machine.cores}, Node ${process.version}, ${result.date}\n`);
    console.log("| measure | value |\n| --- | --- |");
    console.log(`| broker → runner → Kafka sink, backlog drain (median of 3) | ${result.drainEventsPerSecond.median.toLocaleString("en-US")} events/s (${result.drainEventsPerSecond.runs.join(", ")}) |`);
    console.log(`| same, generator at --rate max concurrently | ${result.concurrent.eventsPerSecond.toLocaleString("en-US")} events/s |`);
    for (const l of result.latencyUpdateMode) {
      const of = "runs" in l ? `, median of ${l.runs.length}` : "";
      const commits = typeof l.commitMs === "number" ? `; checkpoint commit ${ms(l.commitMs)} (median)` : "";
      console.log(`| update-mode latency at ${l.rate.toLocaleString("en-US")} ev/s (achieved ${Math.round(l.achieved).toLocaleString("en-US")}${of}) | p50 ${ms(l.p50)}, p99 ${ms(l.p99)} (${l.samples} samples)${commits} |`);
    }
    const so = result.scaleOut;
    console.log(`| 6-partition backlog, one runner (process wall time, median of 3) | ${so.single.median.toLocaleString("en-US")} events/s |`);
    console.log(`| same, 1 parallel runner / 2 parallel runners (--workers 2) | ${so.parallel1.median.toLocaleString("en-US")} / ${so.parallel2.median.toLocaleString("en-US")} events/s; 2:1 = ${so.ratioTwoToOne}, 2:single = ${so.ratioTwoToSingle} |`);
    console.log(`| where the time goes (drain run, CPU self time) | ${Object.entries(split).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}%`).join(", ")} |`);
    console.log(`\n${checkpointTable(checkpoints)}`);
    console.log("\nwrote bench/results/e2e.json");
  } finally {
    await stopBroker?.();
  }
}

function runCheckpointBench(brokers: string[]): Promise<CheckpointResult> {
  return checkpointBench({ brokers, warmupEvents: CHECKPOINT_WARMUP, log: (m) => console.error(`bench:e2e: ${m}`) });
}

process.on("unhandledRejection", (err) => {
  console.error("bench:e2e: unhandled rejection", err);
});

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
