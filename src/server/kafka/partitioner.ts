/**
 * The Java client's default partitioner (murmur2 of the key, positive, modulo the partition
 * count; round-robin without a key), in linear time.
 *
 * kafkajs's `Partitioners.DefaultPartitioner` computes the same hash with unbounded BigInts that
 * grow with every 4 bytes of key, so hashing is quadratic in the key length: 0.4 s for a 100 KB
 * key and about 30 s for 900 KB, during which the event loop answers nothing (not SIGTERM, not
 * /metrics). A dead-letter record keeps its producer's key, whatever its size, so every eddy
 * producer uses this one. The 32-bit arithmetic below gives the same partition for every key
 * (the BigInt version's low 32 bits are all it ever reads), so data keeps its partitions.
 */
import type { ICustomPartitioner } from "kafkajs";

const M = 0x5bd1e995;
const SEED = 0x9747b28c;

/** Kafka's murmur2 of `data` as a signed 32-bit integer (Java `Utils.murmur2`). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = (SEED ^ length) | 0;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k = data[i4] | (data[i4 + 1] << 8) | (data[i4 + 2] << 16) | (data[i4 + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M);
    h ^= k;
  }
  const rest = length & ~3;
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= data[rest + 2] << 16;
    if (tail >= 2) h ^= data[rest + 1] << 8;
    h ^= data[rest];
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition of `key` among `partitions` (Java's `toPositive(murmur2(key)) % n`). */
export function partitionOfKey(key: Buffer | string, partitions: number): number {
  const data = typeof key === "string" ? Buffer.from(key) : key;
  return (murmur2(data) & 0x7fffffff) % partitions;
}

/** kafkajs `createPartitioner` option: see the module comment. */
export const LinearPartitioner: ICustomPartitioner = () => {
  const counters = new Map<string, number>();
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const n = partitionMetadata.length;
    if (message.key !== null && message.key !== undefined) return partitionOfKey(message.key, n);
    const next = ((counters.get(topic) ?? Math.floor(Math.random() * 0x7fffffff)) + 1) & 0x7fffffff;
    counters.set(topic, next);
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    return available.length > 0 ? available[next % available.length].partitionId : next % n;
  };
}
