/**
 * The checkpoint store of Kafka runs: checkpoints live on the compacted `eddy-checkpoints` topic,
 * keyed by consumer group, and `commit` is the single commit point of an epoch. It adds the
 * checkpoint records and the consumed offsets to the transaction in which the Kafka sink staged
 * the epoch's rows, and commits it: rows, offsets and state appear together or not at all, which
 * is what makes a read_committed consumer of the output see every row exactly once across
 * crashes (SPEC "Delivery"). See kafka-checkpoint-codec.ts for the record layout.
 */
import type { Checkpoint, CheckpointStore } from "../io/types";
import { readToEnd } from "../kafka/read-to-end";
import { TopicRegistry } from "../kafka/topics";
import type { TransactionalProducer } from "../kafka/transactional-producer";
import { CheckpointAssembler, DEFAULT_CHUNK_BYTES, encodeCheckpoint } from "./kafka-checkpoint-codec";

/** Default checkpoint topic. */
export const CHECKPOINT_TOPIC = "eddy-checkpoints";

/**
 * Settings of the checkpoint topic when eddy creates it: compacted, with segments rolled often
 * enough that the cleaner can drop superseded snapshots (the active segment is never cleaned).
 */
export const CHECKPOINT_TOPIC_CONFIG: Record<string, string> = {
  "cleanup.policy": "compact",
  "segment.ms": String(10 * 60_000),
  "segment.bytes": String(64 * 1024 * 1024),
  "min.cleanable.dirty.ratio": "0.1",
  "max.message.bytes": String(8 * 1024 * 1024),
};

/** Options of {@link KafkaCheckpointStore}. */
export interface KafkaCheckpointStoreOptions {
  /** Shared with the Kafka sink. */
  producer: TransactionalProducer;
  /** Consumer group of the source: the checkpoint key and the group whose offsets are committed. */
  group: string;
  /** Default `eddy-checkpoints`. */
  topic?: string;
  /**
   * Commit the checkpoint's positions as the group's consumer offsets (default true). Only for
   * Kafka sources: positions of a file or the generator are not Kafka offsets.
   */
  commitOffsets?: boolean;
  /** State bytes per record (default 512 KiB). */
  chunkBytes?: number;
  /** Bound on reading the topic to its end in `load` (default 60 s). */
  loadTimeoutMs?: number;
}

/** {@link CheckpointStore} on a compacted Kafka topic, committing in the sink's transaction. */
export class KafkaCheckpointStore implements CheckpointStore {
  private readonly topic: string;
  private opened: Promise<void> | undefined;

  constructor(private readonly o: KafkaCheckpointStoreOptions) {
    this.topic = o.topic ?? CHECKPOINT_TOPIC;
  }

  /** See {@link CheckpointStore.freshStart}. */
  get freshStart(): string {
    return `use a new --group (this checkpoint belongs to group '${this.o.group}')`;
  }

  /**
   * Joins the shared producer (fencing a crashed predecessor, whose open transaction the broker
   * then aborts) and creates the topic if missing. Idempotent; `load` and `commit` call it.
   */
  open(): Promise<void> {
    this.opened ??= (async () => {
      await this.o.producer.open();
      await new TopicRegistry(this.o.producer.kafka, 1).ensure([this.topic], CHECKPOINT_TOPIC_CONFIG);
    })().catch((err: unknown) => {
      this.opened = undefined;
      throw err;
    });
    return this.opened;
  }

  /**
   * The newest committed checkpoint of the group, or undefined. Fencing happens first, so a
   * transaction left open by a killed runner is aborted before the topic's end is taken.
   */
  async load(): Promise<Checkpoint | undefined> {
    await this.open();
    const assembler = new CheckpointAssembler(this.o.group);
    await readToEnd(this.o.producer.kafka, this.topic, (m) => assembler.add(m.key, m.value, m.headers), {
      timeoutMs: this.o.loadTimeoutMs,
    });
    return assembler.result();
  }

  /**
   * Sends the checkpoint and the offsets into the open transaction (with whatever the sinks
   * staged) and commits it. On failure the transaction is aborted and the error thrown: the
   * runner then restarts from the previous checkpoint.
   */
  async commit(checkpoint: Checkpoint): Promise<void> {
    await this.open();
    const p = this.o.producer;
    try {
      await p.send(this.topic, encodeCheckpoint(this.o.group, checkpoint, this.o.chunkBytes ?? DEFAULT_CHUNK_BYTES));
      if (this.o.commitOffsets !== false) await p.sendOffsets(this.o.group, checkpoint.positions);
      await p.commit();
    } catch (err) {
      await p.abort();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = undefined;
    await this.o.producer.close();
  }
}
