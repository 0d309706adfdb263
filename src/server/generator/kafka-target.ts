/**
 * Kafka target (kafkajs): creates missing topics, then produces batches with several in
 * flight. A failed send is retried with back-off and counted; once retries are exhausted the
 * target fails for good and every later call rejects, so a dead broker ends the run within a
 * bounded time instead of hanging or dropping records silently.
 */
// Before kafkajs: its read_committed filter lets aborted records through (see read-committed.ts).
import "../kafka/read-committed";
import kafkajs from "kafkajs";
import type { Admin, Message, Producer, TopicMessages } from "kafkajs";
import { LinearPartitioner } from "../kafka/partitioner";
import type { GeneratedRecord } from "./source";
import type { Target, TargetStats } from "./target";

const { Kafka, logLevel } = kafkajs;

/** Options of {@link KafkaTarget}. */
export interface KafkaTargetOptions {
  brokers: string[];
  /** Partitions of topics it creates (default 3). */
  partitions?: number;
  /** Give up connecting after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Batches in flight at once (default 4; more only adds kafkajs queueing overhead). */
  maxInFlight?: number;
  /** Retries of one batch before the run fails (default 4). */
  maxRetries?: number;
  /** Bound on one send attempt, however kafkajs behaves (default 15 s). */
  sendTimeoutMs?: number;
  clientId?: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Rejects with `onTimeout()` unless `p` settles within `ms`. */
function within<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(onTimeout()), ms)));
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Produces records to Kafka with key = user id. */
export class KafkaTarget implements Target {
  readonly stats: TargetStats = { delivered: 0, errors: 0, retries: 0 };
  private readonly o: Required<KafkaTargetOptions>;
  private admin: Admin | undefined;
  private producer: Producer | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private failure: Error | undefined;

  constructor(options: KafkaTargetOptions) {
    this.o = {
      partitions: 3, connectTimeoutMs: 10_000, maxInFlight: 4, maxRetries: 4, sendTimeoutMs: 15_000,
      clientId: "eddy-generate", ...options,
    };
    if (this.o.brokers.length === 0) throw new Error("no Kafka brokers given (use --brokers or KAFKA_BROKERS)");
  }

  async open(topics: readonly string[]): Promise<void> {
    const { brokers, connectTimeoutMs } = this.o;
    const kafka = new Kafka({
      clientId: this.o.clientId,
      brokers,
      connectionTimeout: Math.min(3000, connectTimeoutMs),
      requestTimeout: 10_000,
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1000 },
      logLevel: process.env.EDDY_DEBUG ? logLevel.WARN : logLevel.NOTHING,
    });
    const deadline = Date.now() + connectTimeoutMs;
    let last: unknown;
    // Retry until the deadline: a broker that is still starting up should not fail the run.
    while (Date.now() < deadline) {
      const admin = kafka.admin();
      const producer = kafka.producer({ createPartitioner: LinearPartitioner, allowAutoTopicCreation: false });
      try {
        await within(this.prepare(admin, producer, topics), Math.max(1, deadline - Date.now()), () => new Error("no answer"));
        this.admin = admin;
        this.producer = producer;
        return;
      } catch (err) {
        // Keep the most telling error: a refusal says more than our own deadline.
        if (last === undefined || message(err) !== "no answer") last = err;
        await Promise.allSettled([admin.disconnect(), producer.disconnect()]);
        await sleep(Math.min(500, Math.max(0, deadline - Date.now())));
      }
    }
    throw new Error(
      `cannot reach Kafka at ${brokers.join(",")} within ${connectTimeoutMs / 1000} s (${message(last)}). ` +
        "Is the broker running? `npm run kafka:start` starts a local one; KAFKA_BROKERS or --brokers point elsewhere.",
    );
  }

  private async prepare(admin: Admin, producer: Producer, topics: readonly string[]): Promise<void> {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((topic) => ({ topic, numPartitions: this.o.partitions, replicationFactor: 1 })),
        waitForLeaders: true,
      });
    }
    await producer.connect();
  }

  async write(records: GeneratedRecord[]): Promise<void> {
    if (this.failure) throw this.failure;
    const byTopic = new Map<string, Message[]>();
    for (const r of records) {
      let list = byTopic.get(r.topic);
      if (!list) byTopic.set(r.topic, (list = []));
      list.push({ key: r.key, value: r.text });
    }
    const topicMessages: TopicMessages[] = [];
    for (const [topic, messages] of byTopic) topicMessages.push({ topic, messages });
    const p: Promise<void> = this.send(topicMessages, records.length).finally(() => this.inFlight.delete(p));
    p.catch(() => {}); // observed through `failure`
    this.inFlight.add(p);
    while (this.inFlight.size >= this.o.maxInFlight && !this.failure) {
      await Promise.race(this.inFlight).catch(() => {});
    }
    if (this.failure) throw this.failure;
  }

  private async send(topicMessages: TopicMessages[], n: number): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await within(this.producer!.sendBatch({ topicMessages, acks: -1 }), this.o.sendTimeoutMs, () => new Error(`no acknowledgement within ${this.o.sendTimeoutMs / 1000} s`));
        this.stats.delivered += n;
        return;
      } catch (err) {
        if (this.failure || attempt >= this.o.maxRetries) {
          this.stats.errors += n;
          this.failure ??= new Error(`Kafka produce failed after ${attempt + 1} attempts: ${message(err)}`);
          throw this.failure;
        }
        this.stats.retries++;
        await sleep(Math.min(4000, 250 * 2 ** attempt));
      }
    }
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    const { producer, admin } = this;
    this.producer = this.admin = undefined;
    const quit = (c: { disconnect(): Promise<void> } | undefined) =>
      c ? within(c.disconnect(), 5000, () => new Error("disconnect timed out")).catch(() => {}) : undefined;
    await Promise.all([quit(producer), quit(admin)]);
  }
}
