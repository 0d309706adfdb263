/**
 * The scale-out part of `npm run bench:e2e`: one backlog on 6-partition topics drained by
 * `eddy run` processes side by side in one session — the single runner, one parallel runner
 * (`--parallel`: tasks, repartition topics, merge stage) and two (`--workers 2`) — as events per
 * second of wall time from process start to exit (the start-up and the group join count, as they
 * do for a user), median of `runs` each, with the ratios from the same session.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { median } from "./report";

const CLI = join(import.meta.dirname, "../bin/eddy.js");

/** Result of {@link parallelThroughput}. */
export interface ParallelFigures {
  events: number;
  /** Median events/s per setup, and every run's. */
  single: { median: number; runs: number[] };
  parallel1: { median: number; runs: number[] };
  parallel2: { median: number; runs: number[] };
  /** parallel2 / parallel1 and parallel2 / single, from the medians. */
  ratioTwoToOne: number;
  ratioTwoToSingle: number;
}

function runProcess(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [CLI, "run", ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? resolve((performance.now() - t0) / 1000) : reject(new Error(`eddy run ${args.join(" ")} exited ${code}: ${err.slice(-2000)}`))));
  });
}

function generate(brokers: string[], prefix: string, events: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, "generate", "--brokers", brokers.join(","), "--topic-prefix", prefix, "--partitions", "6", "--seed", "2", "--rate", "max", "--count", String(events)], { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`generate failed: ${err}`))));
  });
}

/** Drains one `events` backlog `runs` times per setup; see the module comment. */
export async function parallelThroughput(brokers: string[], prefix: string, events: number, runs = 3): Promise<ParallelFigures> {
  await generate(brokers, prefix, events);
  const base = (group: string) => [
    "--brokers", brokers.join(","), "--group", group, "--sink", "kafka", "--until-end", "--checkpoint-interval", "10s",
    "--clickstream-topic", `${prefix}clickstream`, "--transactions-topic", `${prefix}transactions`, "--orders-topic", `${prefix}orders`,
    "--results-topic", `${prefix}results-${group}`, "--anomalies-topic", `${prefix}anomalies-${group}`,
    "--product-metrics-topic", `${prefix}pm-${group}`, "--processed-orders-topic", `${prefix}po-${group}`,
  ];
  const setups: Record<"single" | "parallel1" | "parallel2", (g: string) => string[]> = {
    single: (g) => base(g),
    parallel1: (g) => [...base(g), "--parallel"],
    parallel2: (g) => [...base(g), "--workers", "2"],
  };
  const rates: Record<string, number[]> = { single: [], parallel1: [], parallel2: [] };
  // Interleaved, so that a noisy moment of the machine does not fall on one setup only.
  for (let i = 0; i < runs; i++) {
    for (const [name, args] of Object.entries(setups)) {
      const seconds = await runProcess(args(`${name}-${i}`));
      rates[name].push(events / seconds);
      console.error(`bench:e2e: ${name} run ${i + 1}: ${events} events in ${seconds.toFixed(2)} s`);
    }
  }
  const fig = (name: string) => ({ median: Math.round(median(rates[name])), runs: rates[name].map(Math.round) });
  const single = fig("single");
  const parallel1 = fig("parallel1");
  const parallel2 = fig("parallel2");
  return {
    events,
    single,
    parallel1,
    parallel2,
    ratioTwoToOne: Math.round((100 * parallel2.median) / parallel1.median) / 100,
    ratioTwoToSingle: Math.round((100 * parallel2.median) / single.median) / 100,
  };
}
