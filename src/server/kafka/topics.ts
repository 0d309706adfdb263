/**
 * Creating the topics eddy writes to when they are missing (output, side outputs, checkpoints),
 * so a fresh broker with auto-creation off works, and the checkpoint topic gets its compaction
 * settings instead of the broker defaults.
 */
import type { Admin, Kafka } from "kafkajs";

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
}
