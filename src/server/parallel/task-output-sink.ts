/**
 * The sink of an input task of a parallel runner. Rows final within the task (per user, per
 * event) go to the output topics through the Kafka sink; partial rows of metrics merged across
 * tasks, the forwarded transactions and the task's watermark marker go to the repartition
 * topics. All of it is sent inside the task's open transaction, which its checkpoint store
 * commits with the task's offsets: downstream merge tasks (read_committed) see an epoch's
 * partials and its marker together or not at all.
 */
import type { Placement } from "../../core/merge/placement";
import type { MetricRegistry } from "../../core/metrics/registry";
import type { OutputRow } from "../../core/pipeline/rows";
import type { Checkpoint, Epoch, Sink } from "../io/types";
import type { TransactionalProducer } from "../kafka/transactional-producer";
import type { KafkaSink } from "../sinks/kafka-sink";
import { forwardMessages, markerMessages, partialMessages } from "./repartition";

/** Options of {@link TaskOutputSink}. */
export interface TaskOutputSinkOptions {
  task: number;
  /** The Kafka sink of the task's output rows, DLQ and late records (same producer). */
  inner: KafkaSink;
  producer: TransactionalProducer;
  registry: MetricRegistry;
  placement(metric: string): Placement;
  /** Partials topic and by-category topic, each with `partitions` partitions. */
  partialsTopic: string;
  byCategoryTopic: string;
  partitions: number;
}

/** See the module comment. */
export class TaskOutputSink implements Sink {
  readonly name = "kafka";

  constructor(private readonly o: TaskOutputSinkOptions) {}

  open(): Promise<void> {
    return this.o.inner.open();
  }

  recover(checkpoint: Checkpoint | undefined): Promise<void> {
    return this.o.inner.recover(checkpoint);
  }

  async prepare(epoch: Epoch): Promise<unknown> {
    const out: OutputRow[] = [];
    const partials: OutputRow[] = [];
    for (const row of epoch.rows) (this.o.placement(row.metric) === "merge" ? partials : out).push(row);
    const book = await this.o.inner.prepare({ ...epoch, rows: out });
    const p = this.o.producer;
    const keyed = (rows: OutputRow[]) => rows.map((row) => ({ key: this.o.registry.messageKey(row), row }));
    if (partials.length) await p.send(this.o.partialsTopic, partialMessages(this.o.task, keyed(partials), this.o.partitions, false));
    const forwards = epoch.forwards ?? [];
    if (forwards.length) await p.send(this.o.byCategoryTopic, forwardMessages(this.o.task, forwards.map((f) => ({ key: f.key, raw: f.value })), this.o.partitions));
    // An idle task is left out of the merged watermark (SPEC idle_timeout), so its open windows
    // go as provisional partials, replaced by the final ones if it speaks again in time.
    const watermarks = epoch.watermarks ?? {};
    const provisional = (epoch.idle?.rows ?? []).filter((row) => this.o.placement(row.metric) === "merge");
    if (provisional.length) await p.send(this.o.partialsTopic, partialMessages(this.o.task, keyed(provisional), this.o.partitions, true));
    // The marker goes last: a merge task that reads it has read every partial it covers.
    const idle = epoch.idle ? Object.keys(watermarks) : [];
    const markers = markerMessages({ task: this.o.task, watermarks, idle }, this.o.partitions);
    await p.send(this.o.partialsTopic, markers);
    await p.send(this.o.byCategoryTopic, markers);
    return { ...(book as object), partials: partials.length, forwards: forwards.length };
  }

  close(): Promise<void> {
    return this.o.inner.close();
  }
}
