// Before kafkajs: its read_committed filter lets aborted records through (see read-committed.ts).
import "../../src/server/kafka/read-committed";
import net from "node:net";
import { Kafka, logLevel, type ISocketFactory } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SourceRecord } from "../../src/server/io/types";
import { createKafka } from "../../src/server/kafka/client";
import { KafkaSource } from "../../src/server/sources/kafka-source";
import { produce } from "../helpers/kafka-io";
import { startRestartableBroker, type RestartableBroker } from "../helpers/restartable-broker";
import { uniqueName } from "../helpers/kafka";

let broker: RestartableBroker;

/** Kafka API keys of FindCoordinator and Heartbeat requests. */
const FIND_COORDINATOR = 10;
const HEARTBEAT = 12;

/**
 * kafkajs sockets that can drop the connection at each FindCoordinator and Heartbeat request, as
 * a broker whose group coordinator is away does: heartbeats fail until kafkajs restarts its
 * consumer, whose rejoin then fails the coordinator lookup with "Failed to find group
 * coordinator", which kafkajs calls non-retriable.
 */
function faultySockets(): { socketFactory: ISocketFactory; refuse: { coordinator: boolean; count: number } } {
  const refuse = { coordinator: false, count: 0 };
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    // kafkajs writes each request whole: int32 size, then the header's int16 api key.
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      const api = Buffer.isBuffer(chunk) && chunk.length >= 6 ? chunk.readInt16BE(4) : -1;
      if (refuse.coordinator && (api === FIND_COORDINATOR || api === HEARTBEAT)) {
        if (api === FIND_COORDINATOR) refuse.count++;
        socket.destroy(Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" }));
        return false;
      }
      return write(chunk, ...rest);
    }) as typeof socket.write;
    return socket;
  };
  return { socketFactory, refuse };
}
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
    // While the broker is down the source keeps answering (what is queued, then []): the broker
    // comes back only after these polls, so a poll that waited for it would never return.
    for (let i = 0; i < 5; i++) records.push(...((await source.poll(100, 50)) ?? []));
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

  it("reconnects when kafkajs cannot find the group coordinator (non-retriable to kafkajs), and returns every record once", async () => {
    const faults = faultySockets();
    const kafka = new Kafka({ clientId: "eddy-test", brokers: broker.brokers, socketFactory: faults.socketFactory, logLevel: logLevel.NOTHING });
    const topic = uniqueName("lookup-src");
    await produce(createKafka({ brokers: broker.brokers }), topic, Array.from({ length: 600 }, (_, i) => `a${i}`));
    const warnings: string[] = [];
    const source = new KafkaSource({
      kafka, brokers: broker.brokers, group: uniqueName("lookup-group"), topics: [topic], sessionTimeoutMs: 6000,
      log: (level, message) => void (level === "warn" && warnings.push(message)),
    });
    await source.start();
    const records: SourceRecord[] = [];
    const pollUntil = async (done: () => boolean, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (!done() && Date.now() < deadline) records.push(...((await source.poll(200, 50)) ?? []));
    };
    await pollUntil(() => records.length >= 300, 20_000);
    expect(records.length).toBeGreaterThanOrEqual(300);

    // The coordinator goes away: kafkajs gives up on the consumer after its heartbeat retries.
    faults.refuse.coordinator = true;
    const reported = () => warnings.some((w) => /cannot reach its group coordinator/.test(w));
    await pollUntil(() => faults.refuse.count >= 2 && reported(), 60_000);
    expect(faults.refuse.count).toBeGreaterThanOrEqual(2);
    expect(warnings.find((w) => /cannot reach its group coordinator/.test(w))).toMatch(/cannot reach its group coordinator \(.*Failed to find group coordinator.*\); reconnecting/);
    faults.refuse.coordinator = false;

    await produce(createKafka({ brokers: broker.brokers }), topic, Array.from({ length: 300 }, (_, i) => `b${i}`));
    await pollUntil(() => records.length >= 900, 45_000);
    const ids = records.map((r) => `${r.partition}/${r.offset}`);
    expect(new Set(ids).size).toBe(ids.length);
    expect(records).toHaveLength(900);
    expect(source.positions()).toEqual({ [`${topic}:0`]: 300, [`${topic}:1`]: 300, [`${topic}:2`]: 300 });
    await source.close();
  });

  it("reports a broker that stays down: poll fails with a clear error after the deadline instead of hanging", async () => {
    const kafka = createKafka({ brokers: broker.brokers });
    const topic = uniqueName("down-src");
    await produce(kafka, topic, ["a", "b", "c"]);
    const source = new KafkaSource({
      kafka, brokers: broker.brokers, group: uniqueName("down-group"), topics: [topic], sessionTimeoutMs: 6000,
      brokerDownTimeoutMs: 4000,
    });
    await source.start();
    let got = 0;
    while (got < 3) got += ((await source.poll(200, 10)) ?? []).length;
    await broker.stop();
    const t0 = Date.now();
    let error: Error | undefined;
    while (!error && Date.now() - t0 < 40_000) {
      try {
        await source.poll(200, 10);
      } catch (err) {
        error = err as Error;
      }
    }
    expect(error?.message).toMatch(new RegExp(`lost Kafka at ${broker.brokers[0].replace(/\./g, "\\.")} for \\d+ s`));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(3000);
    await source.close();
  });
});
