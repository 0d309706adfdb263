import { describe, expect, it } from "vitest";
import { KafkaCheckpointStore } from "../../src/server/checkpoint/kafka-checkpoint-store";
import type { Epoch, SourceRecord } from "../../src/server/io/types";
import { createKafka } from "../../src/server/kafka/client";
import { TransactionalProducer, transactionalIdFor } from "../../src/server/kafka/transactional-producer";
import { ANOMALIES_TOPIC, KafkaSink, RESULTS_TOPIC, rowKey } from "../../src/server/sinks/kafka-sink";
import { readCommitted, readVisibleNow } from "../helpers/kafka-io";
import { testBrokers, uniqueName } from "../helpers/kafka";

const T0 = Date.UTC(2026, 0, 1, 10, 0, 0);

function setup(tag: string) {
  const kafka = createKafka({ brokers: testBrokers() });
  const group = uniqueName(tag);
  const results = uniqueName(`${tag}-results`);
  const anomalies = uniqueName(`${tag}-anomalies`);
  const orders = uniqueName(`${tag}-product-metrics`);
  const checkpoints = uniqueName(`${tag}-checkpoints`);
  const make = () => {
    const producer = new TransactionalProducer(kafka, { transactionalId: transactionalIdFor(group) });
    const sink = new KafkaSink({
      producer,
      resultsTopic: results,
      topics: { purchase_anomalies: [results, anomalies], orders_metrics: [orders] },
    });
    const store = new KafkaCheckpointStore({ producer, group, topic: checkpoints, commitOffsets: false });
    return { producer, sink, store };
  };
  return { kafka, group, results, anomalies, orders, checkpoints, make };
}

function input(topic: string, offset: number, value: string): SourceRecord {
  return { topic, partition: 1, offset, key: "u1", value: new TextEncoder().encode(value), readAt: 0 };
}

function epoch(id: number, productId: string, extra: Partial<Epoch> = {}): Epoch {
  return {
    id,
    rows: [{ metric: "page_views", window_start: T0, window_end: T0 + 60_000, product_id: productId, views: id }],
    dlq: [],
    late: [],
    ...extra,
  };
}

const checkpoint = (id: number) => ({ epoch: id, positions: {}, state: new Uint8Array([id]), sinks: {}, committedAt: Date.now() });

