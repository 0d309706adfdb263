/**
 * Produces generator records to Kafka at a steady rate (paced by elapsed time, batches every
 * 50 ms), so that the console's throughput and latency can be measured against a known input.
 */
import type { Producer } from "kafkajs";
import type { EventSource } from "../../../src/server/generator";

/** Topic names by kind. */
export interface KindTopics {
  clickstream: string;
  transactions: string;
  orders: string;
}

/** Produces `rate` records per second from `src` for `durationMs`; resolves to the count sent. */
export async function produceAtRate(producer: Producer, topics: KindTopics, src: EventSource, rate: number, durationMs: number): Promise<number> {
  const t0 = Date.now();
  let sent = 0;
  for (;;) {
    const elapsed = Date.now() - t0;
    if (elapsed >= durationMs) break;
    // At most 1000 records per request: a record batch must stay under the broker's 1 MB limit.
    const due = Math.min(1000, Math.floor((elapsed / 1000) * rate) - sent);
    if (due > 0) {
      const byTopic = new Map<string, { key: string; value: string }[]>();
      for (let i = 0; i < due; i++) {
        const r = src.next();
        const topic = topics[r.kind];
        let list = byTopic.get(topic);
        if (!list) byTopic.set(topic, (list = []));
        list.push({ key: r.key, value: r.text });
      }
      await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      sent += due;
    }
    if (Math.floor(((Date.now() - t0) / 1000) * rate) - sent < 1000) await new Promise((r) => setTimeout(r, 50));
  }
  return sent;
}
