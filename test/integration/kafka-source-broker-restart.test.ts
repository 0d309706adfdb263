import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SourceRecord } from "../../src/server/io/types";
import { createKafka } from "../../src/server/kafka/client";
import { KafkaSource } from "../../src/server/sources/kafka-source";
import { produce } from "../helpers/kafka-io";
import { startRestartableBroker, type RestartableBroker } from "../helpers/restartable-broker";
import { uniqueName } from "../helpers/kafka";

let broker: RestartableBroker;
beforeAll(async () => {
  broker = await startRestartableBroker();
});
afterAll(async () => {
  await broker?.destroy();
});

describe("Kafka source across a broker restart", () => {
  it("reconnects by itself and returns every record once, with no re-read from the group's (uncommitted) offsets", async () => {
    const kafka = createKafka({ brokers: broker.brokers });
    const topic = uniqueName("restart-src");
    await produce(kafka, topic, Array.from({ length: 600 }, (_, i) => `a${i}`));
    const source = new KafkaSource({ kafka, brokers: broker.brokers, group: uniqueName("restart-group"), topics: [topic], sessionTimeoutMs: 6000 });
    await source.start();
    const records: SourceRecord[] = [];
    const pollUntil = async (n: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (records.length < n && Date.now() < deadline) records.push(...((await source.poll(200, 50)) ?? []));
    };
    await pollUntil(300, 20_000);
    expect(records.length).toBeGreaterThanOrEqual(300);

    await broker.stop();
    // While the broker is down the source keeps answering (what is queued, then []), never hangs.
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) records.push(...((await source.poll(100, 50)) ?? []));
    expect(Date.now() - t0).toBeLessThan(5_000);
    await broker.start();

    await produce(kafka, topic, Array.from({ length: 300 }, (_, i) => `b${i}`));
    await pollUntil(900, 45_000);
    const ids = records.map((r) => `${r.partition}/${r.offset}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(records).toHaveLength(900);
    const values = new Set(records.map((r) => new TextDecoder().decode(r.value as Uint8Array)));
    expect(values.size).toBe(900);
    expect(source.positions()).toEqual({ [`${topic}:0`]: 300, [`${topic}:1`]: 300, [`${topic}:2`]: 300 });
    await source.close();
  });
});
