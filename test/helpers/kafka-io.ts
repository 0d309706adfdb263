/**
 * Input and read-back helpers for the Kafka source/sink/checkpoint tests: create a topic and
 * fill it, and read every committed record of a topic up to its current end (no waiting for a
 * count, so "nothing else is visible" is checked exactly).
 */
import type { IHeaders, Kafka } from "kafkajs";
import { readToEnd } from "../../src/server/kafka/read-to-end";
import { ensureTopics } from "../../src/server/kafka/topics";

/** One record as read back. */
export interface ReadRecord {
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
 * Every committed record of `topic` up to its current end, in partition then offset order.
 * A commit's markers reach the partitions a moment after the commit returns, so with `atLeast`
 * it reads again (for up to 15 s) until that many records are visible.
 */
export async function readCommitted(kafka: Kafka, topic: string, atLeast = 0): Promise<ReadRecord[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const got = await readOnce(kafka, topic);
    if (got.length >= atLeast || Date.now() > deadline) return got;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function readOnce(kafka: Kafka, topic: string): Promise<ReadRecord[]> {
  const out: ReadRecord[] = [];
  await readToEnd(kafka, topic, (m, partition) =>
    out.push({
      partition,
      offset: Number(m.offset),
      key: m.key?.toString() ?? null,
      value: m.value?.toString() ?? null,
      headers: headersOf(m.headers),
    }),
  );
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
