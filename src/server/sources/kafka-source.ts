/**
 * The Kafka source: a kafkajs consumer group over the input topics, read_committed, offsets
 * never auto-committed (they are committed only inside the sink's transaction, with the
 * checkpoint), turned into the runner's pull-based `poll()` through a bounded queue with
 * pause()/resume() back-pressure.
 *
 * Start positions: a partition in the restored checkpoint starts at its checkpointed offset; a
 * partition absent from it (or every partition, with no checkpoint) starts at the EARLIEST
 * offset, never at the group's committed offset. That is Spark's rule (the checkpoint is the only
 * truth; partitions discovered later are read from the beginning) and it keeps output exact:
 * state and positions always come from the same checkpoint.
 *
 * Broker restarts: kafkajs restarts its consumer after retriable failures by itself; a group
 * coordinator it cannot find (kafkajs calls that non-retriable) makes this source start a new
 * consumer after a back-off, reporting it, until `brokerDownTimeoutMs` without contact makes
 * poll() fail (see coordinator-loss.ts).
 *
 * Single-runner assumption: one runner per consumer group. It is assigned every partition; after
 * a rebalance or a kafkajs restart (broker outage) it seeks each partition back to its own fetch
 * position and drops re-delivered offsets (see kafka-fetch-queue.ts). Two runners in one group
 * would each keep records of partitions they lost: not supported, and the shared transactional
 * id fences the older runner's producer anyway, so its next commit fails.
 */
import type { Consumer, Kafka, KafkaMessage } from "kafkajs";
import { positionKey, type Positions, type Source, type SourceRecord, splitPositionKey } from "../io/types";
import { errorMessage, within, type KafkaLog } from "../kafka/client";
import { isCoordinatorLoss } from "../kafka/coordinator-loss";
import { waitForBroker } from "../kafka/reachable";
import { ensureTopics } from "../kafka/topics";
import { FetchQueue } from "./kafka-fetch-queue";

/** The input topics when none are given. */
export const DEFAULT_INPUT_TOPICS = ["clickstream", "transactions", "orders"];

/** Options of {@link KafkaSource}. */
export interface KafkaSourceOptions {
  kafka: Kafka;
  /** For the "cannot reach Kafka" error and the reachability check. */
  brokers: string[];
  /** Consumer group (`--group`). */
  group: string;
  /** Default clickstream, transactions, orders. */
  topics?: string[];
  /** `--until-end`: end once every partition reached the end it had at start. */
  untilEnd?: boolean;
  /** Queued records above which consumption pauses (default 20 000; resumes at half). */
  maxQueued?: number;
  /** How often lag's end offsets are refreshed (default 5 s). */
  lagRefreshMs?: number;
  /** Group session timeout (default 10 s: how long a restart waits for a killed predecessor's membership to expire). */
  sessionTimeoutMs?: number;
  /** Deadline of the reachability check at start (default 10 s). */
  connectTimeoutMs?: number;
  /** poll() fails once the consumer has had no successful fetch for this long (default 120 s). */
  brokerDownTimeoutMs?: number;
  /** Create missing input topics with this many partitions (default 3; 0 = don't create). */
  createPartitions?: number;
  log?: KafkaLog;
}

/**
 * Topic offsets, retried while the topic is still electing leaders (a topic created a moment ago,
 * by eddy or by a producer, answers NOT_LEADER_FOR_PARTITION for a while).
 */
