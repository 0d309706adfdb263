/**
 * The one transactional producer of a Kafka runner, shared by the Kafka sink (which stages an
 * epoch's rows, DLQ and late records in the open transaction) and the Kafka checkpoint store
 * (which adds the checkpoint record and the consumed offsets, then commits): so rows, offsets
 * and state become visible to read_committed consumers together or not at all.
 *
 * The transactionalId is stable per consumer group (`eddy-<group>`), so a restarted runner
 * fences its crashed predecessor and the broker aborts whatever that one left open. Failures
 * abort the transaction and surface; a producer whose abort failed too is replaced on next use
 * (re-initialising the id aborts the dangling transaction on the broker).
 */
import type { Kafka, Message, Producer, Transaction } from "kafkajs";
import { positionKey, type Positions, splitPositionKey } from "../io/types";
import { errorMessage, within } from "./client";
import { LinearPartitioner } from "./partitioner";

/** Options of {@link TransactionalProducer}. */
export interface TransactionalProducerOptions {
  /** Stable per runner/group, e.g. {@link transactionalIdFor}(group). */
  transactionalId: string;
  /** Broker-side bound on an open transaction of a crashed runner (default 60 s). */
  transactionTimeoutMs?: number;
  /** Payload bytes per produce request; keeps each record batch under the broker's 1 MB limit (default 512 KiB). */
  maxRequestBytes?: number;
  /**
   * Records per produce request (default 500). kafkajs groups a request's records by partition
   * copying the partition's array for every record, so its cost grows with the square of this.
   */
  maxRequestRecords?: number;
  /** Bound on one send/commit/abort however kafkajs retries (default 60 s). */
  operationTimeoutMs?: number;
  /**
   * Re-initialise the id after the producer was dropped (default true: a single runner's
   * producer comes back after a broker outage). A parallel task's producer must not: its id is
   * shared with whichever runner owns the task now, and re-initialising would fence that owner.
   */
  reinitialise?: boolean;
}

/** The transactionalId of the runner of consumer group `group`. */
export function transactionalIdFor(group: string): string {
  return `eddy-${group}`;
}

/** Rough encoded size of one record: enough to keep produce requests well under the limits. */
function recordBytes(m: Message): number {
  const len = (v: Buffer | string | null | undefined) => (v == null ? 0 : typeof v === "string" ? Buffer.byteLength(v) : v.length);
  let n = 64 + len(m.key) + len(m.value);
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    n += 8 + Buffer.byteLength(k) + (Array.isArray(v) ? v.reduce((s, x) => s + len(x), 0) : len(v as Buffer | string | undefined));
  }
  return n;
}

