/**
 * The runner's I/O contracts: one {@link Source} interface for Kafka, files and the in-process
 * generator, and one {@link Sink} interface for console, Kafka and file outputs.
 *
 * Delivery is a two-phase commit per checkpoint epoch (SPEC "Delivery"):
 *   1. `prepare(epoch)` on every sink: stage the epoch's rows invisibly (Kafka: send inside the open
 *      transaction; files: write whole files under temporary names);
 *   2. the {@link CheckpointStore} commits the checkpoint — the single commit point (Kafka: the
 *      checkpoint record, the consumed offsets and the staged rows in ONE transaction; files: an
 *      atomic rename of the checkpoint file naming the epoch's staged files);
 *   3. `finish(epoch)` on every sink: publish what the checkpoint committed (files: rename the
 *      temporaries). On restart `recover(checkpoint)` finishes a committed epoch whose publish was
 *      interrupted and discards everything staged after it, so no row is lost or repeated.
 */

import type { OutputRow } from "../../core/pipeline/rows";

/** One input message, as read: not yet decoded or validated. */
export interface SourceRecord {
  topic: string;
  /** Kafka partition; 0 for files and the generator. */
  partition: number;
  /** Kafka offset; the 0-based line/record number for files and the generator. */
  offset: number;
  key: string | null;
  /**
   * The key's bytes as read, when the source has bytes (Kafka): side outputs write these back, so
   * a key that is not UTF-8 reaches the DLQ unchanged too.
   */
  keyBytes?: Uint8Array;
  /** Raw message value; validation decides whether it is an event. */
  value: Uint8Array | string | null;
  /** Wall-clock ms at which the runner read it (for event-to-output latency). */
  readAt: number;
  /** Producer/broker timestamp of a Kafka message, epoch ms (latency is measured from it when set). */
  timestamp?: number;
}

/** Next offset to read per `topic:partition` — what a checkpoint stores for its source. */
export type Positions = Record<string, number>;

/** Key of {@link Positions}. */
export function positionKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** The topic and partition of a {@link positionKey} (a topic name may itself hold colons). */
export function splitPositionKey(key: string): { topic: string; partition: number } {
  const at = key.lastIndexOf(":");
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/** A stream of input records: Kafka topics, a JSONL file or the in-process generator. */
export interface Source {
  readonly kind: "kafka" | "file" | "generator";
  /** Bounded sources end; then the pipeline's watermark jumps to +∞ (SPEC). */
  readonly bounded: boolean;
  /** Begins reading at `from` (a restored checkpoint) or at the configured start. */
  start(from?: Positions): Promise<void>;
  /**
   * Resolves with up to `maxRecords` records, waiting at most `maxWaitMs` for the first one
   * ([] when none came), or `null` once a bounded source is exhausted.
   */
  poll(maxWaitMs: number, maxRecords: number): Promise<SourceRecord[] | null>;
  /** Positions just after the last record returned by `poll`. */
  positions(): Positions;
  /** Records behind the end of each `topic:partition` (consumer lag); {} when unknown. */
  lag(): Record<string, number>;
  close(): Promise<void>;
}

/** A result row in SPEC shape (see src/core/pipeline/rows.ts). */
export type { OutputRow };

/** An input record routed to a side output (`<topic>.dlq` or `<topic>.late`) with its reason. */
export interface SideRecord {
  record: SourceRecord;
  reason: string;
}

/** What one checkpoint epoch carries to the sinks. */
export interface Epoch {
  /** Strictly increasing across restarts (restored from the checkpoint). */
  id: number;
  /** Final rows closed during the epoch, in emission order. */
  rows: OutputRow[];
  /** Invalid input records (to `<topic>.dlq` / `dlq/`). */
  dlq: SideRecord[];
  /** Late input records (to `<topic>.late` / `late/`). */
  late: SideRecord[];
  /**
   * Records for internal topics that commit with the epoch (a parallel runner's repartition
   * topics), in read order.
   */
  forwards?: ForwardRecord[];
  /** Watermark per group when the epoch was cut (a parallel task publishes it with its rows). */
  watermarks?: Record<string, number>;
  /**
   * Set when the input had been quiet for the idle timeout when the epoch was cut: the current
   * rows of every open window, for a parallel task's merge stage to use while it idles.
   */
  idle?: { rows: OutputRow[] };
}

/** A record a task sends on to an internal topic, keyed for its partitioner. */
export interface ForwardRecord {
  topic: string;
  key: string;
  value: string;
}

/** The durable checkpoint: where to resume and the state to resume with. */
export interface Checkpoint {
  epoch: number;
  positions: Positions;
  /** Snapshot of the pipeline (kernels + dictionaries). */
  state: Uint8Array;
  /** Per-sink bookkeeping written at prepare time (e.g. staged file names). */
  sinks: Record<string, unknown>;
  /** Wall-clock ms of the commit. */
  committedAt: number;
  /**
   * Set on the last checkpoint of a bounded parallel merge task: the Kafka store marks the
   * committed offsets with it, so every runner of the group can tell when all work is done.
   */
  ended?: boolean;
}

/** An output. Console-like sinks implement only `updates`/`prepare`; durable ones all phases. */
export interface Sink {
  readonly name: string;
  open(): Promise<void>;
  /** Restart: publish what `checkpoint` committed, discard anything staged after it. */
  recover?(checkpoint: Checkpoint | undefined): Promise<void>;
  /** Live partial rows of open windows (update mode, dashboards, console). */
  updates?(rows: OutputRow[]): void;
  /** Stage the epoch; returns bookkeeping to store in the checkpoint under this sink's name. */
  prepare(epoch: Epoch): Promise<unknown>;
  /** Publish the staged epoch after the checkpoint committed. */
  finish?(epoch: Epoch): Promise<void>;
  close(): Promise<void>;
}

/** Where checkpoints live: the `eddy-checkpoints` topic (Kafka runs) or `--checkpoint-dir`. */
export interface CheckpointStore {
  load(): Promise<Checkpoint | undefined>;
  /** The commit point of an epoch (see the module comment). */
  commit(checkpoint: Checkpoint): Promise<void>;
  close(): Promise<void>;
  /**
   * How a user starts afresh instead of restoring this store's checkpoint, as the end of a
   * sentence ("use a new --group …"); error messages quote it.
   */
  readonly freshStart?: string;
}
