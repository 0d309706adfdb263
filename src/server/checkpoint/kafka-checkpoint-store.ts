/**
 * The checkpoint store of Kafka runs: checkpoints live on the compacted `eddy-checkpoints` topic,
 * keyed by consumer group, and `commit` is the single commit point of an epoch. It adds the
 * checkpoint records and the consumed offsets to the transaction in which the Kafka sink staged
 * the epoch's rows, and commits it: rows, offsets and state appear together or not at all, which
 * is what makes a read_committed consumer of the output see every row exactly once across
 * crashes (SPEC "Delivery"). Checkpoints are incremental — mostly a delta against the previous
 * epoch's state (state-chain.ts); see kafka-checkpoint-codec.ts for the record layout.
 *
 * Every key a store writes derives from its group and every record it keeps in memory is its
 * own, so several stores (one per task, each with its own group and producer) share one topic
 * without mixing their checkpoints.
 */
import type { KafkaMessage } from "kafkajs";
import type { Checkpoint, CheckpointStore } from "../io/types";
import type { CheckpointScan } from "./checkpoint-scan";
import { readToEnd } from "../kafka/read-to-end";
import { CheckpointSettingsError } from "../runner/restore-errors";
import { TopicRegistry } from "../kafka/topics";
import type { TransactionalProducer } from "../kafka/transactional-producer";
import { CheckpointRestoreError } from "../runner/restore-errors";
import { CheckpointAssembler } from "./kafka-checkpoint-assembler";
import { KafkaChainWriter } from "./kafka-checkpoint-writer";
import { ChainError, type ChainPolicy, CheckpointFormatError, materialize } from "./state-chain";

/**
 * Which other mode wrote `recordKey` for `group`, if it did: a single runner's checkpoint is keyed
 * by the group, a parallel runner's tasks' by `<group>#task-<p>` and `<group>#merge-<p>`.
 */
function otherModeOf(recordKey: string, group: string, ownKey: string): string | undefined {
  const parallel = ownKey !== group;
  if (parallel && recordKey === group) return "a single runner";
  if (!parallel && /^.+#(task|merge)-\d+$/.test(recordKey) && recordKey.slice(0, recordKey.lastIndexOf("#")) === group) return "parallel runners";
  return undefined;
}

/** Offset metadata of a parallel merge task that reached the end of a bounded run. */
export const ENDED_OFFSET_METADATA = "eddy:ended";

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
  /**
   * Key of the checkpoint records (default: the group). A parallel runner's tasks each keep their
   * own checkpoint, keyed `<group>#task-<p>`, while committing offsets for the group.
   */
  key?: string;
  /** A read of the topic shared with other stores (parallel tasks); default: a read of its own. */
  scan?: CheckpointScan;
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
  /** When to store the whole state rather than a delta (see state-chain.ts). */
  chain?: ChainPolicy;
}

/** What the last successful commit wrote (for logs and benchmarks). */
export interface CommitStats {
  epoch: number;
  /** `base`: the whole state; `delta`: changes since the previous epoch. */
  kind: "base" | "delta";
  /** Keys plus values of the records sent (state, tombstones, manifest). */
  bytes: number;
  records: number;
  /** Length of the chain a restore of this epoch reads (1 = a base alone). */
  chainLength: number;
}

/** {@link CheckpointStore} on a compacted Kafka topic, committing in the sink's transaction. */
export class KafkaCheckpointStore implements CheckpointStore {
  private readonly topic: string;
  private opened: Promise<void> | undefined;
  private readonly writer: KafkaChainWriter;
  private loaded = false;
  private lastEpoch = -Infinity;
  /** What the last successful commit wrote. */
  lastCommit: CommitStats | undefined;

  constructor(private readonly o: KafkaCheckpointStoreOptions) {
    this.topic = o.topic ?? CHECKPOINT_TOPIC;
    this.writer = new KafkaChainWriter(o.key ?? o.group, o.chunkBytes, o.chain);
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
   * transaction left open by a killed runner is aborted before the topic's end is taken. A
   * checkpoint that cannot be rebuilt (damaged, or of a newer format) is a
   * {@link CheckpointRestoreError}: reading it again would not help.
   */
  async load(): Promise<Checkpoint | undefined> {
    await this.open();
    const key = this.o.key ?? this.o.group;
    const assembler = new CheckpointAssembler(key);
    let otherMode: string | undefined;
    const each = (m: KafkaMessage) => {
      assembler.add(m.key, m.value, m.headers);
      if (m.key && otherMode === undefined) otherMode = otherModeOf(m.key.toString(), this.o.group, key);
    };
    try {
      if (this.o.scan) await this.o.scan.read(each);
      else await readToEnd(this.o.producer.kafka, this.topic, each, { timeoutMs: this.o.loadTimeoutMs });
      if (otherMode) {
        throw new CheckpointSettingsError(
          `consumer group '${this.o.group}' has checkpoints of ${otherMode}, whose state is split differently: ` +
            "a group runs either as one runner or as parallel runners (--parallel, --workers). Use a new --group, or run it as before.",
        );
      }
      const found = assembler.result();
      this.writer.reset(assembler.liveKeys());
      this.loaded = true;
      if (!found) return undefined;
      if (found.format === 1) {
        // The next commit starts a chain with a base; the format-1 chunks are tombstoned with it.
        this.lastEpoch = found.checkpoint.epoch;
        return found.checkpoint;
      }
      const m = found.manifest;
      const state = await materialize(m.chain, found.payloads, { stateBytes: m.state.bytes, sha256: m.state.sha256 });
      this.writer.reset(assembler.liveKeys(), { state, chain: m.chain });
      this.lastEpoch = m.epoch;
      return { epoch: m.epoch, positions: m.positions, state, sinks: m.sinks, committedAt: m.committedAt };
    } catch (err) {
      if (err instanceof CheckpointFormatError) throw new CheckpointRestoreError(`${err.message}; run that build, or ${this.freshStart}.`);
      if (err instanceof ChainError) throw new CheckpointRestoreError(`cannot restore the checkpoint on topic '${this.topic}': ${err.message}; ${this.freshStart}.`);
      throw err;
    }
  }

  /**
   * Sends the checkpoint and the offsets into the open transaction (with whatever the sinks
   * staged) and commits it. On failure the transaction is aborted and the error thrown: the
   * runner then restarts from the previous checkpoint.
   */
  async commit(checkpoint: Checkpoint): Promise<void> {
    await this.open();
    // Which records are live decides what a rebase must tombstone: learn it first.
    if (!this.loaded) await this.load();
    if (checkpoint.epoch <= this.lastEpoch) throw new Error(`checkpoint epoch ${checkpoint.epoch} is not after ${this.lastEpoch}`);
    const prepared = await this.writer.prepare(checkpoint);
    const p = this.o.producer;
    try {
      await p.send(this.topic, prepared.messages);
      if (this.o.commitOffsets !== false) await p.sendOffsets(this.o.group, checkpoint.positions, checkpoint.ended ? ENDED_OFFSET_METADATA : undefined);
      await p.commit();
    } catch (err) {
      // The outcome may be unknown (a commit that timed out): learn it from the topic next time.
      this.loaded = false;
      await p.abort();
      throw err;
    }
    prepared.adopt();
    this.lastEpoch = checkpoint.epoch;
    this.lastCommit = { epoch: checkpoint.epoch, kind: prepared.kind, bytes: prepared.bytes, records: prepared.messages.length, chainLength: prepared.chainLength };
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = undefined;
    await this.o.producer.close();
  }
}
