/**
 * The internal repartition topics of parallel runners and the records on them, as in Kafka
 * Streams' `<application>-<operator>-repartition` topics:
 *
 * - `eddy-<group>-partials`, keyed by metric key: each input task's partial rows of the metrics
 *   merged across tasks (a task's final row of its own users), and its watermark markers, sent to
 *   every partition so that each merge task learns every upstream task's progress;
 * - `eddy-<group>-by-category`, keyed by category: the valid transactions, unchanged, for
 *   `purchase_anomalies`, which scores a transaction against the earlier ones of its category.
 *
 * Both have as many partitions as the input topics: merge task q reads partition q of each, and
 * the co-partitioning assignor gives it to the runner that owns input partition q.
 */
import type { Message } from "kafkajs";
import type { OutputRow } from "../../core/pipeline/rows";

/** The topic of partial rows and watermark markers of group `group`. */
export function partialsTopic(group: string): string {
  return `eddy-${group}-partials`;
}

/** The topic of transactions keyed by category of group `group`. */
export function byCategoryTopic(group: string): string {
  return `eddy-${group}-by-category`;
}

/** Header naming what a repartition record holds. */
export const KIND_HEADER = "eddy-kind";
/** Header naming the upstream task that wrote a repartition record. */
export const TASK_HEADER = "eddy-task";

/** An upstream task's watermark per group (-Infinity = no event yet), and which groups idle. */
export interface WatermarkMarker {
  task: number;
  watermarks: Record<string, number>;
  idle: string[];
}

/** JSON cannot hold ±Infinity: they travel as strings. */
function encodeNumber(n: number): number | string {
  return Number.isFinite(n) ? n : n > 0 ? "inf" : "-inf";
}

function decodeNumber(v: unknown): number {
  if (v === "inf") return Infinity;
  if (v === "-inf") return -Infinity;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`not a watermark: ${JSON.stringify(v)}`);
  return v;
}

/** The marker records of `marker`, one per partition of the partials topic. */
export function markerMessages(marker: WatermarkMarker, partitions: number): Message[] {
  const value = JSON.stringify({
    kind: "watermark",
    task: marker.task,
    watermarks: Object.fromEntries(Object.entries(marker.watermarks).map(([g, w]) => [g, encodeNumber(w)])),
    idle: marker.idle,
  });
  const headers = { [KIND_HEADER]: "watermark", [TASK_HEADER]: String(marker.task) };
  return Array.from({ length: partitions }, (_, partition) => ({ partition, key: `watermark-${marker.task}`, value, headers }));
}

/** A partial row of an upstream task; `provisional` for an idle task's still-open window. */
export function partialMessage(task: number, key: string, row: OutputRow, provisional: boolean): Message {
  const kind = provisional ? "provisional" : "partial";
  return { key, value: JSON.stringify({ kind, task, row }), headers: { [KIND_HEADER]: kind, [TASK_HEADER]: String(task) } };
}

/** A valid transaction of input task `task`, for the category-keyed topic; `raw` is its value as read. */
export function forwardMessage(task: number, category: string, raw: string): Message {
  return { key: category, value: JSON.stringify({ kind: "tx", task, raw }), headers: { [KIND_HEADER]: "tx", [TASK_HEADER]: String(task) } };
}

/** A decoded record of a repartition topic. */
export type RepartitionRecord =
  | { kind: "watermark"; marker: WatermarkMarker }
  | { kind: "partial"; task: number; row: OutputRow; provisional: boolean }
  | { kind: "tx"; task: number; raw: string };

/**
 * Decodes a record of a repartition topic (the headers only help people reading the topic). Only
 * eddy writes these topics, so a record it cannot read means another writer or another eddy
 * version: an error naming what is wrong, never a guess.
 */
export function decodeRepartition(value: Uint8Array | string | null): RepartitionRecord {
  const text = typeof value === "string" ? value : value ? Buffer.from(value).toString() : "";
  const body = JSON.parse(text) as Record<string, unknown>;
  const task = body.task;
  if (typeof task !== "number" || !Number.isInteger(task) || task < 0) throw new Error("repartition record without a valid task");
  if (body.kind === "watermark") {
    const wms = body.watermarks as Record<string, unknown>;
    return {
      kind: "watermark",
      marker: { task, watermarks: Object.fromEntries(Object.entries(wms).map(([g, w]) => [g, decodeNumber(w)])), idle: (body.idle as string[]) ?? [] },
    };
  }
  if (body.kind === "tx" && typeof body.raw === "string") return { kind: "tx", task, raw: body.raw };
  if (body.kind === "partial" || body.kind === "provisional") return { kind: "partial", task, row: body.row as OutputRow, provisional: body.kind === "provisional" };
  throw new Error(`repartition record of unknown kind '${String(body.kind)}'`);
}
