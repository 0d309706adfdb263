/**
 * Input and read-back helpers for the Kafka tests: create a topic and fill it, read every
 * committed record of topics up to their end (no waiting for a count, so "nothing else is
 * there" is checked exactly), and assert a read holds every expected value exactly once.
 */
import type { IHeaders, Kafka, KafkaMessage } from "kafkajs";
import { expect } from "vitest";
import { readToEnd } from "../../src/server/kafka/read-to-end";
import { ensureTopics } from "../../src/server/kafka/topics";
import { logEndOffsets } from "./log-end-offsets";
import { waitFor } from "./wait-for";

/** One record as read back. */
export interface ReadRecord {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

function headersOf(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) if (v !== undefined) out[k] = (Array.isArray(v) ? v[0] : v).toString();
  return out;
}

/** Creates `topic` with `partitions` partitions (if missing). */
export async function createTopic(kafka: Kafka, topic: string, partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [{ topic, numPartitions: partitions }]);
  } finally {
    await admin.disconnect();
  }
}

/** Writes `values` to `topic`, record i to partition i % partitions, and returns when acknowledged. */
export async function produce(kafka: Kafka, topic: string, values: string[], partitions = 3): Promise<void> {
  await createTopic(kafka, topic, partitions);
  // Idempotent: a retried send right after topic creation must not write records twice.
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < values.length; i += 500) {
      const messages = values.slice(i, i + 500).map((value, j) => ({ key: `k${i + j}`, value, partition: (i + j) % partitions }));
      await producer.send({ topic, messages, acks: -1 });
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * Every committed record of `topics`, read from the beginning with a read_committed consumer until
 * its position reaches each partition's log end offset, taken first (log-end-offsets.ts). It
 * waits for every transaction on those partitions to end (commit markers land a moment after the
 * commit returns) and waits for no count: whatever is in the topics, duplicates included, comes
 * back, so "exactly once" can be asserted (see {@link expectExactlyOnce}). Transaction markers
 * and aborted records occupy offsets but never reach the result. In topic, partition, offset order.
 */
export async function readCommitted(kafka: Kafka, topics: string | string[], opts: { timeoutMs?: number } = {}): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  for (const topic of typeof topics === "string" ? [topics] : topics) {
    const ends = await logEndOffsets(kafka, topic);
    const mine: ReadRecord[] = [];
    await readToEnd(kafka, topic, (m, partition) => mine.push(toRecord(topic, partition, m)), { ends, timeoutMs: opts.timeoutMs });
    out.push(...mine.sort((a, b) => a.partition - b.partition || a.offset - b.offset));
  }
  return out;
}

/** One record as read back, key and value as the exact bytes stored. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** {@link readCommitted} with keys and values as bytes, for byte-for-byte comparisons. */
export async function readCommittedRaw(kafka: Kafka, topics: string | string[], opts: { timeoutMs?: number } = {}): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for (const topic of typeof topics === "string" ? [topics] : topics) {
    const ends = await logEndOffsets(kafka, topic);
    const mine: RawRecord[] = [];
    await readToEnd(
      kafka,
      topic,
      (m, partition) => mine.push({ topic, partition, offset: Number(m.offset), key: m.key ?? null, value: m.value ?? null, headers: headersOf(m.headers) }),
      { ends, timeoutMs: opts.timeoutMs },
    );
    out.push(...mine.sort((a, b) => a.partition - b.partition || a.offset - b.offset));
  }
  return out;
}

/**
 * The committed records of `topic` visible now: read to the last stable offsets, so the records
 * of a transaction still open are neither waited for nor seen.
 */
export async function readVisibleNow(kafka: Kafka, topic: string): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  await readToEnd(kafka, topic, (m, partition) => out.push(toRecord(topic, partition, m)));
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}

function toRecord(topic: string, partition: number, m: KafkaMessage): ReadRecord {
  return { topic, partition, offset: Number(m.offset), key: m.key?.toString() ?? null, value: m.value?.toString() ?? null, headers: headersOf(m.headers) };
}

/**
 * Waits until no transaction is open on `topic`: every partition's last stable offset (what
 * read_committed readers see) has reached its log end, i.e. the commit or abort markers landed.
 */
export async function waitForStable(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(async () => {
      const stable = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
      return (await logEndOffsets(kafka, topic)).every((p) => stable.get(p.partition) === p.high);
    }, `every transaction on ${topic} to end`);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Asserts that `got` holds every value of `want` exactly once (as many times as `want` has it):
 * names the duplicated or unexpected values and the missing ones, then compares the sorted lists.
 */
export function expectExactlyOnce(got: readonly string[], want: readonly string[], what = "records"): void {
  const left = new Map<string, number>();
  for (const w of want) left.set(w, (left.get(w) ?? 0) + 1);
  const extra: string[] = [];
  for (const g of got) {
    const n = left.get(g) ?? 0;
    if (n === 0) extra.push(g);
    else left.set(g, n - 1);
  }
  const missing = [...left].flatMap(([v, n]) => Array<string>(n).fill(v));
  const sample = (xs: string[]) => xs.slice(0, 5).map((x) => x.slice(0, 200));
  expect(
    { duplicatedOrUnexpected: extra.length, missing: missing.length },
    `${what}: ${got.length} read, ${want.length} expected; duplicated or unexpected e.g. ${JSON.stringify(sample(extra))}; missing e.g. ${JSON.stringify(sample(missing))}`,
  ).toEqual({ duplicatedOrUnexpected: 0, missing: 0 });
  expect([...got].sort()).toEqual([...want].sort());
}
