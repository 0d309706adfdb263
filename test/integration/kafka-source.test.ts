import { describe, expect, it } from "vitest";
import { freePort } from "../../scripts/kafka-broker";
import type { SourceRecord } from "../../src/server/io/types";
import { createKafka, waitForBroker } from "../../src/server/kafka/client";
import { KafkaSource, type KafkaSourceOptions } from "../../src/server/sources/kafka-source";
import { createTopic, produce, waitForStable } from "../helpers/kafka-io";
import { testBrokers, uniqueName } from "../helpers/kafka";
import { waitFor } from "../helpers/wait-for";

const kafka = () => createKafka({ brokers: testBrokers() });

function source(o: Partial<KafkaSourceOptions> & { topics: string[] }): KafkaSource {
  return new KafkaSource({ kafka: kafka(), brokers: testBrokers(), group: uniqueName("src-group"), sessionTimeoutMs: 6000, ...o });
}

/** Polls until `n` records came (or null), at most `timeoutMs`. */
async function drain(s: KafkaSource, n = Infinity, timeoutMs = 30_000): Promise<{ records: SourceRecord[]; ended: boolean }> {
  const records: SourceRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < n && Date.now() < deadline) {
    const got = await s.poll(200, Math.min(97, n - records.length));
    if (got === null) return { records, ended: true };
    records.push(...got);
  }
  return { records, ended: false };
}

const ids = (rs: SourceRecord[]) => rs.map((r) => `${r.partition}/${r.offset}`).sort();
const text = (r: SourceRecord) => new TextDecoder().decode(r.value as Uint8Array);

