/**
 * What a parallel runner checks and prepares before it joins its group: the input topics exist
 * and are co-partitioned (one user's clicks and transactions must share a partition index, or
 * the per-user join and sessions would see half of each user), the repartition topics exist with
 * one partition per task, and every partition's offsets at start (bounded runs end there).
 */
import type { Admin } from "kafkajs";
import { UsageError } from "../args";
import { ensureTopics } from "../kafka/topics";
import { offsetsWithRetry } from "../sources/kafka-source";
import type { PartitionBounds } from "./task-source";
import { byCategoryTopic, partialsTopic } from "./repartition";

/** The partition layout of a parallel run. */
export interface TaskLayout {
  /** Tasks: the largest partition count of the input topics. */
  tasks: number;
  partitions: Map<string, number>;
  /** Offsets at start per `topic:partition`, input and repartition topics. */
  bounds: Map<string, PartitionBounds>;
  partialsTopic: string;
  byCategoryTopic: string;
}

/**
 * Refuses topics that must be co-partitioned but are not, naming the fix. `joined`: the topics
 * whose events meet per user (clickstream and transactions).
 */
export function checkCoPartitioned(counts: ReadonlyMap<string, number>, joined: readonly string[]): void {
  const sizes = joined.map((t) => [t, counts.get(t) ?? 0] as const);
  const distinct = new Set(sizes.map(([, n]) => n));
  if (distinct.size <= 1) return;
  const most = Math.max(...distinct);
  throw new UsageError(
    `parallel runners need co-partitioned inputs, but ${sizes.map(([t, n]) => `'${t}' has ${n} partitions`).join(" and ")}: ` +
      `one user's events must share a partition index in both. Fix: give them the same count, e.g. re-create the smaller as ${most} partitions and re-produce it ` +
      `(kafka-topics.sh --create --topic NAME --partitions ${most}); adding partitions with --alter would move existing users' keys. ` +
      "Or run one runner without --parallel, which reads every partition.",
    { helpHint: false },
  );
}

/** Partition count per topic (0 when the topic does not exist). */
export async function partitionCounts(admin: Admin, topics: readonly string[]): Promise<Map<string, number>> {
  const existing = new Set(await admin.listTopics());
  const out = new Map<string, number>(topics.map((t) => [t, 0]));
  const present = topics.filter((t) => existing.has(t));
  if (present.length) {
    const { topics: meta } = await admin.fetchTopicMetadata({ topics: present });
    for (const t of meta) out.set(t.name, t.partitions.length);
  }
  return out;
}

/** Prepares the layout (see the module comment); `createPartitions` sizes missing input topics. */
export async function prepareLayout(admin: Admin, group: string, inputs: readonly string[], joined: readonly string[], createPartitions: number): Promise<TaskLayout> {
  await ensureTopics(admin, inputs.map((topic) => ({ topic, numPartitions: createPartitions })));
  const counts = await partitionCounts(admin, inputs);
  checkCoPartitioned(counts, joined);
  const tasks = Math.max(...counts.values());
  const partials = partialsTopic(group);
  const byCategory = byCategoryTopic(group);
  await ensureTopics(admin, [partials, byCategory].map((topic) => ({ topic, numPartitions: tasks })));
  const internal = await partitionCounts(admin, [partials, byCategory]);
  for (const [topic, n] of internal) {
    if (n !== tasks) {
      throw new UsageError(
        `internal topic '${topic}' has ${n} partitions but the inputs now have ${tasks}: the input partition count changed since group '${group}' last ran. ` +
          `Fix: use a new --group (its state was split by the old count), or delete '${topic}' and the group's checkpoints.`,
        { helpHint: false },
      );
    }
  }
  const bounds = new Map<string, PartitionBounds>();
  for (const topic of [...inputs, partials, byCategory]) {
    for (const p of await offsetsWithRetry(admin, topic)) bounds.set(`${topic}:${p.partition}`, { low: Number(p.low), high: Number(p.high) });
  }
  counts.set(partials, tasks);
  counts.set(byCategory, tasks);
  return { tasks, partitions: counts, bounds, partialsTopic: partials, byCategoryTopic: byCategory };
}
