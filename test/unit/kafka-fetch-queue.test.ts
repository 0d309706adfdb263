import { describe, expect, it, vi } from "vitest";
import type { SourceRecord } from "../../src/server/io/types";
import { resolveBrokers } from "../../src/server/kafka/client";
import { offsetsOf } from "../../src/server/kafka/transactional-producer";
import { FetchQueue } from "../../src/server/sources/kafka-fetch-queue";

const rec = (partition: number, offset: number): SourceRecord => ({ topic: "t", partition, offset, key: null, value: null, readAt: 0 });
const range = (p: number, from: number, to: number) => Array.from({ length: to - from }, (_, i) => rec(p, from + i));

describe("FetchQueue", () => {
  it("returns records in arrival order (first records of each partition first) and advances positions past control records", () => {
    const q = new FetchQueue();
    q.setStart("t:0", 0);
    q.setStart("t:1", 5);
    q.push("t:0", range(0, 0, 3), 4); // offset 3 is a commit marker
    q.push("t:1", range(1, 5, 7), 7);
    expect(q.take(2).map((r) => `${r.partition}/${r.offset}`)).toEqual(["0/0", "1/5"]);
    expect(q.positions()).toEqual({ "t:0": 1, "t:1": 6 });
    expect(q.take(10).map((r) => `${r.partition}/${r.offset}`)).toEqual(["0/1", "0/2", "1/6"]);
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

  it("merges partitions by Kafka timestamp, each partition still in offset order", () => {
    const q = new FetchQueue();
    const at = (p: number, offset: number, timestamp: number): SourceRecord => ({ ...rec(p, offset), timestamp });
    q.setStart("t:0", 0);
    q.setStart("t:1", 0);
    // Partition 0 arrives first with a big batch; partition 1's older records must not wait behind it.
    q.push("t:0", [at(0, 0, 10), at(0, 1, 20), at(0, 2, 30), at(0, 3, 40)], 4);
    q.push("t:1", [at(1, 0, 5), at(1, 1, 25), at(1, 2, 25)], 3);
    expect(q.take(3).map((r) => `${r.partition}/${r.offset}`)).toEqual(["1/0", "0/0", "0/1"]);
    expect(q.positions()).toEqual({ "t:0": 2, "t:1": 1 });
    expect(q.take(10).map((r) => `${r.partition}/${r.offset}`)).toEqual(["1/1", "1/2", "0/2", "0/3"]);
    expect(q.positions()).toEqual({ "t:0": 4, "t:1": 3 });
  });

  it("returns one record of every partition before any partition's second (streams seen first)", () => {
    const q = new FetchQueue();
    const at = (p: number, offset: number, timestamp: number): SourceRecord => ({ ...rec(p, offset), timestamp });
    q.setStart("t:0", 0);
    q.setStart("t:1", 0);
    // A producer batch: both partitions' records carry the same timestamp, partition 0 arrived first.
    q.push("t:0", [at(0, 0, 7), at(0, 1, 7), at(0, 2, 7)], 3);
    q.push("t:1", [at(1, 0, 7), at(1, 1, 7)], 2);
    expect(q.take(10).map((r) => `${r.partition}/${r.offset}`)).toEqual(["0/0", "1/0", "0/1", "0/2", "1/1"]);
  });

  it("aligns partitions: records newer than a lagging partition's last one wait for its next fetch, at most maxAlignWaitMs", () => {
    let now = 0;
    const q = new FetchQueue(2000, () => now);
    const at = (p: number, offset: number, timestamp: number): SourceRecord => ({ ...rec(p, offset), timestamp });
    q.setStart("t:0", 0);
    q.setStart("t:1", 0);
    q.push("t:0", [at(0, 0, 10), at(0, 1, 20), at(0, 2, 30), at(0, 3, 40)], 4, 4);
    q.push("t:1", [at(1, 0, 12)], 1, 5); // the log of t:1 holds 4 more records, not fetched yet
    expect(q.take(10).map((r) => `${r.partition}/${r.offset}`)).toEqual(["0/0", "1/0"]);
    now = 1000;
    expect(q.take(10)).toEqual([]); // 0/1 (ts 20) is newer than t:1's last (12): wait
    q.push("t:1", [at(1, 1, 15), at(1, 2, 25)], 3, 5);
    expect(q.take(10).map((r) => `${r.partition}/${r.offset}`)).toEqual(["1/1", "0/1", "1/2"]);
    now = 1500;
    expect(q.take(10)).toEqual([]); // t:1 is behind again (3 < 5) at ts 25
    now = 3600; // blocked for longer than 2 s: stop waiting for t:1
    expect(q.take(10).map((r) => `${r.partition}/${r.offset}`)).toEqual(["0/2", "0/3"]);
  });

  it("starts a lagging partition's wait when it holds a record back, not when it fell behind (a broker outage)", () => {
    let now = 0;
    const q = new FetchQueue(2000, () => now);
    const at = (p: number, offset: number, timestamp: number): SourceRecord => ({ ...rec(p, offset), timestamp });
    q.setStart("t:0", 0);
    q.setStart("t:1", 0);
    q.push("t:0", [at(0, 0, 10)], 1, 10);
    q.push("t:1", [at(1, 0, 10)], 1, 10);
    expect(q.take(10)).toHaveLength(2);
    // Both partitions are behind (9 more records each) and nothing arrives for 10 s.
    for (now = 0; now <= 10_000; now += 1000) expect(q.take(10)).toEqual([]);
    // The broker is back: t:0's batch comes first and waits for t:1's, although both fell behind long ago.
    q.push("t:0", [at(0, 1, 20), at(0, 2, 30)], 3, 10);
    expect(q.take(10)).toEqual([]);
    now = 10_500;
    q.push("t:1", [at(1, 1, 25)], 2, 10);
    expect(q.take(10).map((r) => `${r.partition}/${r.offset}`)).toEqual(["0/1", "1/1"]);
    // t:1 behind again at 25: 0/2 waits, at most 2 s from now.
    now = 12_400;
    expect(q.take(10)).toEqual([]);
    now = 12_600;
    expect(q.take(10).map((r) => `${r.partition}/${r.offset}`)).toEqual(["0/2"]);
  });

  it("gives every lagging partition its full wait again after the consumer rejoins", () => {
    let now = 0;
    const q = new FetchQueue(2000, () => now);
    const at = (p: number, offset: number, timestamp: number): SourceRecord => ({ ...rec(p, offset), timestamp });
    q.setStart("t:0", 0);
    q.setStart("t:1", 0);
    q.push("t:0", [at(0, 0, 10), at(0, 1, 20)], 2, 10);
    q.push("t:1", [at(1, 0, 10)], 1, 10);
    expect(q.take(10).map((r) => `${r.partition}/${r.offset}`)).toEqual(["0/0", "1/0"]);
    now = 3000; // t:1's fetch did not come: the others stop waiting for it
    expect(q.take(10).map((r) => `${r.partition}/${r.offset}`)).toEqual(["0/1"]);
    q.realign();
    q.push("t:0", [at(0, 2, 30)], 3, 10);
    expect(q.take(10)).toEqual([]);
    now = 5100;
    expect(q.take(10).map((r) => `${r.partition}/${r.offset}`)).toEqual(["0/2"]);
  });

  it("wakes a waiting poll on push", async () => {
    // Fake timers: the wait's own timeout can never fire, so only the push can end it.
    vi.useFakeTimers();
    try {
      const q = new FetchQueue();
      let woken = false;
      void q.wait(5000).then(() => (woken = true));
      await Promise.resolve();
      expect(woken).toBe(false);
      q.push("t:0", [rec(0, 0)], 1);
      await Promise.resolve();
      expect(woken).toBe(true);
      expect(q.size).toBe(1);
    } finally {
      vi.useRealTimers();
    }
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
