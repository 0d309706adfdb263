/** Helpers for runner tests against a real broker: produce generator records, run `eddy run`, read results. */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { MetricRegistry } from "../../src/core/metrics/registry";
import type { GeneratedRecord } from "../../src/server/generator";
import { testKafka, uniqueName } from "./kafka";

/** Topic names of one test run (unique prefix). */
export function runTopics(base: string) {
  const p = uniqueName(base) + "-";
  return {
    prefix: p,
    clickstream: `${p}clickstream`,
    transactions: `${p}transactions`,
    orders: `${p}orders`,
    results: `${p}analytics-results`,
    anomalies: `${p}anomalies`,
    productMetrics: `${p}product-metrics`,
    processedOrders: `${p}processed-orders`,
    group: `${p}group`,
  };
}
export type RunTopics = ReturnType<typeof runTopics>;

/** The `eddy run` flags naming a test's topics. */
export function topicFlags(t: RunTopics): string[] {
  return [
    "--clickstream-topic", t.clickstream, "--transactions-topic", t.transactions, "--orders-topic", t.orders,
    "--results-topic", t.results, "--anomalies-topic", t.anomalies, "--product-metrics-topic", t.productMetrics,
    "--processed-orders-topic", t.processedOrders, "--group", t.group,
  ];
}

/**
 * Produces records in order to `<prefix><kind>` topics with `partitions` partitions each, in
 * small batches like a live producer: records of one batch share a timestamp, so one batch must
 * not span much event time (the source orders partitions by timestamp).
 */
export async function produce(brokers: string[], t: RunTopics, recs: GeneratedRecord[], partitions = 1): Promise<void> {
  const kafka = testKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [t.clickstream, t.transactions, t.orders].map((topic) => ({ topic, numPartitions: partitions })), waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const name = { clickstream: t.clickstream, transactions: t.transactions, orders: t.orders } as const;
  for (let i = 0; i < recs.length; i += 100) {
    const chunk = recs.slice(i, i + 100);
    const byTopic = new Map<string, { key: string; value: string }[]>();
    for (const r of chunk) {
      const topic = name[r.kind];
      if (!byTopic.has(topic)) byTopic.set(topic, []);
      byTopic.get(topic)!.push({ key: r.key, value: r.text });
    }
    await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }
  await producer.disconnect();
}

const CLI = join(__dirname, "../../bin/eddy.js");

/**
 * Runs `eddy run` in a child process; with `kill`, SIGKILLs it `kill.delayMs` after its
 * `kill.afterCheckpoints`-th checkpoint log line (a random point in the middle of real work).
 */
export function runChild(
  args: string[],
  kill?: { afterCheckpoints: number; delayMs: number },
  env: NodeJS.ProcessEnv = process.env,
  onStderr?: (chunk: string) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "ignore", "pipe"], env });
    let err = "";
    let checkpoints = 0;
    let timer: NodeJS.Timeout | undefined;
    child.stderr.on("data", (d: Buffer) => {
      err += d;
      onStderr?.(d.toString());
      checkpoints += (d.toString().match(/"event":"checkpoint"/g) ?? []).length;
      if (kill && !timer && checkpoints >= kill.afterCheckpoints) timer = setTimeout(() => child.kill("SIGKILL"), kill.delayMs);
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      if (code !== 0 && signal === null) reject(new Error(`eddy run exited ${code}: ${err.slice(-3000)}`));
      else resolve({ code, signal, stderr: err });
    });
  });
}

/**
 * Runs `eddy <args>` until it exits 0, SIGKILLing the first three runs between their first and
 * third checkpoint (a random point in the middle of real work); resolves with the number of kills.
 */
export async function runWithKills(args: string[], kills = 3, attempts = 20): Promise<number> {
  let killed = 0;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const kill = killed < kills ? { afterCheckpoints: 1 + Math.floor(Math.random() * 2), delayMs: Math.floor(Math.random() * 150) } : undefined;
    const r = await runChild(args, kill);
    if (r.signal === "SIGKILL") killed++;
    if (r.code === 0) break;
  }
  return killed;
}

/**
 * Every final row a files-sink run wrote to `DIR/<metric>.jsonl`, sorted, as the JSON lines a
 * Kafka sink publishes (processed orders are left out: they go to their own topic).
 */
export function resultFileRows(dir: string): string[] {
  return MetricRegistry.builtin().names.filter((m) => m !== "processed_orders")
    .flatMap((m) => {
      const f = join(dir, `${m}.jsonl`);
      return existsSync(f) ? readFileSync(f, "utf8").split("\n").filter(Boolean) : [];
    })
    .sort();
}
