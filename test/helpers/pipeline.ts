/**
 * Drives a {@link Pipeline} over generator records the way the runner does (validate, add,
 * process per batch, advance), collecting every output, so tests can compare implementations,
 * batch sizes and snapshot/restore runs.
 */
import { DEFAULT_MAX_FUTURE_SKEW_MS, type EventOf, validate as validateAt, type TopicKind, type Validation } from "../../src/core/events";
import type { Pipeline } from "../../src/core/pipeline/pipeline";
import type { OutputRow } from "../../src/core/pipeline/rows";
import { EventSource, type GeneratedRecord } from "../../src/server/generator";

/**
 * `validate` as the runner and the gateway apply it: with the wall-clock bound on event time, so
 * that the generator's far-future records are invalid here too.
 */
export function validate<K extends TopicKind>(kind: K, text: string | Uint8Array): Validation<EventOf<K>> {
  return validateAt(kind, text, { future: { now: Date.now(), maxFutureSkewMs: DEFAULT_MAX_FUTURE_SKEW_MS } });
}

/** Generator records for tests (fixed start so results are reproducible). */
export function records(n: number, opts: { seed?: number; late?: number; invalid?: number; anomaly?: number; users?: number } = {}): GeneratedRecord[] {
  const src = new EventSource({
    seed: opts.seed ?? 7,
    startMs: Date.UTC(2026, 0, 1, 10),
    users: opts.users ?? 200,
    lateFraction: opts.late ?? 0.02,
    invalidFraction: opts.invalid ?? 0.01,
    anomalyFraction: opts.anomaly ?? 0.01,
  });
  return Array.from({ length: n }, () => src.next());
}

/** Everything a run produced. */
export interface RunOutput {
  /** Final rows in emission order. */
  rows: OutputRow[];
  /** Index (into the records) of each late event, with its late mask. */
  late: Array<[number, number]>;
  invalid: number;
}

/**
 * Feeds `recs[from..to)` to `p` in batches of `batch` valid events; `finish` ends the input.
 * Wall clock is constant (bounded replay: no stream idles).
 */
export function drive(p: Pipeline, recs: GeneratedRecord[], batch: number, out: RunOutput = { rows: [], late: [], invalid: 0 }, from = 0, to = recs.length, finish = true): RunOutput {
  let idx: number[] = [];
  const flush = () => {
    if (p.batch.n === 0) return;
    const r = p.process(0);
    for (let i = 0; i < idx.length; i++) if (r.late[i]) out.late.push([idx[i], r.late[i]]);
    out.rows.push(...r.rows);
    out.rows.push(...p.advance());
    idx = [];
  };
  for (let k = from; k < to; k++) {
    const rec = recs[k];
    const v = validate(rec.kind as TopicKind, rec.text);
    if (!v.ok) {
      out.invalid++;
      continue;
    }
    p.add(rec.kind as TopicKind, v.event, v.t, `${rec.topic}:0`, 0);
    idx.push(k);
    if (p.batch.n >= batch) flush();
  }
  flush();
  if (finish) out.rows.push(...p.finish());
  return out;
}

/** Rows in a canonical order (metric, window end, start, then JSON), for order-free comparison. */
export function canonical(rows: OutputRow[]): string[] {
  return rows.map((r) => `${r.metric}|${String(r.window_end ?? "").padStart(16, "0")}|${JSON.stringify(r)}`).sort();
}
