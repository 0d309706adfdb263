import { describe, expect, it } from "vitest";
import type { SourceRecord } from "../../src/server/io/types";
import { resolveBrokers } from "../../src/server/kafka/client";
import { offsetsOf } from "../../src/server/kafka/transactional-producer";
import { FetchQueue } from "../../src/server/sources/kafka-fetch-queue";

const rec = (partition: number, offset: number): SourceRecord => ({ topic: "t", partition, offset, key: null, value: null, readAt: 0 });
const range = (p: number, from: number, to: number) => Array.from({ length: to - from }, (_, i) => rec(p, from + i));

describe("FetchQueue", () => {
  it("returns records in arrival order and advances positions past control records", () => {
    const q = new FetchQueue();
    q.setStart("t:0", 0);
    q.setStart("t:1", 5);
    q.push("t:0", range(0, 0, 3), 4); // offset 3 is a commit marker
    q.push("t:1", range(1, 5, 7), 7);
    expect(q.take(2).map((r) => r.offset)).toEqual([0, 1]);
    expect(q.positions()).toEqual({ "t:0": 2, "t:1": 5 });
    expect(q.take(10).map((r) => `${r.partition}/${r.offset}`)).toEqual(["0/2", "1/5", "1/6"]);
    expect(q.positions()).toEqual({ "t:0": 4, "t:1": 7 });
    q.push("t:0", [], 6); // a batch of only aborted records and a marker
    expect(q.empty).toBe(false);
    expect(q.take(10)).toEqual([]);
    expect(q.positions()["t:0"]).toBe(6);
    expect(q.size).toBe(0);
  });

  it("drops re-delivered offsets (kafkajs restarting from older committed offsets)", () => {
    const q = new FetchQueue();
    q.setStart("t:0", 10);
    q.push("t:0", range(0, 0, 15), 15);
    q.push("t:0", range(0, 0, 12), 12); // whole batch already seen
    q.push("t:0", range(0, 13, 17), 17);
    expect(q.take(100).map((r) => r.offset)).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect(q.positions()).toEqual({ "t:0": 17 });
  });

  it("wakes a waiting poll on push", async () => {
    const q = new FetchQueue();
    const t0 = Date.now();
    setTimeout(() => q.push("t:0", [rec(0, 0)], 1), 20);
    await q.wait(5000);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(q.size).toBe(1);
  });
});

describe("Kafka helpers", () => {
  it("resolves brokers from the flag, then KAFKA_BROKERS, then the local default", () => {
    expect(resolveBrokers("a:1, b:2", { KAFKA_BROKERS: "c:3" })).toEqual(["a:1", "b:2"]);
    expect(resolveBrokers(undefined, { KAFKA_BROKERS: "c:3,d:4" })).toEqual(["c:3", "d:4"]);
    expect(resolveBrokers(undefined, {})).toEqual(["127.0.0.1:9092"]);
  });

  it("turns positions into sendOffsets' shape, topic names with colons included", () => {
    expect(offsetsOf({ "a:0": 5, "a:1": 7, "x:y:2": 1 })).toEqual([
      { topic: "a", partitions: [{ partition: 0, offset: "5" }, { partition: 1, offset: "7" }] },
      { topic: "x:y", partitions: [{ partition: 2, offset: "1" }] },
    ]);
    expect(() => offsetsOf({ "data/file.jsonl": 3 })).toThrow(/not a Kafka topic:partition/);
  });
});