export async function offsetsWithRetry(admin: ReturnType<Kafka["admin"]>, topic: string): ReturnType<ReturnType<Kafka["admin"]>["fetchTopicOffsets"]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (err) {
      if (attempt >= 20 || !(err as { retriable?: boolean }).retriable) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Longest wait at start for every partition with a backlog to deliver its first batch. */
const PRIME_TIMEOUT_MS = 5000;

/** A fetched Kafka message as the runner's {@link SourceRecord}. */
export function toRecord(topic: string, partition: number, m: KafkaMessage, readAt: number): SourceRecord {
  return { topic, partition, offset: Number(m.offset), key: m.key?.toString() ?? null, keyBytes: m.key ?? undefined, value: m.value ?? null, readAt, timestamp: Number(m.timestamp) };
}

/** {@link Source} over Kafka topics; see the module comment for positions and rebalances. */
export class KafkaSource implements Source {
  readonly kind = "kafka" as const;
  readonly bounded: boolean;
  private readonly o: Required<Omit<KafkaSourceOptions, "log">> & { log?: KafkaLog };
  private readonly queue = new FetchQueue();
  private consumer: Consumer | undefined;
  private admin: ReturnType<Kafka["admin"]> | undefined;
  private lagTimer: NodeJS.Timeout | undefined;
  private readonly ends = new Map<string, number>();
  private readonly highs = new Map<string, number>();
  private readonly pausedParts = new Set<string>();
  private failure: Error | undefined;
  /** Last sign of a working connection (fetch, heartbeat, join); kafkajs may retry for long without crashing. */
  private lastContact = Date.now();
  private downCause = "no answer from the broker";
  /** Partitions with a backlog at start that have not delivered yet, with their start offset (see `primed`). */
  private readonly unprimed = new Map<string, number>();
  private primeDeadline = 0;
  private closed = false;
  /** A new consumer is being started after a coordinator loss; how many attempts in a row. */
  private reconnectTimer: NodeJS.Timeout | undefined;
  private reconnects = 0;

  constructor(options: KafkaSourceOptions) {
    this.o = {
      topics: DEFAULT_INPUT_TOPICS, untilEnd: false, maxQueued: 20_000, lagRefreshMs: 5000, sessionTimeoutMs: 10_000,
      connectTimeoutMs: 10_000, brokerDownTimeoutMs: 120_000, createPartitions: 3, ...options,
    };
    this.bounded = this.o.untilEnd;
  }

  async start(from?: Positions): Promise<void> {
    const { kafka, topics, group } = this.o;
    await waitForBroker(this.o.brokers, this.o.connectTimeoutMs);
    this.admin = kafka.admin();
    await this.admin.connect();
    if (this.o.createPartitions > 0) {
      await ensureTopics(this.admin, topics.map((topic) => ({ topic, numPartitions: this.o.createPartitions })));
    }
    for (const topic of topics) {
      for (const p of await offsetsWithRetry(this.admin, topic)) {
        const key = positionKey(topic, p.partition);
        const low = Number(p.low);
        const high = Number(p.high);
        let start = from?.[key] ?? low;
        if (start < low || start > high) {
          // Retention deleted the checkpointed records, or the topic was re-created: like Spark
          // with failOnDataLoss=false, go on from the earliest offset and say so.
          this.o.log?.("warn", `${key}: checkpointed offset ${start} is outside [${low}, ${high}]; reading from ${low}`);
          start = low;
        }
        this.queue.setStart(key, start, high);
        this.highs.set(key, high);
        if (high > start) this.unprimed.set(key, start);
        if (this.o.untilEnd && high > start) this.ends.set(key, high);
      }
    }
    if (this.bounded && this.ends.size === 0) return; // nothing to read: no group join needed
    this.lastContact = Date.now();
    // The priming clock starts when the group assigns partitions (a restart after kill -9 can wait
    // a whole session timeout for that), see onJoin.
    this.primeDeadline = Infinity;
    await this.runConsumer(kafka, group, topics);
    this.lagTimer = setInterval(() => void this.refreshHighs(), this.o.lagRefreshMs);
    this.lagTimer.unref();
  }

  private async runConsumer(kafka: Kafka, group: string, topics: string[]): Promise<void> {
    const consumer = kafka.consumer({
      groupId: group,
      readUncommitted: false,
      sessionTimeout: this.o.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(this.o.sessionTimeoutMs / 5)),
      maxBytesPerPartition: 2 * 1024 * 1024,
      // kafkajs sleeps this long when every partition is paused, so it bounds the delay after resume().
      maxWaitTimeInMs: 500,
      // kafkajs restarts a crashed consumer on a timer; once closed, it must not come back as a
      // zombie member that takes partitions from this group's next runner.
      retry: { initialRetryTime: 300, maxRetryTime: 3000, retries: 5, restartOnFailure: async () => !this.closed },
    });
    this.consumer = consumer;
    const ev = consumer.events;
    consumer.on(ev.GROUP_JOIN, ({ payload }) => {
      if (this.closed) void consumer.disconnect().catch(() => {});
      else this.onJoin(payload.memberAssignment);
    });
    const contact = () => (this.lastContact = Date.now());
    consumer.on(ev.FETCH, contact);
    consumer.on(ev.HEARTBEAT, contact);
    consumer.on(ev.END_BATCH_PROCESS, ({ payload }) => {
      // Batches of only control/aborted records never reach eachBatch but still move the position.
      if (payload.batchSize === 0) this.queue.push(positionKey(payload.topic, payload.partition), [], Number(payload.lastOffset) + 1);
    });
    consumer.on(ev.CRASH, ({ payload }) => {
      const cause = errorMessage(payload.error);
      if (!payload.restart && !this.closed && isCoordinatorLoss(payload.error)) {
        this.downCause = cause;
        this.o.log?.("warn", `Kafka consumer of group ${group} cannot reach its group coordinator (${cause}); reconnecting`);
        this.reconnect(consumer);
        return;
      }
      if (!payload.restart) {
        this.failure = new Error(`Kafka consumer of group ${group} failed: ${cause}`, { cause: payload.error });
        this.queue.wake();
        return;
      }
      this.downCause = cause;
      this.o.log?.("warn", `Kafka consumer of group ${group} lost the broker (${cause}); reconnecting`);
    });
    await consumer.connect();
    for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const now = Date.now();
        const records = batch.messages.map((m) => toRecord(batch.topic, batch.partition, m, now));
        const key = positionKey(batch.topic, batch.partition);
        this.queue.push(key, records, Number(batch.lastOffset()) + 1, Number(batch.highWatermark));
        // Pause per partition, so that a partition the aligned merge waits for keeps being fetched.
        if (!this.pausedParts.has(key) && this.queue.queuedOf(key) >= this.partitionCap()) this.pausePartition(key, true);
      },
    });
  }

  /**
   * Replaces a consumer that kafkajs gave up on (its coordinator lookup failed) with a new one,
   * after a back-off of 0.5 s doubling to 5 s; a consumer that cannot even connect is retried the
   * same way. `checkBrokerDown` bounds the whole outage.
   */
  private reconnect(old: Consumer): void {
    if (this.closed || this.reconnectTimer) return;
    const delay = Math.min(5000, 500 * 2 ** this.reconnects++);
    this.reconnectTimer = setTimeout(() => {
      // Cleared first: the new consumer's own CRASH (its first join) may schedule the next attempt.
      this.reconnectTimer = undefined;
      void (async () => {
        await within(old.disconnect(), 10_000, () => new Error("disconnect timed out")).catch(() => {});
        if (this.closed) return;
        try {
          await this.runConsumer(this.o.kafka, this.o.group, this.o.topics);
        } catch (err) {
          this.downCause = errorMessage(err);
          if (this.consumer) this.reconnect(this.consumer);
        }
      })();
    }, delay);
    this.reconnectTimer.unref();
  }

  /** After every (re)join: seek each assigned partition to where the queue expects to continue. */
  private onJoin(assignment: Record<string, number[]>): void {
    if (this.primeDeadline === Infinity) this.primeDeadline = Date.now() + PRIME_TIMEOUT_MS;
    this.lastContact = Date.now();
    this.reconnects = 0;
    this.queue.realign();
    const missing = new Set(this.highs.keys());
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) {
        const key = positionKey(topic, partition);
        missing.delete(key);
        const at = this.queue.fetchPosition(key);
        if (at !== undefined) this.consumer?.seek({ topic, partition, offset: String(at) });
      }
    }
    if (missing.size > 0) {
      this.o.log?.(
        "warn",
        `consumer group ${this.o.group} has another member: ${[...missing].join(", ")} assigned elsewhere. ` +
          "Run one eddy runner per group; its output is exact only for the partitions it reads.",
      );
    }
    // A kafkajs restart forgets pauses.
    for (const key of this.pausedParts) this.pausePartition(key, true);
  }

  /** Queued records per partition above which that partition is paused (resumed at half). */
  private partitionCap(): number {
    return Math.max(1000, Math.floor(this.o.maxQueued / Math.max(1, this.highs.size)));
  }

  private pausePartition(key: string, pause: boolean): void {
    const { topic, partition } = splitPositionKey(key);
    const tp = [{ topic, partitions: [partition] }];
    if (pause) {
      this.pausedParts.add(key);
      this.consumer?.pause(tp);
    } else {
      this.pausedParts.delete(key);
      this.consumer?.resume(tp);
    }
  }

  private finished(): boolean {
    if (!this.bounded) return false;
    for (const [key, end] of this.ends) if ((this.queue.returnedPosition(key) ?? 0) < end) return false;
    return true;
  }

  /**
   * True once every partition that had a backlog at start delivered its first batch (or after
   * PRIME_TIMEOUT_MS). Until then poll returns nothing: SPEC's watermark is the minimum over the
   * streams that have seen an event, so records of one topic handed over before another topic's
   * first fetch could push the watermark past that topic's whole backlog.
   */
  private primed(): boolean {
    for (const [key, start] of this.unprimed) if ((this.queue.fetchPosition(key) ?? start) > start) this.unprimed.delete(key);
    if (this.unprimed.size === 0) return true;
    if (Date.now() >= this.primeDeadline) {
      this.o.log?.("warn", `no data yet from ${[...this.unprimed.keys()].join(", ")} after ${PRIME_TIMEOUT_MS} ms; starting without waiting for them`);
      this.unprimed.clear();
      return true;
    }
    return false;
  }

  async poll(maxWaitMs: number, maxRecords: number): Promise<SourceRecord[] | null> {
    if (this.failure) throw this.failure;
    if (!this.primed()) {
      await this.queue.wait(Math.min(maxWaitMs, 50), true);
      if (this.failure) throw this.failure;
      if (!this.primed()) {
        this.checkBrokerDown();
        return [];
      }
    }
    if (this.queue.empty) {
      if (this.finished()) return null;
      await this.queue.wait(maxWaitMs);
      if (this.failure) throw this.failure;
    }
    let records = this.queue.take(maxRecords);
    if (records.length === 0 && !this.queue.empty) {
      // The aligned merge waits for a lagging partition's fetch: wait for it instead of spinning.
      await this.queue.wait(Math.min(maxWaitMs, 50), true);
      if (this.failure) throw this.failure;
      records = this.queue.take(maxRecords);
    }
    for (const key of this.pausedParts) if (this.queue.queuedOf(key) <= this.partitionCap() / 2) this.pausePartition(key, false);
    if (records.length === 0) {
      if (this.finished()) return null;
      this.checkBrokerDown();
    }
    return records;
  }

  /** Throws once the consumer has had no successful contact for brokerDownTimeoutMs. */
  private checkBrokerDown(): void {
    const down = Date.now() - this.lastContact;
    if (this.consumer && down > this.o.brokerDownTimeoutMs) {
      throw new Error(`lost Kafka at ${this.o.brokers.join(",")} for ${Math.round(down / 1000)} s: ${this.downCause}`);
    }
  }

  positions(): Positions {
    return this.queue.positions();
  }

  lag(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, high] of this.highs) out[key] = Math.max(0, high - (this.queue.returnedPosition(key) ?? high));
    return out;
  }

  private async refreshHighs(): Promise<void> {
    const admin = this.admin;
    if (!admin) return;
    try {
      for (const topic of this.o.topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) this.highs.set(positionKey(topic, p.partition), Number(p.high));
      }
    } catch {
      // Lag is informative only; the consumer reports outages.
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.lagTimer);
    clearTimeout(this.reconnectTimer);
    const { consumer, admin } = this;
    this.consumer = this.admin = undefined;
    this.queue.wake();
    const quit = (c: { disconnect(): Promise<void> } | undefined) =>
      c ? within(c.disconnect(), 10_000, () => new Error("disconnect timed out")).catch(() => {}) : undefined;
    await Promise.all([quit(consumer), quit(admin)]);
  }
}
