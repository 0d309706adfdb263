/**
 * Reads a topic from its beginning to the end it had when the read began, with a read_committed
 * consumer: how the checkpoint store finds the newest checkpoint on a compacted topic.
 */
import type { Kafka, KafkaMessage } from "kafkajs";
import { within } from "./client";

/** Options of {@link readToEnd}. */
export interface ReadToEndOptions {
  /** Default 60 s; a transaction another runner left open delays the end by up to its timeout. */
  timeoutMs?: number;
  /** Consumer group of the read (default a fresh one; it commits nothing). */
  groupId?: string;
  /**
   * Offsets to read to, per partition, instead of the ones the admin reports at the start (the
   * last stable offsets); e.g. the log end offsets, to wait for every open transaction to end.
   */
  ends?: ReadonlyArray<{ partition: number; low: number | string; high: number | string }>;
}

/**
 * Calls `each` for every committed record of `topic` up to the high-water marks taken at the
 * start, then resolves. The end is reached per partition when the consumer's fetch position
 * passes the mark: control records (transaction markers) and aborted records count too, through
 * kafkajs's END_BATCH_PROCESS event, since they never reach `eachBatch`.
 */
export async function readToEnd(
  kafka: Kafka,
  topic: string,
  each: (message: KafkaMessage, partition: number) => void,
  options: ReadToEndOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  let offsets = options.ends;
  if (!offsets) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      offsets = await admin.fetchTopicOffsets(topic);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
  const target = new Map<number, number>();
  for (const o of offsets) if (Number(o.high) > Number(o.low)) target.set(o.partition, Number(o.high));
  if (target.size === 0) return;

  const consumer = kafka.consumer({
    groupId: options.groupId ?? `eddy-reader-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    readUncommitted: false,
    maxBytesPerPartition: 8 * 1024 * 1024,
  });
  let failure: Error | undefined;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => (done = resolve));
  const reached = (partition: number, next: number) => {
    const t = target.get(partition);
    if (t !== undefined && next >= t) target.delete(partition);
    if (target.size === 0) done();
  };
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => reached(payload.partition, Number(payload.lastOffset) + 1));
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) {
      failure = payload.error;
      done();
    }
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          if (target.has(batch.partition) && Number(m.offset) < target.get(batch.partition)!) each(m, batch.partition);
        }
      },
    });
    await within(finished, timeoutMs, () => new Error(`could not read ${topic} to its end within ${timeoutMs / 1000} s (partitions left: ${[...target.keys()].join(",")})`));
    if (failure) throw failure;
  } finally {
    await within(consumer.disconnect(), 10_000, () => new Error("disconnect timed out")).catch(() => {});
  }
}
