/**
 * The Kafka sink: final rows as SPEC JSON on `analytics-results` (key = metric + key fields),
 * purchase anomalies also on `anomalies`, invalid input on `<topic>.dlq` and late input on
 * `<topic>.late`. Everything is sent inside the runner's open transaction at `prepare`; the
 * Kafka checkpoint store commits it with the checkpoint, so nothing here is visible to a
 * read_committed consumer before the epoch's checkpoint is.
 *
 * Only final rows: SPEC says sinks that keep history receive final rows, so there is no
 * `updates` (Spark's append output mode).
 */
import { createHash } from "node:crypto";
import type { Message } from "kafkajs";
import { MetricRegistry } from "../../core/metrics/registry";
import type { Checkpoint, Epoch, OutputRow, SideRecord, Sink } from "../io/types";
import { TopicRegistry } from "../kafka/topics";
import type { TransactionalProducer } from "../kafka/transactional-producer";
import { DEFAULT_MAX_MESSAGE_BYTES, fitRecord } from "./side-record-fit";

/** Default output topic of every metric. */
export const RESULTS_TOPIC = "analytics-results";
/** Default extra topic of purchase anomalies. */
export const ANOMALIES_TOPIC = "anomalies";

/** Options of {@link KafkaSink}. */
export interface KafkaSinkOptions {
  /** Shared with the Kafka checkpoint store, which commits what `prepare` sends. */
  producer: TransactionalProducer;
  /** Topic of metrics without an entry in `topics` (default `analytics-results`). */
  resultsTopic?: string;
  /**
   * Topics per metric, replacing the default; e.g. `{ orders_metrics: ["product-metrics"] }`.
   * Default: every metric to `resultsTopic`, `purchase_anomalies` also to `anomalies`.
   */
  topics?: Partial<Record<string, string[]>>;
  /** Partitions of the topics it creates (default 3). */
  partitions?: number;
  /** The run's metrics (default: the SPEC metrics). */
  metrics?: MetricRegistry;
  /** Sink name, the key of its bookkeeping in checkpoints (default `kafka`). */
  name?: string;
}

/** Records encoded per step of {@link KafkaSink.prepare} (a few ms of work between two sends). */
const RECORDS_PER_STEP = 2000;

/** Most UTF-8 bytes of a row's message key (see {@link boundedKey}). */
export const MAX_ROW_KEY_BYTES = 256;

/**
 * `key` when it has at most {@link MAX_ROW_KEY_BYTES} bytes of UTF-8, else its first bytes (cut at
 * a character boundary) then `#` and 16 hex digits of its SHA-256, 256 bytes in all: still one key
 * per distinct row key, so a key's rows keep sharing a partition, and never a huge key to hash or
 * store (input ids are bounded, but a row key joins several of them).
 */
export function boundedKey(key: string): string {
  if (key.length * 3 <= MAX_ROW_KEY_BYTES) return key;
  const bytes = Buffer.from(key);
  if (bytes.length <= MAX_ROW_KEY_BYTES) return key;
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 16);
  let end = MAX_ROW_KEY_BYTES - hash.length - 1;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString()}#${hash}`;
}

/** The message key of a row: metric and key fields joined by `|` (e.g. `page_views|prod-001`), bounded. */
export function rowKey(row: OutputRow, metrics: MetricRegistry = MetricRegistry.builtin()): string {
  return boundedKey(metrics.messageKey(row));
}

function header(v: string | number): string {
  return String(v);
}

/** A side-output record: the input key and value unchanged (bytes as read), with the SPEC headers. */
export function dlqMessage(side: SideRecord): Message {
  const r = side.record;
  const k = r.keyBytes;
  return {
    key: k ? Buffer.from(k.buffer, k.byteOffset, k.byteLength) : r.key,
    value: r.value === null ? null : typeof r.value === "string" ? r.value : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
    headers: {
      "eddy-error": side.reason,
      "eddy-source-topic": r.topic,
      "eddy-source-partition": header(r.partition),
      "eddy-source-offset": header(r.offset),
    },
  };
}

/** A late record: the input value unchanged, with the reason and the same source headers. */
export function lateMessage(side: SideRecord): Message {
  const m = dlqMessage(side);
  const { "eddy-error": reason, ...source } = m.headers!;
  return { ...m, headers: { "eddy-late-reason": reason, ...source } };
}

