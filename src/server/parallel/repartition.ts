/**
 * The internal repartition topics of parallel runners and the records on them, as in Kafka
 * Streams' `<application>-<operator>-repartition` topics:
 *
 * - `eddy-<group>-partials`: each input task's partial rows of the metrics merged across tasks (a
 *   task's final row of its own users), routed by metric key to a merge task, and its watermark
 *   markers, sent to every partition so that each merge task learns every upstream task's progress;
 * - `eddy-<group>-by-category`: the valid transactions, unchanged, routed by category, for
 *   `purchase_anomalies`, which scores a transaction against the earlier ones of its category.
 *
 * Both have as many partitions as the input topics: merge task q reads partition q of each, and
 * the co-partitioning assignor gives it to the runner that owns input partition q. Rows and
 * transactions travel in batch records, one or a few per partition and epoch: a record per row
 * would cost more in Kafka's client than the merge itself.
 */
import type { Message } from "kafkajs";
import type { OutputRow } from "../../core/pipeline/rows";
import { partitionOfKey } from "../kafka/partitioner";

/** The topic of partial rows and watermark markers of group `group`. */
export function partialsTopic(group: string): string {
  return `eddy-${group}-partials`;
}

/** The topic of transactions keyed by category of group `group`. */
export function byCategoryTopic(group: string): string {
  return `eddy-${group}-by-category`;
}

/** Header naming what a repartition record holds (for people reading the topic). */
export const KIND_HEADER = "eddy-kind";
/** Header naming the upstream task that wrote a repartition record. */
export const TASK_HEADER = "eddy-task";
/** Most JSON bytes of one batch record (well under the topics' default 1 MB record limit). */
export const BATCH_BYTES = 256 * 1024;

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

/** The marker records of `marker`, one per partition of a repartition topic. */
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

/**
 * `items` as batch records: grouped by the partition each one's key picks, in the items' order
 * within a partition, at most {@link BATCH_BYTES} of items per record.
 */
function batches(items: Array<{ key: string; json: string }>, partitions: number, wrap: (list: string[]) => string, headers: Record<string, string>): Message[] {
  const byPartition = new Map<number, string[]>();
  for (const it of items) {
    const p = partitionOfKey(it.key, partitions);
    let list = byPartition.get(p);
    if (!list) byPartition.set(p, (list = []));
    list.push(it.json);
  }
  const out: Message[] = [];
  for (const [partition, list] of [...byPartition].sort((x, y) => x[0] - y[0])) {
    let chunk: string[] = [];
    let bytes = 0;
    for (const json of list) {
      if (chunk.length > 0 && bytes + json.length > BATCH_BYTES) {
        out.push({ partition, key: null, value: wrap(chunk), headers });
        chunk = [];
        bytes = 0;
      }
      chunk.push(json);
      bytes += json.length + 1;
    }
    if (chunk.length) out.push({ partition, key: null, value: wrap(chunk), headers });
  }
  return out;
}

/**
 * Partial rows of input task `task`, each with its metric key (which picks the merge task), as
 * batch records; `provisional` for an idle task's still-open windows.
 */
export function partialMessages(task: number, rows: ReadonlyArray<{ key: string; row: OutputRow }>, partitions: number, provisional: boolean): Message[] {
  const kind = provisional ? "provisional" : "partials";
  const items = rows.map(({ key, row }) => ({ key, json: JSON.stringify(row) }));
  return batches(items, partitions, (list) => `{"kind":"${kind}","task":${task},"rows":[${list.join(",")}]}`, { [KIND_HEADER]: kind, [TASK_HEADER]: String(task) });
}

/** Valid transactions of input task `task`, each with its category, `raw` as read, as batch records. */
export function forwardMessages(task: number, txs: ReadonlyArray<{ key: string; raw: string }>, partitions: number): Message[] {
  const items = txs.map(({ key, raw }) => ({ key, json: JSON.stringify(raw) }));
  return batches(items, partitions, (list) => `{"kind":"txs","task":${task},"raws":[${list.join(",")}]}`, { [KIND_HEADER]: "txs", [TASK_HEADER]: String(task) });
}

/** A decoded record of a repartition topic. */
export type RepartitionRecord =
  | { kind: "watermark"; marker: WatermarkMarker }
  | { kind: "partials"; task: number; rows: OutputRow[]; provisional: boolean }
  | { kind: "txs"; task: number; raws: string[] };

/**
 * Decodes a record of a repartition topic. Only eddy writes these topics, so a record it cannot
 * read means another writer or another eddy version: an error naming what is wrong, never a guess.
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
  if (body.kind === "txs" && Array.isArray(body.raws)) return { kind: "txs", task, raws: body.raws as string[] };
  if ((body.kind === "partials" || body.kind === "provisional") && Array.isArray(body.rows)) {
    return { kind: "partials", task, rows: body.rows as OutputRow[], provisional: body.kind === "provisional" };
  }
  throw new Error(`repartition record of unknown kind '${String(body.kind)}'`);
}
