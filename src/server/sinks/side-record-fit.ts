/**
 * Fitting a side-output record (dead letter or late event) into its topic's `max.message.bytes`.
 *
 * Side topics are created with their source topic's limit, so a record the source accepted fits;
 * but a side topic that already existed may allow less. A record that does not fit would fail its
 * produce request, abort the epoch's transaction and, on every restart, fail the same way: the job
 * would stop for good on one message. Such a record is written with its value (and, if that is
 * not enough, its key) cut at a UTF-8 character boundary, and headers that say so:
 * `eddy-truncated` (the reason), `eddy-original-size` (value bytes) and, when the key was cut,
 * `eddy-original-key-size`. Kafka Streams' dead-letter handlers have no such limit handling; this
 * follows its rule that a bad record must never stop the topology.
 */
import type { IHeaders, Message } from "kafkajs";

/** Kafka's default `max.message.bytes`, assumed when a topic's own value is unknown. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_576;

/**
 * Room kept for the record batch around one record: the v2 batch header (61 bytes), the record's
 * varint framing and header count, with a margin for the broker's accounting.
 */
export const RECORD_OVERHEAD_BYTES = 512;

type Bytes = Buffer | string | null | undefined;

function size(v: Bytes): number {
  return v == null ? 0 : typeof v === "string" ? Buffer.byteLength(v) : v.length;
}

function headerBytes(h: IHeaders | undefined): number {
  let n = 0;
  for (const [k, v] of Object.entries(h ?? {})) {
    // Each header: varint key length, key, varint value length, value.
    n += 10 + Buffer.byteLength(k) + (Array.isArray(v) ? v.reduce((s, x) => s + size(x), 0) : size(v as Bytes));
  }
  return n;
}

/** Encoded size of `m` in a batch of its own, an upper bound. */
export function recordSize(m: Message): number {
  return RECORD_OVERHEAD_BYTES + size(m.key) + size(m.value) + headerBytes(m.headers);
}

/** The first at most `max` bytes of `v`, not splitting a UTF-8 character. */
function cut(v: Buffer | string, max: number): Buffer {
  const b = typeof v === "string" ? Buffer.from(v) : v;
  if (b.length <= max) return b;
  let end = Math.max(0, max);
  // Back off continuation bytes (10xxxxxx) so that a multi-byte character is not split.
  while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
  return b.subarray(0, end);
}

/**
 * `m` unchanged when it fits `limit` bytes, else a copy with its value (then key) cut so that it
 * does, carrying the headers above. `topic` names the side topic in the reason.
 */
export function fitRecord(m: Message, limit: number, topic: string): Message {
  const total = recordSize(m);
  if (total <= limit) return m;
  const valueSize = size(m.value);
  const keySize = size(m.key);
  const reason =
    `record of ${total} bytes does not fit max.message.bytes ${limit} of ${topic}: ` +
    `cut to fit (raise that topic's max.message.bytes to keep such records whole)`;
  const headers: IHeaders = { ...m.headers, "eddy-truncated": reason, "eddy-original-size": String(valueSize) };
  const withKey = { ...headers, "eddy-original-key-size": String(keySize) };
  // Room for key and value once the framing and every header (the key one included) is counted.
  const room = limit - RECORD_OVERHEAD_BYTES - headerBytes(withKey);
  if (keySize <= room) {
    return { ...m, headers, value: m.value == null ? m.value : cut(m.value, room - keySize) };
  }
  return { ...m, headers: withKey, key: m.key == null ? m.key : cut(m.key, room), value: m.value == null ? m.value : Buffer.alloc(0) };
}