/** Groups messages by topic, keeping their order within each topic. */
function byTopic<T>(items: readonly T[], route: (item: T) => Array<[string, Message]>): Map<string, Message[]> {
  const out = new Map<string, Message[]>();
  for (const item of items) {
    for (const [topic, m] of route(item)) {
      let list = out.get(topic);
      if (!list) out.set(topic, (list = []));
      list.push(m);
    }
  }
  return out;
}

/** {@link Sink} writing to Kafka inside the runner's transaction. */
export class KafkaSink implements Sink {
  readonly name: string;
  private readonly results: string;
  private readonly registry: TopicRegistry;
  private opened = false;

  constructor(private readonly o: KafkaSinkOptions) {
    this.name = o.name ?? "kafka";
    this.results = o.resultsTopic ?? RESULTS_TOPIC;
    this.registry = new TopicRegistry(o.producer.kafka, o.partitions ?? 3);
  }

  /** The topics a row of `metric` goes to. */
  topicsFor(metric: string): string[] {
    const configured = this.o.topics?.[metric];
    if (configured) return configured;
    return metric === "purchase_anomalies" ? [this.results, ANOMALIES_TOPIC] : [this.results];
  }

  async open(): Promise<void> {
    await this.o.producer.open();
    this.opened = true;
    const topics = new Set<string>([this.results, ...Object.values(this.o.topics ?? {}).flat().filter((t): t is string => !!t)]);
    if (!this.o.topics?.purchase_anomalies) topics.add(ANOMALIES_TOPIC);
    await this.registry.ensure(topics);
  }

  /** Whatever a crashed or failed epoch staged is aborted; committed epochs are already visible. */
  async recover(_checkpoint: Checkpoint | undefined): Promise<void> {
    await this.o.producer.abort();
  }

  /**
   * Sends the epoch's rows, DLQ and late records into the open transaction. Not visible until
   * the checkpoint store commits; on failure the transaction is aborted and the error thrown.
   * Records are encoded {@link RECORDS_PER_STEP} at a time, each step sent before the next is
   * encoded: the runner keeps processing while an epoch commits, and a big epoch encoded in one
   * go would stall it for as long.
   */
  async prepare(epoch: Epoch): Promise<unknown> {
    const metrics = this.o.metrics ?? MetricRegistry.builtin();
    const rowTopics = new Set<string>();
    for (const metric of new Set(epoch.rows.map((r) => r.metric))) for (const t of this.topicsFor(metric)) rowTopics.add(t);
    const sides = new Map<string, string>();
    for (const s of epoch.dlq) sides.set(`${s.record.topic}.dlq`, s.record.topic);
    for (const s of epoch.late) sides.set(`${s.record.topic}.late`, s.record.topic);
    try {
      await this.registry.ensure(rowTopics);
      await this.registry.ensureSide([...sides].map(([topic, source]) => ({ topic, source })));
    } catch (err) {
      await this.o.producer.abort();
      throw err;
    }
    await this.sendInSteps(epoch.rows, (row) => {
      const m: Message = { key: rowKey(row, metrics), value: JSON.stringify(metrics.toJson(row)) };
      return this.topicsFor(row.metric).map((t) => [t, m]);
    });
    await this.sendInSteps(epoch.dlq, (s) => [[`${s.record.topic}.dlq`, dlqMessage(s)]], true);
    await this.sendInSteps(epoch.late, (s) => [[`${s.record.topic}.late`, lateMessage(s)]], true);
    return { rows: epoch.rows.length, dlq: epoch.dlq.length, late: epoch.late.length };
  }

  /** Encodes and sends `items` a step at a time, in order per topic; side records fitted to their topic's limit. */
  private async sendInSteps<T>(items: readonly T[], route: (item: T) => Array<[string, Message]>, side = false): Promise<void> {
    for (let i = 0; i < items.length; i += RECORDS_PER_STEP) {
      for (const [topic, messages] of byTopic(items.slice(i, i + RECORDS_PER_STEP), route)) {
        const limit = this.registry.limitOf(topic) ?? DEFAULT_MAX_MESSAGE_BYTES;
        await this.o.producer.send(topic, side ? messages.map((m) => fitRecord(m, limit, topic)) : messages);
      }
    }
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    await this.o.producer.close();
  }
}
