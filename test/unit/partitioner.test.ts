/**
 * The linear murmur2 partitioner: the same partition as kafkajs's default (Java-compatible) one
 * for every key, and a huge key hashed without the quadratic BigInt blow-up.
 */
import { createRequire } from "node:module";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LinearPartitioner, murmur2, partitionOfKey } from "../../src/server/kafka/partitioner";

const require = createRequire(import.meta.url);
// kafkajs's own murmur2 (the reference; quadratic in key length, so only short keys here).
const kafkajsMurmur2 = require("kafkajs/src/producer/partitioners/default/murmur2.js") as (key: Buffer | string) => number;

describe("murmur2", () => {
  it("equals kafkajs's (Java's) hash for any key", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const b = Buffer.from(bytes);
        expect(murmur2(b)).toBe(kafkajsMurmur2(b));
      }),
      { numRuns: 2000 },
    );
    for (const s of ["", "a", "ab", "abc", "user-0001", "ünïcödé-🙂"]) expect(murmur2(Buffer.from(s))).toBe(kafkajsMurmur2(s));
  });

  it("matches Kafka's published test vectors", () => {
    // From the Java client's UtilsTest.testMurmur2.
    const cases: Array<[string, number]> = [
      ["21", -973932308],
      ["foobar", -790332482],
      ["a-little-bit-long-string", -985981536],
      ["a-little-bit-longer-string", -1486304829],
      ["lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971],
    ];
    for (const [s, h] of cases) expect(murmur2(Buffer.from(s))).toBe(h);
  });

  it("hashes a 900 KB key (the size that hung the runner) to the same partition every time", () => {
    const key = "p".repeat(900_000);
    const p = partitionOfKey(key, 3);
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThan(3);
    expect(partitionOfKey(Buffer.from(key), 3)).toBe(p);
  });
});

describe("LinearPartitioner", () => {
  const meta = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
  it("keeps an explicit partition, hashes keys, and spreads keyless messages over available partitions", () => {
    const part = LinearPartitioner();
    expect(part({ topic: "t", partitionMetadata: meta, message: { key: "k", value: "v", partition: 2 } })).toBe(2);
    expect(part({ topic: "t", partitionMetadata: meta, message: { key: "user-7", value: "v" } })).toBe((kafkajsMurmur2("user-7") & 0x7fffffff) % 3);
    const seen = new Set<number>();
    for (let i = 0; i < 6; i++) seen.add(part({ topic: "t", partitionMetadata: meta, message: { key: null, value: "v" } }));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });
});
