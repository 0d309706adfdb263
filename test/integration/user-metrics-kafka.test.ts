/**
 * User-defined metrics through `eddy run --until-end` against the real broker: a declared
 * input topic (`reviews`, 3 partitions, topic name unique to the test through a copy of
 * examples/metrics.json) beside the generator topics. Invalid reviews land in `<topic>.dlq`
 * unchanged with an `eddy-error` header naming the problem; every final row (user metrics and
 * built-in ones) is on the results topic exactly once for a read_committed reader, equal to
 * the rows of the same run over a JSONL file of the same records, also when the runner is
 * killed -9 at random points.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MetricRegistry } from "../../src/core/metrics/registry";
import type { MetricsFileJson } from "../../src/core/metrics/user/definition";
import { main } from "../../src/server/cli";
import { type GeneratedRecord, jsonlLine } from "../../src/server/generator";
import { testBrokers, testKafka } from "../helpers/kafka";
import { createTopic, expectExactlyOnce, readCommitted } from "../helpers/kafka-io";
import { records } from "../helpers/pipeline";
import { reviewLine, reviewRecords, type ReviewRecord } from "../helpers/reviews-fixture";
import { produce, runWithKills, runTopics, topicFlags, type RunTopics } from "../helpers/run-kafka";

const METRIC_NAMES = MetricRegistry.builtin().names;

const dir = mkdtempSync(join(tmpdir(), "eddy-udm-kafka-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = Date.UTC(2026, 0, 1, 10);
const example = JSON.parse(readFileSync(join(__dirname, "../../examples/metrics.json"), "utf8")) as MetricsFileJson;
const USER_METRICS = example.metrics.map((m) => m.name);

/** A copy of examples/metrics.json whose `reviews` input reads `topic`. */
function metricsFile(topic: string): string {
  const f: MetricsFileJson = structuredClone(example);
  f.inputs!.reviews!.topic = topic;
  const path = join(dir, `metrics-${topic}.json`);
  writeFileSync(path, JSON.stringify(f));
  return path;
}

