/**
 * The input task's sink: rows final in the task go out, merged metrics' rows go on as partials,
 * then the task's watermark marker to every partition; an idle epoch also sends the open
 * windows as provisional partials and marks its groups idle.
 */
import type { Message } from "kafkajs";
import { describe, expect, it } from "vitest";
import { placementOf } from "../../src/core/merge/placement";
import { MetricRegistry } from "../../src/core/metrics/registry";
import type { Epoch } from "../../src/server/io/types";
import type { TransactionalProducer } from "../../src/server/kafka/transactional-producer";
import { decodeRepartition } from "../../src/server/parallel/repartition";
import { TaskOutputSink } from "../../src/server/parallel/task-output-sink";
import type { KafkaSink } from "../../src/server/sinks/kafka-sink";

function sink() {
  const sent: Array<{ topic: string; messages: Message[] }> = [];
  const out: Epoch[] = [];
  const registry = MetricRegistry.builtin();
  const s = new TaskOutputSink({
    task: 2,
    inner: { prepare: async (e: Epoch) => (out.push(e), {}) } as unknown as KafkaSink,
    producer: { send: async (topic: string, messages: Message[]) => void sent.push({ topic, messages }) } as unknown as TransactionalProducer,
    registry,
    placement: (m) => placementOf(registry.get(m)),
    partialsTopic: "P",
    byCategoryTopic: "C",
    partitions: 3,
  });
  return { s, sent, out };
}

const pv = { metric: "page_views", window_start: 0, window_end: 60_000, product_id: "p1", views: 2 };
const session = { metric: "sessions", window_start: 0, window_end: 1, user_id: "u", session_start: 0, session_end: 1, duration_ms: 0, events: 1, views: 1, purchases: 0, revenue: 0 };

describe("TaskOutputSink", () => {
  it("splits rows by placement and sends the marker last, to every partition", async () => {
    const { s, sent, out } = sink();
    await s.prepare({ id: 1, rows: [pv, session], dlq: [], late: [], forwards: [{ topic: "C", key: "books", value: "{}" }], watermarks: { main: 5, orders: -Infinity } });
    expect(out[0].rows).toEqual([session]);
    expect(sent.map((x) => x.topic)).toEqual(["P", "C", "P", "C"]);
    expect(decodeRepartition(sent[0].messages[0].value as string)).toEqual({ kind: "partials", task: 2, rows: [pv], provisional: false });
    expect(decodeRepartition(sent[1].messages[0].value as string)).toEqual({ kind: "txs", task: 2, raws: ["{}"] });
    const markers = sent[2].messages;
    expect(markers.map((m) => m.partition)).toEqual([0, 1, 2]);
    expect(decodeRepartition(markers[0].value as string)).toEqual({ kind: "watermark", marker: { task: 2, watermarks: { main: 5, orders: -Infinity }, idle: [] } });
  });

  it("an idle epoch sends its open windows as provisional partials and marks its groups idle", async () => {
    const { s, sent } = sink();
    await s.prepare({ id: 1, rows: [], dlq: [], late: [], watermarks: { main: 5 }, idle: { rows: [pv, session] } });
    const partials = sent.filter((x) => x.topic === "P").flatMap((x) => x.messages.map((m) => decodeRepartition(m.value as string)));
    expect(partials[0]).toEqual({ kind: "partials", task: 2, rows: [pv], provisional: true });
    expect(partials.filter((p) => p.kind === "partials")).toHaveLength(1);
    expect(partials.at(-1)).toEqual({ kind: "watermark", marker: { task: 2, watermarks: { main: 5 }, idle: ["main"] } });
  });
});
