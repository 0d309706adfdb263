/**
 * The one Kafka consumer of a parallel runner: a member of consumer group `--group` (exactly that
 * id, so Kafka's own tools show the split) subscribed to the input and repartition topics, using
 * the co-partitioning assignor. It hands each fetched batch to the {@link TaskSource} of its
 * partition and reports every new assignment, from which the runner starts and stops tasks.
 *
 * Offsets are never auto-committed: each task commits its partitions' offsets in its own
 * transaction, with its rows and checkpoint. After a rejoin kafkajs fetches from the committed
 * offsets, which lag behind a task that kept its partitions; those are sought back to where the
 * task's queue expects to continue, and the queue drops anything re-delivered.
 */
import type { Consumer, Kafka } from "kafkajs";
import { positionKey, splitPositionKey } from "../io/types";
import { toRecord } from "../sources/kafka-source";
import { errorMessage, within } from "../kafka/client";
import { coPartitionAssignor } from "./assignor";
import type { ConsumerControl, TaskSource } from "./task-source";

/** Options of {@link GroupConsumer}. */
export interface GroupConsumerOptions {
  kafka: Kafka;
  group: string;
  topics: string[];
  /** Called after every join with the tasks (partition indexes) now assigned to this member. */
  onAssign(tasks: number[]): void;
  /** The source of a `topic:partition`, or undefined when no live task reads it. */
  sourceOf(key: string): TaskSource | undefined;
  /** Tasks this member holds (sent to the assignor, which keeps them here when it can). */
  held(): number[];
  sessionTimeoutMs?: number;
  log?: (level: "info" | "warn", message: string) => void;
}

/** See the module comment. */
export class GroupConsumer implements ConsumerControl {
  private consumer: Consumer | undefined;
  private failure: Error | undefined;
  private closed = false;
  private assigned = new Set<string>();

  constructor(private readonly o: GroupConsumerOptions) {}

  async start(): Promise<void> {
    const session = this.o.sessionTimeoutMs ?? 10_000;
    const consumer = this.o.kafka.consumer({
      groupId: this.o.group,
      readUncommitted: false,
      sessionTimeout: session,
      // A task restoring a big checkpoint must not look dead: joins wait for every member.
      rebalanceTimeout: Math.max(60_000, session),
      heartbeatInterval: Math.max(500, Math.floor(session / 5)),
      maxBytesPerPartition: 2 * 1024 * 1024,
      maxWaitTimeInMs: 500,
      partitionAssigners: [coPartitionAssignor(this.o.held)],
      retry: { initialRetryTime: 300, maxRetryTime: 3000, retries: 5, restartOnFailure: async () => !this.closed },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (this.closed) return void consumer.disconnect().catch(() => {});
      this.onJoin(payload.memberAssignment);
    });
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      // Batches of only control or aborted records never reach eachBatch but move the position.
      if (payload.batchSize === 0) this.o.sourceOf(positionKey(payload.topic, payload.partition))?.push(positionKey(payload.topic, payload.partition), [], Number(payload.lastOffset) + 1);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      const cause = errorMessage(payload.error);
      if (!payload.restart) this.failure = new Error(`Kafka consumer of group ${this.o.group} failed: ${cause}`, { cause: payload.error });
      else this.o.log?.("warn", `Kafka consumer of group ${this.o.group} lost the broker (${cause}); reconnecting`);
    });
    await consumer.connect();
    for (const topic of this.o.topics) await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch }) => {
        const key = positionKey(batch.topic, batch.partition);
        const source = this.o.sourceOf(key);
        if (!source) return;
        const now = Date.now();
        source.push(key, batch.messages.map((m) => toRecord(batch.topic, batch.partition, m, now)), Number(batch.lastOffset()) + 1, Number(batch.highWatermark));
      },
    });
  }

  private onJoin(assignment: Record<string, number[]>): void {
    const keys = new Set<string>();
    const tasks = new Set<number>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const p of partitions) {
        keys.add(positionKey(topic, p));
        tasks.add(p);
      }
    }
    this.assigned = keys;
    this.o.onAssign([...tasks].sort((a, b) => a - b));
    // Tasks kept through the rebalance continue where their queues are, not at committed offsets.
    for (const key of keys) {
      const source = this.o.sourceOf(key);
      const at = source?.fetchPosition(key);
      if (at !== undefined) this.seek(key, at);
      if (source?.pausedKeys.includes(key)) this.pause(key, true);
    }
  }

  seek(key: string, offset: number): void {
    if (!this.assigned.has(key)) return;
    const { topic, partition } = splitPositionKey(key);
    try {
      this.consumer?.seek({ topic, partition, offset: String(offset) });
    } catch (err) {
      this.o.log?.("warn", `cannot seek ${key} to ${offset}: ${errorMessage(err)}`);
    }
  }

  pause(key: string, paused: boolean): void {
    if (!this.assigned.has(key)) return;
    const { topic, partition } = splitPositionKey(key);
    if (paused) this.consumer?.pause([{ topic, partitions: [partition] }]);
    else this.consumer?.resume([{ topic, partitions: [partition] }]);
  }

  check(): void {
    if (this.failure) throw this.failure;
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.consumer;
    this.consumer = undefined;
    if (c) await within(c.disconnect(), 10_000, () => new Error("disconnect timed out")).catch(() => {});
  }
}
