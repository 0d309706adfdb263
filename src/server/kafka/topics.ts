/**
 * Creating the topics eddy writes to when they are missing (output, side outputs, checkpoints),
 * so a fresh broker with auto-creation off works, and the checkpoint topic gets its compaction
 * settings instead of the broker defaults. Side outputs (`<topic>.dlq`, `<topic>.late`) take
 * their source topic's `max.message.bytes`: a record the source accepted must fit its dead letter.
 */
import type { Admin, Kafka } from "kafkajs";

// kafkajs's ConfigResourceTypes.TOPIC (a const enum in its types, so not importable as a value).
const TOPIC_RESOURCE = 2;
const MAX_MESSAGE_BYTES = "max.message.bytes";
/**
 * Added to the source's limit for its side topics: a side record carries the source's record plus
 * eddy's headers (reason, source topic, partition, offset), a few hundred bytes at most.
 */
export const SIDE_HEADROOM_BYTES = 8192;

/** One topic to create if missing. */
export interface TopicSpec {
  topic: string;
  /** Default 3 (the dev broker's default). */
  numPartitions?: number;
  config?: Record<string, string>;
}

/**
 * Creates the topics of `specs` that do not exist yet; topics that exist keep their settings.
 * A concurrent creation by another client (TOPIC_ALREADY_EXISTS) counts as success.
 */
export async function ensureTopics(admin: Admin, specs: TopicSpec[]): Promise<void> {
  if (specs.length === 0) return;
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({
      // kafkajs's own wait fails on the UNKNOWN_TOPIC_OR_PARTITION a KRaft broker answers for a
      // moment after creation; waitForLeaders below retries through it.
      waitForLeaders: false,
      topics: missing.map((s) => ({
        topic: s.topic,
        numPartitions: s.numPartitions ?? 3,
        replicationFactor: -1,
        configEntries: Object.entries(s.config ?? {}).map(([name, value]) => ({ name, value })),
      })),
    });
  } catch (err) {
    const type = (err as { type?: string }).type;
    const nested = (err as { errors?: Array<{ type?: string }> }).errors ?? [];
    const alreadyThere = type === "TOPIC_ALREADY_EXISTS" || (nested.length > 0 && nested.every((e) => e.type === "TOPIC_ALREADY_EXISTS"));
    if (!alreadyThere) throw err;
  }
  await waitForLeaders(admin, missing.map((s) => s.topic));
}

/** Polls metadata until every partition of `topics` has a leader, for at most `timeoutMs`. */
async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: meta } = await admin.fetchTopicMetadata({ topics });
      if (meta.length === topics.length && meta.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0))) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(", ")} have no leader ${timeoutMs / 1000} s after creation`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `max.message.bytes` of each of `topics` that exists (the topic's override or the broker's
 * default, as the broker applies it); topics that do not exist are left out.
 */
export async function maxMessageBytes(admin: Admin, topics: Iterable<string>): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const names = [...new Set(topics)].filter((t) => existing.has(t));
  const out = new Map<string, number>();
  if (names.length === 0) return out;
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({ type: TOPIC_RESOURCE, name, configNames: [MAX_MESSAGE_BYTES] })),
  });
  for (const r of resources) {
    const entry = r.configEntries.find((e) => e.configName === MAX_MESSAGE_BYTES);
    const v = Number(entry?.configValue);
    if (r.errorCode === 0 && Number.isSafeInteger(v) && v > 0) out.set(r.resourceName, v);
  }
  return out;
}

/** A side-output topic and the input topic whose records it receives. */
export interface SideTopic {
  topic: string;
  source: string;
}

/**
 * Remembers which topics exist, so a sink can create side-output topics (`<topic>.dlq`) on first
 * use without a metadata round trip per epoch.
 */
export class TopicRegistry {
  private readonly known = new Set<string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly numPartitions = 3,
  ) {}

  /** Ensures every topic of `topics` exists (creating the missing ones with `config`). */
  async ensure(topics: Iterable<string>, config?: Record<string, string>): Promise<void> {
    const missing = [...new Set(topics)].filter((t) => !this.known.has(t));
    if (missing.length === 0) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await ensureTopics(admin, missing.map((topic) => ({ topic, numPartitions: this.numPartitions, config })));
    } finally {
      await admin.disconnect().catch(() => {});
    }
    for (const t of missing) this.known.add(t);
  }

  private readonly limits = new Map<string, number>();

  /**
   * Ensures side-output topics exist, creating each missing one with its source topic's
   * `max.message.bytes` plus {@link SIDE_HEADROOM_BYTES} (when the source is a Kafka topic), and learns every side topic's own
   * limit (an existing one keeps its settings, which may be smaller): see {@link limitOf}.
   */
  async ensureSide(sides: Iterable<SideTopic>): Promise<void> {
    const todo = new Map<string, string>();
    for (const s of sides) if (!this.limits.has(s.topic)) todo.set(s.topic, s.source);
    if (todo.size === 0) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const missing = [...todo.keys()].filter((t) => !this.known.has(t));
      const sourceLimits = await maxMessageBytes(admin, missing.map((t) => todo.get(t)!));
      await ensureTopics(
        admin,
        missing.map((topic) => {
          const limit = sourceLimits.get(todo.get(topic)!);
          return { topic, numPartitions: this.numPartitions, config: limit ? { [MAX_MESSAGE_BYTES]: String(limit + SIDE_HEADROOM_BYTES) } : undefined };
        }),
      );
      for (const t of missing) this.known.add(t);
      for (const [t, v] of await maxMessageBytes(admin, todo.keys())) this.limits.set(t, v);
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /** `max.message.bytes` of a side topic learnt by {@link ensureSide} (undefined before). */
  limitOf(topic: string): number | undefined {
    return this.limits.get(topic);
  }
}
