/**
 * The Kafka bridge: a consumer of the input topics and of the results topic, from their end
 * (the console shows what happens now), committing nothing under a group of its own, so it
 * never moves the runner's offsets. eachBatch hands messages to the hub, which only copies them
 * into its batch: the consumer never waits for a client.
 */
import type { Admin, Consumer, Kafka, Producer } from "kafkajs";
import type { SourceInfo, TopicInfo } from "../../core/frames";
import { createKafka, waitForBroker, within } from "../kafka/client";
import { LinearPartitioner } from "../kafka/partitioner";
import { ensureTopics } from "../kafka/topics";
import type { HistoryReader } from "./history";
import type { Hub } from "./hub";
import { browseKafka } from "./kafka-browse";
import { readKafkaHistory } from "./kafka-history";
import { headerText, type MessageLog } from "./message-log";
import { type BrowseQuery, type BrowseResult, type GatewaySource, type GroupListing, type GroupSummary, isInternalTopic, type OutgoingMessage, type TopicListing } from "./source";

/** Longest wait of one fetch on topics with nothing new (kafkajs's default is 5 s). */
const FETCH_MAX_WAIT_MS = 500;

/** Options of {@link KafkaBridgeSource}. */
export interface KafkaBridgeOptions {
  brokers: string[];
  topics?: { clickstream: string; transactions: string; orders: string };
  /** Default `analytics-results`. */
  resultsTopic?: string;
  /** Consumer group (default `eddy-gateway-<random>`; it commits nothing). */
  groupId?: string;
  /** Topics of the user-defined metrics' declared inputs (kind `declared`), forwarded too. */
  declared?: TopicInfo[];
}

/** See the module comment. */
export class KafkaBridgeSource implements GatewaySource {
  readonly topics: TopicInfo[];
  readonly resultsTopic: string;
  readonly info: SourceInfo;
  private readonly kafka: Kafka;
  private consumer: Consumer | undefined;
  private producer: Producer | undefined;
  private admin: Admin | undefined;
  /** Messages behind the end of each input partition after the consumer's newest batch. */
  private readonly lagByPartition = new Map<string, number>();
  readonly history: HistoryReader = { readHistory: (req) => readKafkaHistory(this.kafka, this.opts.brokers, this.admin!, req) };

  constructor(private readonly opts: KafkaBridgeOptions) {
    const t = opts.topics ?? { clickstream: "clickstream", transactions: "transactions", orders: "orders" };
    this.topics = [
      { name: t.clickstream, kind: "clickstream" },
      { name: t.transactions, kind: "transactions" },
      { name: t.orders, kind: "orders" },
      ...(opts.declared ?? []),
    ];
    this.resultsTopic = opts.resultsTopic ?? "analytics-results";
    this.info = { kind: "kafka", description: `Kafka ${opts.brokers.join(",")}` };
    this.kafka = createKafka({ brokers: opts.brokers, clientId: "eddy-gateway" });
  }