describe("Kafka sink", () => {
  it("routes rows per metric with SPEC JSON and keys, DLQ and late records with their headers, on commit only", async () => {
    const s = setup("sink");
    const { sink, store } = s.make();
    await sink.open();
    await store.load();
    const clicks = uniqueName("clickstream");
    const e: Epoch = {
      id: 1,
      rows: [
        { metric: "page_views", window_start: T0, window_end: T0 + 60_000, product_id: "prod-001", views: 3 },
        {
          metric: "purchase_anomalies", transaction_id: "tx-9", user_id: "u1", category: "books", amount: 99_950,
          mean: 2000, stddev: 500, z: 195.9, timestamp: T0 + 1234, // money in cents, as rows hold it
        },
        { metric: "orders_metrics", window_start: T0, window_end: T0 + 60_000, product_id: "prod-002", product_name: "Lamp", order_count: 2, total_revenue: 1999, avg_order_value: 9.995 },
      ],
      dlq: [{ record: input(clicks, 7, "{not json"), reason: "invalid JSON" }],
      late: [{ record: input(clicks, 8, '{"event_id":"e1"}'), reason: "window closed" }],
    };
    await sink.prepare(e);
    // Staged in the open transaction: not yet visible to read_committed.
    expect(await readVisibleNow(s.kafka, s.results)).toEqual([]);
    await store.commit(checkpoint(1));

    const rows = await readCommitted(s.kafka, s.results);
    expect(rows.map((r) => r.key).sort()).toEqual(["page_views|prod-001", "purchase_anomalies|tx-9"]);
    const pv = rows.find((r) => r.key === "page_views|prod-001")!;
    expect(JSON.parse(pv.value!)).toEqual({
      metric: "page_views", window_start: "2026-01-01T10:00:00.000Z", window_end: "2026-01-01T10:01:00.000Z", product_id: "prod-001", views: 3,
    });
    const anomalies = await readCommitted(s.kafka, s.anomalies);
    expect(anomalies.map((r) => JSON.parse(r.value!))).toEqual([
      { metric: "purchase_anomalies", transaction_id: "tx-9", user_id: "u1", category: "books", amount: 999.5, mean: 20, stddev: 5, z: 195.9, timestamp: "2026-01-01T10:00:01.234Z" },
    ]);
    const orders = await readCommitted(s.kafka, s.orders);
    expect(orders.map((r) => JSON.parse(r.value!).total_revenue)).toEqual([19.99]);

    const dlq = await readCommitted(s.kafka, `${clicks}.dlq`);
    expect(dlq).toHaveLength(1);
    expect(dlq[0].value).toBe("{not json");
    expect(dlq[0].key).toBe("u1");
    expect(dlq[0].headers).toEqual({ "eddy-error": "invalid JSON", "eddy-source-topic": clicks, "eddy-source-partition": "1", "eddy-source-offset": "7" });
    const late = await readCommitted(s.kafka, `${clicks}.late`);
    expect(late.map((r) => [r.value, r.headers["eddy-late-reason"], r.headers["eddy-source-offset"]])).toEqual([['{"event_id":"e1"}', "window closed", "8"]]);
    await sink.close();
    await store.close();
  });

  it("leaves nothing visible of an epoch whose runner died between prepare and commit", async () => {
    const s = setup("sink-abort");
    const first = s.make();
    await first.sink.open();
    await first.store.load();
    await first.sink.prepare(epoch(1, "committed"));
    await first.store.commit(checkpoint(1));
    await first.sink.prepare(epoch(2, "never-committed"));
    // The "crash": this runner never commits. Its successor opens the same transactional id,
    // which fences it and makes the broker abort the open transaction.
    const second = s.make();
    await second.sink.open();
    const cp = await second.store.load();
    expect(cp?.epoch).toBe(1);
    await second.sink.recover(cp);
    await second.sink.prepare(epoch(2, "redone"));
    await second.store.commit(checkpoint(2));
    // The fenced producer can no longer commit.
    await expect(first.store.commit(checkpoint(2))).rejects.toThrow();

    const rows = await readCommitted(s.kafka, s.results);
    expect(rows.map((r) => JSON.parse(r.value!).product_id).sort()).toEqual(["committed", "redone"]);
    await Promise.all([first.sink.close(), first.store.close(), second.sink.close(), second.store.close()]);
  });

  it("splits a large epoch into requests under the broker's batch limit", async () => {
    const s = setup("sink-large");
    const { sink, store } = s.make();
    await sink.open();
    await store.load();
    const rows = Array.from({ length: 12_000 }, (_, i) => ({ metric: "page_views", window_start: T0, window_end: T0 + 60_000, product_id: `prod-${i}-${"x".repeat(150)}`, views: i }));
    await sink.prepare({ id: 1, rows, dlq: [], late: [] });
    await store.commit(checkpoint(1));
    const back = await readCommitted(s.kafka, s.results);
    expect(back).toHaveLength(12_000);
    expect(new Set(back.map((r) => JSON.parse(r.value!).views)).size).toBe(12_000);
    await sink.close();
    await store.close();
  });

  it("defaults every metric to analytics-results and anomalies also to anomalies", () => {
    const producer = new TransactionalProducer(createKafka({ brokers: ["127.0.0.1:1"] }), { transactionalId: "unused" });
    const plain = new KafkaSink({ producer });
    expect(plain.topicsFor("page_views")).toEqual([RESULTS_TOPIC]);
    expect(plain.topicsFor("purchase_anomalies")).toEqual([RESULTS_TOPIC, ANOMALIES_TOPIC]);
    expect(rowKey({ metric: "sessions", user_id: "u7", session_start: 5 })).toBe("sessions|u7|5");
    expect(rowKey({ metric: "traffic", window_start: 0 })).toBe("traffic");
  });
});