describe("Kafka source", () => {
  it("reads every partition once in offset order and, with --until-end, ends at the start's end", async () => {
    const topic = uniqueName("src-all");
    await produce(kafka(), topic, Array.from({ length: 900 }, (_, i) => `v${i}`));
    const s = source({ topics: [topic], untilEnd: true });
    expect(s.bounded).toBe(true);
    await s.start();
    const { records, ended } = await drain(s);
    expect(ended).toBe(true);
    expect(records).toHaveLength(900);
    expect(new Set(records.map(text)).size).toBe(900);
    for (const p of [0, 1, 2]) {
      const offsets = records.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual(Array.from({ length: 300 }, (_, i) => i));
    }
    expect(records.every((r) => r.topic === topic && r.key !== null && r.readAt > 0)).toBe(true);
    expect(s.positions()).toEqual({ [`${topic}:0`]: 300, [`${topic}:1`]: 300, [`${topic}:2`]: 300 });
    expect(await s.poll(10, 10)).toBeNull();
    await s.close();
  });

  it("resumes at checkpointed positions, and reads partitions absent from the checkpoint from the earliest offset", async () => {
    const topic = uniqueName("src-resume");
    await produce(kafka(), topic, Array.from({ length: 600 }, (_, i) => `v${i}`));
    const group = uniqueName("src-group");
    const first = source({ topics: [topic], group });
    await first.start();
    const { records: head } = await drain(first, 250);
    const positions = first.positions();
    await first.close();
    // Positions sit just after the last returned record of each partition.
    for (const p of [0, 1, 2]) {
      const mine = head.filter((r) => r.partition === p);
      expect(positions[`${topic}:${p}`]).toBe(mine.length ? mine.at(-1)!.offset + 1 : 0);
    }
    const { [`${topic}:2`]: _dropped, ...checkpoint } = positions;

    const second = source({ topics: [topic], group, untilEnd: true });
    await second.start(checkpoint);
    const { records: tail, ended } = await drain(second);
    expect(ended).toBe(true);
    const expected = [0, 1, 2].flatMap((p) => {
      const from = checkpoint[`${topic}:${p}`] ?? 0;
      return Array.from({ length: 200 - from }, (_, i) => `${p}/${from + i}`);
    });
    expect(ids(tail)).toEqual(expected.sort());
    await second.close();
  });

  it("skips aborted transactions and ends after commit markers", async () => {
    const topic = uniqueName("src-tx");
    const k = kafka();
    await createTopic(k, topic, 1);
    const producer = k.producer({ transactionalId: uniqueName("src-tx-producer"), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const batch = async (values: string[], commit: boolean) => {
      const tx = await producer.transaction();
      await tx.send({ topic, messages: values.map((value) => ({ value })) });
      await (commit ? tx.commit() : tx.abort());
    };
    await batch(["a1", "a2", "a3"], true);
    await batch(["x1", "x2"], false);
    await batch(["b1", "b2"], true);
    await producer.disconnect();
    // Markers land a moment after commit returns: the source's end is taken once they are in.
    await waitForStable(k, topic);
    const s = source({ topics: [topic], untilEnd: true });
    await s.start();
    const { records, ended } = await drain(s, Infinity, 20_000);
    expect(ended).toBe(true);
    expect(records.map(text)).toEqual(["a1", "a2", "a3", "b1", "b2"]);
    // 3 + 2 + 2 records and 3 markers: the position is past the last marker.
    expect(s.positions()).toEqual({ [`${topic}:0`]: 10 });
    await s.close();
  });

  it("pauses at the queue bound and resumes as the runner polls, losing nothing", async () => {
    const topic = uniqueName("src-pause");
    await produce(kafka(), topic, Array.from({ length: 3000 }, (_, i) => `${i}`.padEnd(200, ".")));
    const s = source({ topics: [topic], untilEnd: true, maxQueued: 100 });
    await s.start();
    const records: SourceRecord[] = [];
    for (;;) {
      const got = await s.poll(200, 40);
      if (got === null) break;
      records.push(...got);
      await new Promise((r) => setTimeout(r, 1));
    }
    expect(records).toHaveLength(3000);
    expect(new Set(ids(records)).size).toBe(3000);
    await s.close();
  });

  it("reports lag from the end offsets, refreshed in the background", async () => {
    const topic = uniqueName("src-lag");
    await produce(kafka(), topic, Array.from({ length: 90 }, (_, i) => `v${i}`));
    const s = source({ topics: [topic], lagRefreshMs: 200 });
    await s.start();
    expect(Object.values(s.lag()).reduce((a, b) => a + b, 0)).toBe(90);
    await drain(s, 90);
    expect(Object.values(s.lag()).reduce((a, b) => a + b, 0)).toBe(0);
    await produce(kafka(), topic, Array.from({ length: 30 }, (_, i) => `w${i}`));
    // No poll in between: only the background refresh can raise the lag to the new records.
    await waitFor(() => Object.values(s.lag()).reduce((a, b) => a + b, 0) === 30, "the lag to show the 30 new records");
    expect(Object.values(s.lag()).reduce((a, b) => a + b, 0)).toBe(30);
    await s.close();
  });

  it("fails with a clear error naming its deadline when no broker is there", async () => {
    const port = await freePort();
    const brokers = [`127.0.0.1:${port}`];
    // It retries until its deadline (a hang would fail on the test timeout), then says so.
    const t0 = Date.now();
    await expect(waitForBroker(brokers)).rejects.toThrow(
      new RegExp(`cannot reach Kafka at 127\\.0\\.0\\.1:${port} within 10 s: connection refused .+\\. Start a local broker with \`npm run kafka:start -- --port ${port}\`, or point eddy at yours with --brokers host:port or KAFKA_BROKERS\\.`),
    );
    expect(Date.now() - t0).toBeGreaterThanOrEqual(10_000);
    const s = new KafkaSource({ kafka: createKafka({ brokers }), brokers, group: "g", topics: ["t"], connectTimeoutMs: 2000 });
    await expect(s.start()).rejects.toThrow(/cannot reach Kafka at .* within 2 s/);
    await s.close();
  });
});