/** Produces the reviews keyed by user (the partitioner spreads them over the topic's partitions). */
async function produceReviews(topic: string, reviews: ReviewRecord[]): Promise<void> {
  const kafka = testKafka();
  await createTopic(kafka, topic, 3);
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < reviews.length; i += 200) {
      await producer.send({ topic, acks: -1, messages: reviews.slice(i, i + 200).map((r) => ({ key: r.key, value: r.value })) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Every row line of the files sink for the built-in and the user metrics (processed orders have their own topic). */
function fileRows(out: string): string[] {
  return [...METRIC_NAMES.filter((m) => m !== "processed_orders"), ...USER_METRICS]
    .flatMap((m) => (existsSync(join(out, `${m}.jsonl`)) ? readFileSync(join(out, `${m}.jsonl`), "utf8").split("\n").filter(Boolean) : []))
    .sort();
}

/**
 * The same records as a JSONL file, replayed with `--input` and the same metrics file: the
 * expected rows. Generator topics keep their default names there (rows carry no topic).
 */
async function fileReplay(name: string, recs: GeneratedRecord[], reviewsTopic: string, reviews: ReviewRecord[], metrics: string): Promise<string[]> {
  const input = join(dir, `${name}.jsonl`);
  writeFileSync(input, [...recs.map(jsonlLine), ...reviews.map((r) => reviewLine(reviewsTopic, r))].join("\n") + "\n");
  const out = join(dir, name);
  expect(await main(["run", "--input", input, "--output", out, "--sink", "jsonl", "--metrics-file", metrics, "--log-format", "json"])).toBe(0);
  const summary = JSON.parse(readFileSync(join(out, "metrics.json"), "utf8")) as { events: { late: number } };
  // Nothing late in either run, so how the source interleaves partitions cannot change a row.
  expect(summary.events.late).toBe(0);
  return fileRows(out);
}

/** Committed values of a topic, read to its end offsets. */
async function values(topic: string): Promise<string[]> {
  return (await readCommitted(testKafka(), topic)).map((r) => r.value!);
}

function expectUserRows(rows: string[]): void {
  const by = new Map<string, number>();
  for (const r of rows) {
    const m = (JSON.parse(r) as { metric: string }).metric;
    by.set(m, (by.get(m) ?? 0) + 1);
  }
  for (const m of USER_METRICS) expect(by.get(m) ?? 0, m).toBeGreaterThan(0);
}

describe("user-defined metrics with Kafka in and out", () => {
  const recs = records(20_000, { seed: 41, late: 0, invalid: 0.01, anomaly: 0.005 });
  const reviews = reviewRecords(T0, 2500, 43);
  let t: RunTopics;
  let reviewsTopic: string;
  let metrics: string;
  let expected: string[];

  beforeAll(async () => {
    t = runTopics("udm-kafka");
    reviewsTopic = `${t.prefix}reviews`;
    metrics = metricsFile(reviewsTopic);
    expected = await fileReplay("udm-file", recs, reviewsTopic, reviews, metrics);
    expectUserRows(expected);
    await produce(testBrokers(), t, recs);
    await produceReviews(reviewsTopic, reviews);
  });

  it("writes every row exactly once, equal to the file replay; invalid reviews go to the DLQ unchanged with their reason", async () => {
    const code = await main(["run", "--brokers", testBrokers().join(","), ...topicFlags(t), "--until-end", "--sink", "kafka", "--checkpoint-interval", "1s", "--metrics-file", metrics, "--log-format", "json"]);
    expect(code).toBe(0);
    expectExactlyOnce(await values(t.results), expected, "result rows");

    const dlq = await readCommitted(testKafka(), `${reviewsTopic}.dlq`);
    const bad = reviews.filter((r) => r.bad);
    expect(bad.length).toBeGreaterThan(10);
    expect(new Set(bad.map((r) => r.bad)).size).toBe(4);
    expectExactlyOnce(dlq.map((r) => r.value!), bad.map((r) => r.value), "reviews DLQ");
    const reason: Record<string, RegExp> = {
      "no-rating": /^missing required field 'rating'$/,
      "string-rating": /^required field 'rating' must be a number, got string$/,
      "bad-time": /^time field 'created_at': timestamp "yesterday"/,
      "not-json": /^not valid JSON: /,
    };
    for (const r of dlq) {
      const src = bad.find((b) => b.value === r.value)!;
      expect(r.headers["eddy-error"], src.value).toMatch(reason[src.bad!]!);
      expect(r.headers["eddy-source-topic"]).toBe(reviewsTopic);
      expect(r.headers["eddy-source-partition"]).toMatch(/^[0-2]$/);
      expect(r.headers["eddy-source-offset"]).toMatch(/^\d+$/);
    }
    // The generator's invalid records go to their own topics' DLQs, none to the reviews one.
    const specDlq = await readCommitted(testKafka(), [`${t.clickstream}.dlq`, `${t.transactions}.dlq`, `${t.orders}.dlq`]);
    expectExactlyOnce(specDlq.map((r) => r.value!), recs.filter((r) => r.invalid).map((r) => r.text), "generator DLQ");
  });

  it("loses or repeats no row when the runner is killed -9 at random points", async () => {
    const many = records(50_000, { seed: 42, late: 0, invalid: 0.01, anomaly: 0.005 });
    const manyReviews = reviewRecords(T0, 6000, 44);
    const k = runTopics("udm-crash");
    const topic = `${k.prefix}reviews`;
    const file = metricsFile(topic);
    const want = await fileReplay("udm-crash-file", many, topic, manyReviews, file);
    await produce(testBrokers(), k, many);
    await produceReviews(topic, manyReviews);
    const args = ["run", "--brokers", testBrokers().join(","), ...topicFlags(k), "--until-end", "--sink", "kafka", "--checkpoint-interval", "100ms", "--poll-records", "2000", "--metrics-file", file];
    expect(await runWithKills(args)).toBeGreaterThanOrEqual(3);
    expectExactlyOnce(await values(k.results), want, "result rows after kill -9");
    expectExactlyOnce((await readCommitted(testKafka(), `${topic}.dlq`)).map((r) => r.value!), manyReviews.filter((r) => r.bad).map((r) => r.value), "reviews DLQ after kill -9");
  });
});
