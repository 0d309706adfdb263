/**
 * The embedded source of `npm run dev` without KAFKA_BROKERS: eddy's generator in-process (200
 * events/s by default) feeding the hub directly, with in-memory topics and offsets, so a
 * newcomer sees live charts without any broker. Event time is the wall clock by default, so the
 * console's clock and its charts agree. It keeps its newest messages in memory (300,000 by
 * default), so a reloaded tab gets its time range back from there as it would from Kafka.
 */
import type { SourceInfo, TopicInfo } from "../../core/frames";
import { generate, type GeneratedRecord, MAX_WALL_RATE, MemoryTarget } from "../generator";
import type { HistoryReader, HistoryRequest } from "./history";
import type { Hub, InputMessage } from "./hub";
import { matches, type MessageLog } from "./message-log";
import type { BrowseQuery, BrowseResult, GatewaySource, OutgoingMessage, TopicListing } from "./source";

/** Options of {@link EmbeddedSource}. */
export interface EmbeddedSourceOptions {
  /** Events per second (default 200). */
  rate?: number;
  /** Partitions per in-memory topic (default 3). */
  partitions?: number;
  seed?: number;
  /** Simulated users (default: as many as `rate` needs at `speed`). */
  users?: number;
  /** Event-time speed (default 1, the wall clock; see src/server/generator/event-clock.ts). */
  speed?: number;
  /** Event-time start, epoch ms (default: per speed). */
  startMs?: number;
  /** Newest messages kept for history replays (default 300,000). */
  historyMessages?: number;
  /**
   * Topics of the user-defined metrics' declared inputs (kind `declared`): in-memory topics the
   * generator does not write; `produce` (and so /collect's producer, and tests) can.
   */
  declared?: TopicInfo[];
}

const TOPICS: TopicInfo[] = [
  { name: "clickstream", kind: "clickstream" },
  { name: "transactions", kind: "transactions" },
  { name: "orders", kind: "orders" },
];

/** Java's String.hashCode, a stable stand-in for Kafka's key partitioner (one user, one partition). */
function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h >>> 0;
}

/** See the module comment. */
export class EmbeddedSource implements GatewaySource {
  readonly topics: TopicInfo[];
  readonly resultsTopic = null;
  readonly info: SourceInfo;
  private readonly rate: number;
  private readonly speed: number;
  private readonly partitions: number;
  private readonly offsets = new Map<string, number[]>();
  private readonly abort = new AbortController();
  private running: Promise<unknown> | undefined;
  private hub: Hub | undefined;
  private log: MessageLog | undefined;
  /** A ring of the newest messages (history replays); `kept` is the next slot. */
  private readonly kept: InputMessage[] = [];
  private keptAt = 0;
  private readonly keepMax: number;
  readonly history: HistoryReader = { readHistory: (req) => this.readHistory(req) };

  constructor(private readonly opts: EmbeddedSourceOptions = {}) {
    this.topics = [...TOPICS, ...(opts.declared ?? [])];
    this.rate = opts.rate ?? 200;
    this.partitions = opts.partitions ?? 3;
    this.keepMax = opts.historyMessages ?? 300_000;
    // Beyond what a million users make at wall speed, event time runs just fast enough (and says so).
    const speed = opts.speed ?? Math.max(1, Math.ceil(this.rate / MAX_WALL_RATE));
    this.speed = speed;
    const time = speed === 1 ? "event time = wall clock" : Number.isFinite(speed) ? `event time ${speed}× faster than the wall clock` : "simulated event time";
    this.info = { kind: "embedded", description: `embedded generator, ${this.rate} events/s, ${time} (set KAFKA_BROKERS to bridge Kafka)` };
    for (const t of this.topics) this.offsets.set(t.name, new Array<number>(this.partitions).fill(0));
  }

  private append(topic: string, key: string | null, value: string): void {
    const offs = this.offsets.get(topic);
    if (!offs) return;
    const partition = key === null ? 0 : hash(key) % this.partitions;
    const offset = offs[partition]++;
    const timestamp = Date.now();
    this.log!.append(topic, partition, String(offset), timestamp, key, value);
    const m: InputMessage = { topic, partition, offset, value, timestamp };
    if (this.kept.length < this.keepMax) this.kept.push(m);
    else this.kept[this.keptAt] = m;
    this.keptAt = (this.keptAt + 1) % this.keepMax;
    this.hub!.ingest(m);
  }

  /** Replays the kept messages at or after `sinceMs` (history.ts); ends are today's offsets. */
  private async readHistory(req: HistoryRequest): Promise<Map<string, number>> {
    const ends = new Map<string, number>();
    for (const [topic, offs] of this.offsets) offs.forEach((o, p) => ends.set(`${topic}:${p}`, o));
    const ordered = this.kept.length < this.keepMax ? this.kept.slice() : [...this.kept.slice(this.keptAt), ...this.kept.slice(0, this.keptAt)];
    const topics = new Set(req.topics);
    const range = ordered.filter((m) => m.timestamp >= req.sinceMs && topics.has(m.topic));
    req.onTotal(range.length);
    for (let i = 0; i < range.length && !req.signal.aborted; i += 8192) await req.deliver(range.slice(i, i + 8192));
    return ends;
  }

  async browse(q: BrowseQuery): Promise<BrowseResult> {
    if (!this.offsets.has(q.topic)) throw new RangeError(`unknown topic ${q.topic}`);
    const needle = q.q?.toLowerCase();
    let all = this.log!.all(q.topic).filter((m) => q.partition === undefined || m.partition === q.partition);
    const scanned = all.length;
    if (q.from.kind === "offset") all = all.filter((m) => Number(m.offset) >= (q.from as { offset: number }).offset);
    if (q.from.kind === "time") all = all.filter((m) => m.timestamp >= (q.from as { ms: number }).ms);
    if (needle) all = all.filter((m) => matches(m, needle));
    const messages = q.from.kind === "newest" ? all.slice(-q.limit) : all.slice(0, q.limit);
    return { topic: q.topic, messages, scanned, complete: true };
  }

  async start(hub: Hub, log: MessageLog): Promise<void> {
    this.hub = hub;
    this.log = log;
    const target = new MemoryTarget((records: GeneratedRecord[]) => {
      for (const r of records) this.append(r.topic, r.key, r.text);
    });
    this.running = generate(
      {
        seed: this.opts.seed ?? Date.now() % 2 ** 31,
        startMs: this.opts.startMs,
        speed: this.speed,
        users: this.opts.users,
        rate: this.rate,
        // A few of each, so the console's invalid/late/anomaly counters have something to show.
        invalidFraction: 0.002,
        lateFraction: 0.002,
        anomalyFraction: 0.002,
        maxBatch: 100,
      },
      target,
      { signal: this.abort.signal },
    ).catch((err: unknown) => console.error(`eddy gateway: embedded generator stopped: ${String(err)}`));
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  async listTopics(): Promise<TopicListing[]> {
    return this.topics.map((t) => ({
      name: t.name,
      kind: t.kind,
      partitions: this.offsets.get(t.name)!.map((high, partition) => ({ partition, low: "0", high: String(high), messages: high })),
      groups: [],
    }));
  }

  async produce(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (!this.offsets.has(topic)) throw new Error(`unknown topic ${topic}`);
    for (const m of messages) this.append(topic, m.key, m.value);
  }
}
