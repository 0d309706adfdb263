/**
 * Reads a time range of Kafka topics for a history replay (history.ts): per partition from the
 * first offset whose timestamp is at or after `sinceMs` (admin.fetchTopicOffsetsByTimestamp)
 * to the end offset taken now, with a consumer of its own (a fresh group that commits nothing,
 * named `eddy-gateway-…` so the topic browser leaves it out) seeking to those offsets.
 */
import type { Admin, Kafka } from "kafkajs";
import { within } from "../kafka/client";
import type { HistoryRequest } from "./history";
import type { InputMessage } from "./hub";

/** Longest a replay may take before it gives up (the live stream goes on). */
const REPLAY_TIMEOUT_MS = 30 * 60_000;
/** The first chunk waits at most this long for every partition's first batch. */
const FIRST_CHUNK_WAIT_MS = 2000;

/** Start and end offsets per `topic:partition` of the messages at or after `sinceMs`. */
export async function rangeOffsets(admin: Admin, topics: string[], sinceMs: number): Promise<{ starts: Map<string, number>; ends: Map<string, number> }> {
  const starts = new Map<string, number>();
  const ends = new Map<string, number>();
  for (const topic of topics) {
    const [byTime, offs] = await Promise.all([admin.fetchTopicOffsetsByTimestamp(topic, sinceMs), admin.fetchTopicOffsets(topic)]);
    const low = new Map(offs.map((o) => [o.partition, Number(o.low)]));
    for (const o of offs) ends.set(`${topic}:${o.partition}`, Number(o.high));
    for (const b of byTime) {
      const key = `${topic}:${b.partition}`;
      const end = ends.get(key) ?? 0;
      // -1: no message at or after the time, i.e. nothing to replay on this partition.
      const start = Number(b.offset) < 0 ? end : Math.max(Number(b.offset), low.get(b.partition) ?? 0);
      starts.set(key, Math.min(start, end));
    }
  }
  return { starts, ends };
}

/** See the module comment; resolves to the end offsets. */
export async function readKafkaHistory(kafka: Kafka, admin: Admin, req: HistoryRequest): Promise<Map<string, number>> {
  const { starts, ends } = await rangeOffsets(admin, req.topics, req.sinceMs);
  const pending = new Set<string>();
  let total = 0;
  for (const [key, start] of starts) {
    const end = ends.get(key)!;
    if (start < end) {
      pending.add(key);
      total += end - start;
    }
  }
  req.onTotal(total);
  if (pending.size === 0 || req.signal.aborted) return ends;

  const consumer = kafka.consumer({
    groupId: `eddy-gateway-replay-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: 250,
  });
  let failure: Error | undefined;
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const partitionOf = (key: string) => ({ topic: key.slice(0, key.lastIndexOf(":")), partition: Number(key.slice(key.lastIndexOf(":") + 1)) });
  const reached = (key: string) => {
    if (!pending.delete(key)) return;
    const { topic, partition } = partitionOf(key);
    consumer.pause([{ topic, partitions: [partition] }]);
    if (pending.size === 0) done();
  };
  // Control records (transaction markers) never reach eachBatch: the end is judged on batches.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const key = `${payload.topic}:${payload.partition}`;
    if (Number(payload.lastOffset) + 1 >= (ends.get(key) ?? 0)) reached(key);
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) {
      failure = payload.error;
      done();
    }
  });
  const onAbort = () => done();
  req.signal.addEventListener("abort", onAbort);

  // The first chunk gathers every pending partition's first batch (see history.ts).
  let held: InputMessage[] | null = [];
  const heard = new Set<string>();
  const firstDeadline = Date.now() + FIRST_CHUNK_WAIT_MS;
  let delivering = Promise.resolve();
  const deliver = (msgs: InputMessage[], key: string): Promise<void> => {
    if (held) {
      held.push(...msgs);
      heard.add(key);
      const all = [...starts].every(([k, s]) => s >= ends.get(k)! || heard.has(k));
      if (!all && Date.now() < firstDeadline) return Promise.resolve();
      const chunk = held;
      held = null;
      return req.deliver(chunk);
    }
    return req.deliver(msgs);
  };
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: req.topics, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const key = `${batch.topic}:${batch.partition}`;
        const start = starts.get(key) ?? 0;
        const end = ends.get(key) ?? 0;
        const msgs: InputMessage[] = [];
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset < start || offset >= end || !m.value) continue;
          msgs.push({ topic: batch.topic, partition: batch.partition, offset, value: m.value, timestamp: Number(m.timestamp) });
        }
        if (msgs.length === 0 || req.signal.aborted) return;
        delivering = delivering.then(() => deliver(msgs, key));
        await delivering;
        await heartbeat();
      },
    });
    for (const key of pending) consumer.seek({ ...partitionOf(key), offset: String(starts.get(key)) });
    const idle = [...starts.keys()].filter((k) => !pending.has(k));
    for (const key of idle) consumer.pause([{ topic: partitionOf(key).topic, partitions: [partitionOf(key).partition] }]);
    await within(finished, REPLAY_TIMEOUT_MS, () => new Error(`the replay did not reach the end offsets within ${REPLAY_TIMEOUT_MS / 60_000} min`));
    if (failure) throw failure;
    if (req.signal.aborted) throw new Error("client left");
    if (held && held.length) await req.deliver(held);
    return ends;
  } finally {
    req.signal.removeEventListener("abort", onAbort);
    await consumer.disconnect().catch(() => {});
  }
}
