/**
 * The topic browser's reads on Kafka, like Kafka UI's: any topic (a dead-letter topic too),
 * from the newest messages, an offset or a time, optionally filtered by text in the key, value
 * or headers. Each read uses a consumer of its own (a fresh `eddy-gateway-browse-…` group that
 * commits nothing) that seeks to the start offsets and stops at the end offsets taken first,
 * or once it has the messages asked for, or after {@link SCAN_BUDGET} messages.
 */
import type { Admin, Kafka } from "kafkajs";
import { within } from "../kafka/client";
import { headerText, type LoggedMessage, matches, toLogged } from "./message-log";
import type { BrowseQuery, BrowseResult } from "./source";

/** Most messages one browse looks at (a filter that matches little stops here). */
export const SCAN_BUDGET = 20_000;
const BROWSE_TIMEOUT_MS = 15_000;

interface Span {
  partition: number;
  start: number;
  end: number;
}

/** The offsets [start, end) to read per partition for `q`. */
async function spans(admin: Admin, q: BrowseQuery): Promise<Span[]> {
  const offs = (await admin.fetchTopicOffsets(q.topic)).filter((o) => q.partition === undefined || o.partition === q.partition);
  if (q.partition !== undefined && offs.length === 0) throw new RangeError(`topic ${q.topic} has no partition ${q.partition}`);
  const byTime = q.from.kind === "time" ? new Map((await admin.fetchTopicOffsetsByTimestamp(q.topic, q.from.ms)).map((o) => [o.partition, Number(o.offset)])) : null;
  // The newest: enough of each partition's tail for `limit` messages (or the scan budget when filtering).
  const tail = Math.ceil((q.q ? SCAN_BUDGET : q.limit) / Math.max(1, offs.length));
  return offs.map((o) => {
    const low = Number(o.low);
    const high = Number(o.high);
    let start: number;
    if (q.from.kind === "newest") start = high - tail;
    else if (q.from.kind === "offset") start = q.from.offset;
    else start = byTime!.get(o.partition)! < 0 ? high : byTime!.get(o.partition)!;
    start = Math.min(high, Math.max(low, start));
    return { partition: o.partition, start, end: high };
  });
}

/** See the module comment. */
export async function browseKafka(kafka: Kafka, admin: Admin, q: BrowseQuery): Promise<BrowseResult> {
  const parts = (await spans(admin, q)).filter((s) => s.start < s.end);
  const needle = q.q?.toLowerCase();
  const newest = q.from.kind === "newest";
  const found: LoggedMessage[] = [];
  let scanned = 0;
  let complete = true;
  if (parts.length === 0) return { topic: q.topic, messages: [], scanned, complete };
  const left = new Map(parts.map((s) => [s.partition, s]));
  const consumer = kafka.consumer({ groupId: `eddy-gateway-browse-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`, allowAutoTopicCreation: false, maxWaitTimeInMs: 250 });
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const finish = (partition: number) => {
    if (!left.delete(partition)) return;
    consumer.pause([{ topic: q.topic, partitions: [partition] }]);
    if (left.size === 0) done();
  };
  const enough = () => !newest && found.length >= q.limit;
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    const s = left.get(payload.partition);
    if (s && Number(payload.lastOffset) + 1 >= s.end) finish(payload.partition);
  });
  consumer.on(consumer.events.CRASH, () => done());
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: q.topic, fromBeginning: false });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const s = left.get(batch.partition);
        if (!s) return;
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset < s.start || offset >= s.end) continue;
          if (++scanned > SCAN_BUDGET || enough()) {
            complete = false;
            for (const p of [...left.keys()]) finish(p);
            return;
          }
          const logged = toLogged(q.topic, batch.partition, m.offset, Number(m.timestamp), m.key ? m.key.toString() : null, m.value, headerText(m.headers as Record<string, unknown>));
          if (!needle || matches(logged, needle)) found.push(logged);
        }
      },
    });
    for (const s of parts) consumer.seek({ topic: q.topic, partition: s.partition, offset: String(s.start) });
    await within(finished, BROWSE_TIMEOUT_MS, () => new Error(`reading ${q.topic} took over ${BROWSE_TIMEOUT_MS / 1000} s`));
  } finally {
    await consumer.disconnect().catch(() => {});
  }
  found.sort((a, b) => a.timestamp - b.timestamp || a.partition - b.partition || Number(a.offset) - Number(b.offset));
  const messages = newest ? found.slice(-q.limit) : found.slice(0, q.limit);
  return { topic: q.topic, messages, scanned: Math.min(scanned, SCAN_BUDGET), complete: complete && found.length <= q.limit };
}