/** Splits Kafka's `topic:partition` position keys into sendOffsets' shape. */
export function offsetsOf(positions: Positions, metadata?: string): Array<{ topic: string; partitions: Array<{ partition: number; offset: string; metadata?: string }> }> {
  const byTopic = new Map<string, Array<{ partition: number; offset: string; metadata?: string }>>();
  for (const [key, offset] of Object.entries(positions)) {
    const { topic, partition } = splitPositionKey(key);
    if (!topic || !Number.isInteger(partition) || positionKey(topic, partition) !== key) {
      throw new Error(`position key '${key}' is not a Kafka topic:partition`);
    }
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    list.push(metadata === undefined ? { partition, offset: String(offset) } : { partition, offset: String(offset), metadata });
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
}

/** A reference-counted transactional producer: `open()` by each user, `close()` by each. */
export class TransactionalProducer {
  private readonly o: Required<TransactionalProducerOptions>;
  private producer: Producer | undefined;
  private tx: Transaction | undefined;
  private users = 0;
  private connecting: Promise<void> | undefined;
  private initialised = false;

  constructor(
    readonly kafka: Kafka,
    options: TransactionalProducerOptions,
  ) {
    this.o = { transactionTimeoutMs: 60_000, maxRequestBytes: 512 * 1024, maxRequestRecords: 500, operationTimeoutMs: 60_000, reinitialise: true, ...options };
  }

  get transactionalId(): string {
    return this.o.transactionalId;
  }

  /** True while a transaction is open (something may be staged in it). */
  get inTransaction(): boolean {
    return this.tx !== undefined;
  }

  /**
   * Connects on the first call and initialises the transactional id, which fences an older
   * producer with the same id and makes the broker abort its open transaction.
   */
  async open(): Promise<void> {
    this.users++;
    try {
      await this.connected();
    } catch (err) {
      this.users--;
      throw err;
    }
  }

  private connected(): Promise<void> {
    if (this.producer) return Promise.resolve();
    if (this.initialised && !this.o.reinitialise) {
      return Promise.reject(new Error(`transactional id ${this.o.transactionalId} was fenced by a newer producer (another runner took its task) or lost; it is not re-initialised`));
    }
    this.connecting ??= (async () => {
      const producer = this.kafka.producer({
        transactionalId: this.o.transactionalId,
        transactionTimeout: this.o.transactionTimeoutMs,
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: LinearPartitioner,
      });
      try {
        await this.bounded(producer.connect(), "connect");
        // kafkajs initialises the producer id with the first transaction; do it now so the
        // fencing (and the abort of a predecessor's transaction) happens before anything is read.
        const tx = await this.bounded(producer.transaction(), "init transactions");
        await this.bounded(tx.abort(), "abort");
        this.producer = producer;
        this.initialised = true;
      } catch (err) {
        await producer.disconnect().catch(() => {});
        throw err;
      }
    })().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private bounded<T>(p: Promise<T>, what: string): Promise<T> {
    const ms = this.o.operationTimeoutMs;
    return within(p, ms, () => new Error(`Kafka ${what} (transactional id ${this.o.transactionalId}) did not finish within ${ms / 1000} s`));
  }

  private async begin(): Promise<Transaction> {
    if (this.tx) return this.tx;
    await this.connected();
    this.tx = await this.bounded(this.producer!.transaction(), "begin transaction");
    return this.tx;
  }

  /** Sends `messages` to `topic` inside the open transaction (opening one if none is). */
  async send(topic: string, messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const tx = await this.begin();
    try {
      let chunk: Message[] = [];
      let bytes = 0;
      for (const m of messages) {
        const n = recordBytes(m);
        if (chunk.length > 0 && (bytes + n > this.o.maxRequestBytes || chunk.length >= this.o.maxRequestRecords)) {
          await this.bounded(tx.send({ topic, messages: chunk, acks: -1 }), `send to ${topic}`);
          chunk = [];
          bytes = 0;
        }
        chunk.push(m);
        bytes += n;
      }
      await this.bounded(tx.send({ topic, messages: chunk, acks: -1 }), `send to ${topic}`);
    } catch (err) {
      await this.abort();
      throw new Error(`Kafka transaction failed sending to ${topic}: ${errorMessage(err)}`, { cause: err });
    }
  }

  /**
   * Adds the consumed `positions` of consumer group `groupId` to the open transaction, with
   * `metadata` on each offset when given (Kafka keeps it with the committed offset).
   */
  async sendOffsets(groupId: string, positions: Positions, metadata?: string): Promise<void> {
    const topics = offsetsOf(positions, metadata);
    if (topics.length === 0) return;
    const tx = await this.begin();
    try {
      await this.bounded(tx.sendOffsets({ consumerGroupId: groupId, topics }), "send offsets");
    } catch (err) {
      await this.abort();
      throw new Error(`Kafka transaction failed adding the offsets of group ${groupId}: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** Commits the open transaction (a no-op when none is open). On failure aborts and throws. */
  async commit(): Promise<void> {
    const tx = this.tx;
    if (!tx) return;
    try {
      await this.bounded(tx.commit(), "commit");
      this.tx = undefined;
    } catch (err) {
      await this.abort();
      throw new Error(`Kafka transaction commit failed: ${errorMessage(err)}`, { cause: err });
    }
  }

  /**
   * Aborts the open transaction, if any. Never throws: when the abort itself fails the producer
   * is dropped, and the next use re-initialises the id, which aborts it on the broker.
   */
  async abort(): Promise<void> {
    const tx = this.tx;
    this.tx = undefined;
    if (!tx) return;
    try {
      if (tx.isActive()) await this.bounded(tx.abort(), "abort");
    } catch {
      const producer = this.producer;
      this.producer = undefined;
      await producer?.disconnect().catch(() => {});
    }
  }

  /** Releases one user; the last one aborts what is open and disconnects. */
  async close(): Promise<void> {
    if (this.users > 0) this.users--;
    if (this.users > 0) return;
    await this.abort();
    const producer = this.producer;
    this.producer = undefined;
    if (producer) await within(producer.disconnect(), 5000, () => new Error("disconnect timed out")).catch(() => {});
  }
}
