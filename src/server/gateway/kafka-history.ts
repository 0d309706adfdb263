/**
 * Reads a time range of Kafka topics for a history replay (history.ts): per partition from the
 * first offset whose timestamp is at or after `sinceMs` (admin.fetchTopicOffsetsByTimestamp)
 * to the end offset it has when the read starts. It reads with the headless runner's own Kafka
 * source, bounded like `eddy run --until-end`: partitions merged by Kafka timestamp and aligned
 * (kafka-fetch-queue.ts), so the console meets the events in the order the runner does and
 * agrees with it on what is late. Its consumer group (`eddy-gateway-replay-…`) commits nothing
 * and is left out of the topic browser.
 */
import type { Admin, Kafka } from "kafkajs";
import { KafkaSource } from "../sources/kafka-source";
import type { HistoryRequest } from "./history";
import type { InputMessage } from "./hub";

/** Records per chunk handed to the client. */
const CHUNK = 8192;

/** Start offsets per `topic:partition` of the messages at or after `sinceMs`, and the number of messages from there to the end. */
export async function rangeStarts(admin: Admin, topics: string[], sinceMs: number): Promise<{ starts: Record<string, number>; total: number }> {
  const starts: Record<string, number> = {};
  let total = 0;
  for (const topic of topics) {
    const [byTime, offs] = await Promise.all([admin.fetchTopicOffsetsByTimestamp(topic, sinceMs), admin.fetchTopicOffsets(topic)]);
    const at = new Map(byTime.map((b) => [b.partition, Number(b.offset)]));
    for (const o of offs) {
      const low = Number(o.low);
      const high = Number(o.high);
      const t = at.get(o.partition) ?? -1;
      // -1: no message at or after the time, i.e. nothing to replay on this partition.
      const start = t < 0 ? high : Math.min(high, Math.max(low, t));
      starts[`${topic}:${o.partition}`] = start;
      total += high - start;
    }
  }
  return { starts, total };
}

/** See the module comment; resolves to the end offsets reached. */
export async function readKafkaHistory(kafka: Kafka, brokers: string[], admin: Admin, req: HistoryRequest): Promise<Map<string, number>> {
  const { starts, total } = await rangeStarts(admin, req.topics, req.sinceMs);
  req.onTotal(total);
  const source = new KafkaSource({
    kafka,
    brokers,
    group: `eddy-gateway-replay-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`,
    topics: req.topics,
    untilEnd: true,
    createPartitions: 0,
  });
  try {
    await source.start(starts);
    for (;;) {
      if (req.signal.aborted) throw new Error("client left");
      const recs = await source.poll(250, CHUNK);
      if (recs === null) break;
      const msgs: InputMessage[] = [];
      for (const r of recs) if (r.value !== null) msgs.push({ topic: r.topic, partition: r.partition, offset: r.offset, value: r.value, timestamp: r.timestamp ?? r.readAt });
      if (msgs.length) await req.deliver(msgs);
    }
    return new Map(Object.entries({ ...starts, ...source.positions() }));
  } finally {
    await source.close();
  }
}
