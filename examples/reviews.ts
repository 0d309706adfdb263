/**
 * Product reviews for the declared input `reviews` of examples/metrics.json: a small generator
 * for trying user-defined metrics over a topic of your own.
 *
 *   node --import tsx examples/reviews.ts --brokers 127.0.0.1:9092 --rate 5     # to Kafka, live
 *   node --import tsx examples/reviews.ts --out reviews.jsonl --count 2000       # to a file
 *
 * Event time is the wall clock (`created_at`, ISO-8601), as with `eddy generate`; `--start` (ISO)
 * with `--out` writes a reproducible file whose times step by `--every-ms`. `--invalid-fraction`
 * mixes in messages the metric file's `required` rules send to `reviews.dlq`.
 */
import { appendFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_CATALOG } from "../src/core/catalog";
import { Prng } from "../src/core/prng";
import { createKafka } from "../src/server/kafka/client";

const COUNTRIES = ["DE", "FR", "US", "GB", "ES", "IT", "NL", "PL", "SE", "JP"];

/** One review (or, with probability `invalid`, a message that is not a valid review). */
export function review(rng: Prng, n: number, t: number, invalid: number): { key: string; value: string } {
  const user = `user-${String(1 + rng.int(2000)).padStart(4, "0")}`;
  if (rng.float() < invalid) {
    const bad = [`{"review_id":"r${n}","product_id":"prod-001","rating":"five","created_at":"${new Date(t).toISOString()}"}`, `{"review_id":"r${n}"`, `{"review_id":"r${n}","product_id":"prod-001","created_at":"${new Date(t).toISOString()}"}`];
    return { key: user, value: bad[rng.int(bad.length)] };
  }
  const product = DEFAULT_CATALOG.products[rng.int(DEFAULT_CATALOG.products.length)].product_id;
  // Mostly happy customers: 5 and 4 dominate, 1 is rare.
  const rating = [5, 5, 5, 4, 4, 3, 2, 1][rng.int(8)];
  const value = {
    review_id: `r-${n}`,
    product_id: product,
    user: { id: user, country: COUNTRIES[rng.int(COUNTRIES.length)] },
    rating,
    verified: rng.float() < 0.8,
    created_at: new Date(t).toISOString(),
  };
  return { key: user, value: JSON.stringify(value) };
}

async function main(): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      brokers: { type: "string", default: process.env.KAFKA_BROKERS },
      topic: { type: "string", default: "reviews" },
      out: { type: "string" },
      rate: { type: "string", default: "5" },
      count: { type: "string" },
      seed: { type: "string", default: "1" },
      start: { type: "string" },
      "every-ms": { type: "string", default: "1000" },
      "invalid-fraction": { type: "string", default: "0" },
    },
  });
  const rng = new Prng(Number(a.seed));
  const invalid = Number(a["invalid-fraction"]);
  const count = a.count === undefined ? Infinity : Number(a.count);
  if (a.out) {
    const start = a.start ? Date.parse(a.start) : Date.now() - Number(a["every-ms"]) * (Number.isFinite(count) ? count : 0);
    writeFileSync(a.out, "");
    for (let n = 0; n < count && Number.isFinite(count); n++) {
      const r = review(rng, n, start + n * Number(a["every-ms"]), invalid);
      appendFileSync(a.out, JSON.stringify({ topic: a.topic, key: r.key, value: r.value }) + "\n");
    }
    return;
  }
  if (!a.brokers) throw new Error("pass --brokers host:9092 (or KAFKA_BROKERS), or --out FILE.jsonl");
  const producer = createKafka({ brokers: a.brokers.split(",") }).producer();
  await producer.connect();
  const admin = createKafka({ brokers: a.brokers.split(",") }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: a.topic, numPartitions: 3 }] }).catch(() => false);
  await admin.disconnect();
  const gapMs = 1000 / Number(a.rate);
  let stop = false;
  process.once("SIGINT", () => (stop = true));
  for (let n = 0; n < count && !stop; n++) {
    const r = review(rng, n, Date.now(), invalid);
    await producer.send({ topic: a.topic, messages: [r] });
    await new Promise((res) => setTimeout(res, gapMs));
  }
  await producer.disconnect();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(`reviews: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
