/**
 * The embedded source of `npm run dev` without KAFKA_BROKERS: eddy's generator in-process (200
 * events/s by default) feeding the hub directly, with in-memory topics and offsets, so a
 * newcomer sees live charts without any broker.
 */
import type { SourceInfo, TopicInfo } from "../../core/frames";
import { generate, type GeneratedRecord, MemoryTarget } from "../generator";
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
  users?: number;
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
  private readonly partitions: number;
  private readonly offsets = new Map<string, number[]>();
  private readonly abort = new AbortController();
  private running: Promise<unknown> | undefined;
  private hub: Hub | undefined;
  private log: MessageLog | undefined;

  constructor(private readonly opts: EmbeddedSourceOptions = {}) {
    this.rate = opts.rate ?? 200;
    this.partitions = opts.partitions ?? 3;
    this.info = { kind: "embedded", description: `embedded generator, ${this.rate} events/s (set KAFKA_BROKERS to bridge Kafka)` };
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
        startMs: Date.now(),
        users: this.opts.users ?? 1000,
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