  async start(hub: Hub, log: MessageLog): Promise<void> {
    await waitForBroker(this.opts.brokers);
    this.admin = this.kafka.admin();
    await this.admin.connect();
    // Subscribing to a missing topic fails; the runner and generator create the same names.
    await ensureTopics(this.admin, [...this.topics.map((t) => ({ topic: t.name })), { topic: this.resultsTopic }]);
    this.producer = this.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: LinearPartitioner });
    await this.producer.connect();
    const groupId = this.opts.groupId ?? `eddy-gateway-${Math.random().toString(36).slice(2, 10)}`;
    // A fetch on idle topics waits at most this long; disconnect() waits for the fetch in flight,
    // so a short wait keeps Ctrl-C prompt (data still returns as soon as it arrives: minBytes 1).
    this.consumer = this.kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: FETCH_MAX_WAIT_MS });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [...this.topics.map((t) => t.name), this.resultsTopic], fromBeginning: false });
    const results = this.resultsTopic;
    // "From the end" is resolved when the group gets its partitions: wait for that, so that what
    // is produced after start() resolves is seen.
    const consumer = this.consumer;
    const joined = new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const { topic, partition } = batch;
        for (const m of batch.messages) {
          const ts = Number(m.timestamp);
          const key = m.key ? m.key.toString() : null;
          log.append(topic, partition, m.offset, ts, key, m.value, headerText(m.headers as Record<string, unknown> | undefined));
          if (topic === results) {
            if (!m.value) continue;
            try {
              const row: unknown = JSON.parse(m.value.toString());
              if (row && typeof row === "object" && !Array.isArray(row)) hub.result(row as Record<string, unknown>);
            } catch {
              // Not a result row (another producer on the topic): shown in the browser, not forwarded.
            }
          } else if (m.value) {
            hub.ingest({ topic, partition, offset: Number(m.offset), value: m.value, timestamp: ts });
          }
        }
        if (topic !== results && batch.messages.length) {
          // The console's own consumer lag: what the partition holds past this batch.
          this.lagByPartition.set(`${topic}:${partition}`, Math.max(0, Number(batch.highWatermark) - Number(batch.lastOffset()) - 1));
          let lag = 0;
          for (const v of this.lagByPartition.values()) lag += v;
          hub.lag = lag;
        }
      },
    });
    await within(joined, 60_000, () => new Error(`the gateway's consumer did not join group ${groupId} within 60 s`));
  }

  async stop(): Promise<void> {
    await Promise.allSettled([this.consumer?.disconnect(), this.producer?.disconnect(), this.admin?.disconnect()]);
  }

  async listTopics(): Promise<TopicListing[]> {
    const admin = this.admin!;
    const names = (await admin.listTopics()).sort();
    const groups = await this.groupOffsets(names);
    const kinds = new Map(this.topics.map((t) => [t.name, t.kind]));
    return Promise.all(
      names.map(async (name) => {
        const offs = await admin.fetchTopicOffsets(name);
        const partitions = offs
          .map((o) => ({ partition: o.partition, low: o.low, high: o.high, messages: Number(o.high) - Number(o.low) }))
          .sort((a, b) => a.partition - b.partition);
        const high = new Map(partitions.map((p) => [p.partition, Number(p.high)]));
        const listed: GroupListing[] = [];
        for (const [groupId, topics] of groups) {
          const parts = (topics.get(name) ?? []).filter((p) => Number(p.offset) >= 0);
          if (parts.length === 0) continue;
          const lagged = parts.map((p) => ({ partition: p.partition, offset: p.offset, lag: Math.max(0, (high.get(p.partition) ?? 0) - Number(p.offset)) }));
          listed.push({ groupId, lag: lagged.reduce((s, p) => s + p.lag, 0), partitions: lagged });
        }
        return { name, kind: kinds.get(name) ?? null, internal: isInternalTopic(name), partitions, groups: listed };
      }),
    );
  }

  /** Committed offsets on `topics` of every consumer group but the gateway's own, by group and topic. */
  private async groupOffsets(topics: string[]): Promise<Map<string, Map<string, { partition: number; offset: string }[]>>> {
    const admin = this.admin!;
    const ids = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => !g.startsWith("eddy-gateway-"));
    const out = new Map<string, Map<string, { partition: number; offset: string }[]>>();
    // Committed offsets are never on the broker's own topics; without a topic list kafkajs asks for none.
    const names = topics.filter((n) => !n.startsWith("__"));
    await Promise.all(
      ids.map(async (groupId) => {
        const topics = await admin.fetchOffsets({ groupId, topics: names });
        out.set(groupId, new Map(topics.map((t) => [t.topic, t.partitions])));
      }),
    );
    return out;
  }

  async listGroups(): Promise<GroupSummary[]> {
    const admin = this.admin!;
    const offsets = await this.groupOffsets(await admin.listTopics());
    const described = offsets.size ? (await admin.describeGroups([...offsets.keys()])).groups : [];
    const ends = new Map<string, Map<number, number>>();
    const endOf = async (topic: string) => {
      let m = ends.get(topic);
      if (!m) ends.set(topic, (m = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]))));
      return m;
    };
    const out: GroupSummary[] = [];
    for (const [groupId, topics] of [...offsets].sort((a, b) => a[0].localeCompare(b[0]))) {
      const d = described.find((g) => g.groupId === groupId);
      const rows: GroupSummary["topics"] = [];
      for (const [topic, parts] of [...topics].sort((a, b) => a[0].localeCompare(b[0]))) {
        const committed = parts.filter((p) => Number(p.offset) >= 0);
        if (committed.length === 0) continue;
        const high = await endOf(topic);
        const partitions = committed
          .map((p) => ({ partition: p.partition, offset: p.offset, end: String(high.get(p.partition) ?? 0), lag: Math.max(0, (high.get(p.partition) ?? 0) - Number(p.offset)) }))
          .sort((a, b) => a.partition - b.partition);
        rows.push({ topic, lag: partitions.reduce((s, p) => s + p.lag, 0), partitions });
      }
      if (rows.length) out.push({ groupId, state: d?.state ?? "Unknown", members: d?.members.length ?? 0, lag: rows.reduce((s, t) => s + t.lag, 0), topics: rows });
    }
    return out;
  }

  browse(q: BrowseQuery): Promise<BrowseResult> {
    return browseKafka(this.kafka, this.admin!, q);
  }

  async produce(topic: string, messages: OutgoingMessage[]): Promise<void> {
    await this.producer!.send({ topic, messages: messages.map((m) => ({ key: m.key, value: m.value })) });
  }
}
