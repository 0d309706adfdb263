import { describe, expect, it } from "vitest";
import { KafkaCheckpointStore } from "../../src/server/checkpoint/kafka-checkpoint-store";
import type { Checkpoint } from "../../src/server/io/types";
import { createKafka } from "../../src/server/kafka/client";
import { TransactionalProducer, transactionalIdFor } from "../../src/server/kafka/transactional-producer";
import { createTopic } from "../helpers/kafka-io";
import { testBrokers, uniqueName } from "../helpers/kafka";

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function setup() {
  const kafka = createKafka({ brokers: testBrokers() });
  const group = uniqueName("cp-group");
  const topic = uniqueName("cp-topic");
  const make = (commitOffsets = true) => {
    const producer = new TransactionalProducer(kafka, { transactionalId: transactionalIdFor(group) });
    return new KafkaCheckpointStore({ producer, group, topic, commitOffsets });
  };
  return { kafka, group, topic, make };
}

describe("Kafka checkpoint store", () => {
  it("has no checkpoint for a new group, and restores a multi-MB one exactly (chunked)", async () => {
    const s = setup();
    const store = s.make(false);
    expect(await store.load()).toBeUndefined();
    const cp: Checkpoint = {
      epoch: 7,
      positions: { "clickstream:0": 120, "clickstream:1": 0 },
      state: bytes(2_600_000, 42),
      sinks: { files: { staged: ["a.jsonl"] } },
      committedAt: 1_700_000_000_000,
    };
    await store.commit(cp);
    await store.close();

    const again = s.make(false);
    const back = await again.load();
    expect(back?.epoch).toBe(7);
    expect(back?.positions).toEqual(cp.positions);
    expect(back?.sinks).toEqual(cp.sinks);
    expect(back?.committedAt).toBe(cp.committedAt);
    expect(back?.state.length).toBe(cp.state.length);
    expect(Buffer.from(back!.state).equals(Buffer.from(cp.state))).toBe(true);

    // A newer, smaller checkpoint wins; the leftover chunks of the bigger one are ignored.
    await again.commit({ ...cp, epoch: 8, state: bytes(10, 9) });
    await again.close();
    const third = s.make(false);
    const newest = await third.load();
    expect(newest?.epoch).toBe(8);
    expect([...newest!.state]).toEqual([...bytes(10, 9)]);
    await third.close();
  });

  it("keeps groups apart on one topic", async () => {
    const s = setup();
    const other = { ...setup(), topic: s.topic };
    const a = s.make(false);
    await a.load();
    await a.commit({ epoch: 1, positions: {}, state: new Uint8Array([1]), sinks: {}, committedAt: 1 });
    const b = other.make(false);
    await b.load();
    await b.commit({ epoch: 5, positions: {}, state: new Uint8Array([5, 5]), sinks: {}, committedAt: 5 });
    await Promise.all([a.close(), b.close()]);
    const [ra, rb] = [s.make(false), other.make(false)];
    expect((await ra.load())?.state).toEqual(new Uint8Array([1]));
    expect((await rb.load())?.state).toEqual(new Uint8Array([5, 5]));
    await Promise.all([ra.close(), rb.close()]);
  });

  it("commits the positions as the group's offsets in the same transaction, and not at all when aborted", async () => {
    const s = setup();
    const input = uniqueName("cp-input");
    await createTopic(s.kafka, input, 2);
    const producer = new TransactionalProducer(s.kafka, { transactionalId: transactionalIdFor(s.group) });
    const store = new KafkaCheckpointStore({ producer, group: s.group, topic: s.topic });
    await store.load();
    const admin = s.kafka.admin();
    await admin.connect();
    const offsets = async () => {
      const [t] = await admin.fetchOffsets({ groupId: s.group, topics: [input] });
      return Object.fromEntries(t.partitions.map((p) => [p.partition, Number(p.offset)]));
    };
    await store.commit({ epoch: 2, positions: { [`${input}:0`]: 3, [`${input}:1`]: 4 }, state: new Uint8Array([2]), sinks: {}, committedAt: 2 });
    const deadline = Date.now() + 10_000;
    while ((await offsets())[0] !== 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await offsets()).toEqual({ 0: 3, 1: 4 });

    // A crash mid-commit: the state records are in the open transaction, the commit never comes.
    await producer.sendOffsets(s.group, { [`${input}:0`]: 99, [`${input}:1`]: 99 });
    const successor = s.make();
    const cp = await successor.load(); // fences the first producer: the broker aborts its transaction
    expect(cp?.epoch).toBe(2);
    expect(await offsets()).toEqual({ 0: 3, 1: 4 });
    await admin.disconnect();
    await Promise.all([store.close(), successor.close()]);
  });
});
