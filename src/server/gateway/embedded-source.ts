/**
 * The embedded source of `npm run dev` without KAFKA_BROKERS: eddy's generator in-process (200
 * events/s by default) feeding the hub directly, with in-memory topics and offsets, so a
 * newcomer sees live charts without any broker. Event time is the wall clock by default, so the
 * console's clock and its charts agree.
 */
import type { SourceInfo, TopicInfo } from "../../core/frames";
import { generate, type GeneratedRecord, MAX_WALL_RATE, MemoryTarget } from "../generator";
import type { Hub } from "./hub";
import type { MessageLog } from "./message-log";
import type { GatewaySource, OutgoingMessage, TopicListing } from "./source";

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
  readonly topics = TOPICS;
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

  constructor(private readonly opts: EmbeddedSourceOptions = {}) {
    this.rate = opts.rate ?? 200;
    this.partitions = opts.partitions ?? 3;
    // Beyond what a million users make at wall speed, event time runs just fast enough (and says so).
    const speed = opts.speed ?? Math.max(1, Math.ceil(this.rate / MAX_WALL_RATE));
    this.speed = speed;
    const time = speed === 1 ? "event time = wall clock" : Number.isFinite(speed) ? `event time ${speed}× faster than the wall clock` : "simulated event time";
    this.info = { kind: "embedded", description: `embedded generator, ${this.rate} events/s, ${time} (set KAFKA_BROKERS to bridge Kafka)` };
    for (const t of TOPICS) this.offsets.set(t.name, new Array<number>(this.partitions).fill(0));
  }

  private append(topic: string, key: string | null, value: string): void {
    const offs = this.offsets.get(topic);
    if (!offs) return;
    const partition = key === null ? 0 : hash(key) % this.partitions;
    const offset = offs[partition]++;
    const timestamp = Date.now();
    this.log!.append(topic, partition, String(offset), timestamp, key, value);
    this.hub!.ingest({ topic, partition, value, timestamp });
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
    return TOPICS.map((t) => ({
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
