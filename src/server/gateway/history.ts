/**
 * History for a new console tab (`hello.history`): the client's topics are replayed from the
 * first offsets at or after a Kafka timestamp into the same frames as the live stream, so the
 * charts show the chosen time range at once and a reload loses nothing Kafka still holds.
 *
 * Splicing without loss or repetition: from the hello on, live messages for the client wait in
 * its queue instead of going out. The reader takes each partition's end offset after that
 * moment, so the queue holds every live message from below those ends onwards. The replay
 * sends offsets [start, end); the queue then sends those at or past the end, and the client
 * joins the live stream in the same tick.
 *
 * The reader hands messages over in the order a consumer of the live stream would have met them
 * (Kafka: merged by timestamp across partitions, like the headless runner; kafka-history.ts), so
 * the pipeline's watermark and lateness come out as they did live. Sending waits while the client's socket
 * holds over 1 MiB: a replay never drops, it goes as fast as the tab reads.
 */
import type { Connection } from "./connection";
import type { Hub, InputMessage } from "./hub";
import { sendOwn } from "./own-frames";

/** Live messages a replaying client may have waiting (about 60 s at 10,000 events/s). */
export const MAX_QUEUED_LIVE = 600_000;
/** The replay waits while the client's socket buffers more than this. */
const DRAIN_BELOW_BYTES = 1024 * 1024;

/** What a source reads for a replay. */
export interface HistoryRequest {
  topics: string[];
  /** Kafka timestamp to start from, epoch ms. */
  sinceMs: number;
  /** Called with each chunk in offset order per partition; the reader waits for it. */
  deliver(msgs: InputMessage[]): Promise<void>;
  /** The number of messages in the range, once the offsets are known. */
  onTotal(total: number): void;
  signal: AbortSignal;
}

/** A source that can replay a time range of its topics. */
export interface HistoryReader {
  /**
   * Delivers the messages of `topics` from the first offset whose timestamp is at or after
   * `sinceMs` up to end offsets taken after the call started; resolves to those end offsets by
   * `topic:partition` (messages at or past them are the live stream's).
   */
  readHistory(req: HistoryRequest): Promise<Map<string, number>>;
}

function wait(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Runs the replay for `c` (see the module comment); never throws. */
export async function replayHistory(hub: Hub, c: Connection, sinceMs: number): Promise<void> {
  const reader = hub.history;
  const report = (state: "replaying" | "done" | "failed" | "unavailable", messages: number, total: number | null, reason?: string) =>
    c.sendJson({ type: "history", state, sinceMs, messages, total, ...(reason ? { reason } : {}) });
  if (!reader) {
    report("unavailable", 0, null, "this source keeps no history");
    return;
  }
  const abort = new AbortController();
  c.replay = { queue: [], overflow: 0, abort };
  hub.replaying.add(c);
  const topics = hub.topics.filter((_, k) => c.mask[k]).map((t) => t.name);
  let messages = 0;
  let total: number | null = null;
  let lastReport = Date.now();
  report("replaying", 0, null);
  let ends: Map<string, number> | null = null;
  let failure: string | undefined;
  try {
    ends = await reader.readHistory({
      topics,
      sinceMs,
      signal: abort.signal,
      onTotal: (n) => {
        total = n;
        report("replaying", messages, total);
      },
      deliver: async (msgs) => {
        while (!abort.signal.aborted && c.socket.bufferedAmount() > DRAIN_BELOW_BYTES) await wait(10);
        if (abort.signal.aborted) throw new Error("client left");
        sendOwn(hub, c, msgs);
        messages += msgs.length;
        if (Date.now() - lastReport >= 1000) {
          lastReport = Date.now();
          report("replaying", messages, total);
        }
      },
    });
  } catch (err) {
    failure = err instanceof Error ? err.message : String(err);
  }
  if (abort.signal.aborted || !hub.connections.has(c)) return;
  // What the live stream still holds for everyone goes out first, so the queue is complete.
  hub.flush();
  const r = c.replay;
  const queued = ends ? r.queue.filter((m) => m.offset === undefined || m.offset >= (ends!.get(`${m.topic}:${m.partition}`) ?? 0)) : r.queue;
  sendOwn(hub, c, queued);
  const gap = r.overflow > 0 ? `; ${r.overflow} live messages did not fit the queue while replaying and are missing` : "";
  c.replay = null;
  hub.replaying.delete(c);
  if (failure !== undefined) report("failed", messages, total, `${failure}${gap}`);
  else report("done", messages, total, gap ? gap.slice(2) : undefined);
}
