/**
 * Reference for user-defined metrics, written for clarity and sharing no code with the
 * compiled path (field columns, group keys, kernels): the oracle the property tests compare the
 * pipeline with. Events are taken one at a time in read order; each watermark group's watermark
 * is the minimum over its streams of (largest event time − delay), never moving back, and the
 * watermark before an event decides its lateness (SPEC). Windows and sessions close as the
 * watermark passes them; `finish` closes everything. No stream ever idles here (bounded input).
 */
import type { OutputRow } from "../pipeline/rows";
import type { FieldRef, UserMetric } from "../metrics/user/definition";

/** One input event as the reference reads it. */
export interface ReferenceEvent {
  input: string;
  /** Watermark stream (topic:partition). */
  stream: string;
  /** Event time, epoch ms. */
  t: number;
  /** The JSON object. */
  value: Record<string, unknown>;
  /** SPEC inputs: the category the pipeline reads (the event's, else the catalog's). */
  category?: string;
}

type Val = string | number | boolean | null;

interface Acc {
  start: number;
  end: number;
  last: number;
  group: Val[];
  count: number;
  values: Map<string, { n: number; sum: number; min: number; max: number }>;
  distinct: Map<string, Set<string>>;
}

function read(m: UserMetric, e: ReferenceEvent, f: FieldRef): Val {
  let v: unknown;
  if (m.input.builtin && f.path === "timestamp") v = e.t;
  else if (m.input.builtin && f.path === "category") v = e.category ?? e.value.category;
  else {
    v = e.value;
    for (const p of f.parts) v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  }
  if (f.type === "number") return typeof v === "number" && Number.isFinite(v) ? (m.input.builtin && f.path === "amount" ? Math.round(v * 100) : v) : null;
  return typeof v === f.type ? (v as Val) : null;
}

function passes(m: UserMetric, e: ReferenceEvent): boolean {
  return m.where.every((c) => {
    const v = read(m, e, c.field);
    const cents = m.input.builtin && c.field.path === "amount";
    const k = (x: unknown) => (cents && typeof x === "number" ? Math.round(x * 100) : x);
    switch (c.op) {
      case "exists":
        return (v !== null) === c.value;
      case "eq":
        return v !== null && v === k(c.value);
      case "ne":
        return v === null || v !== k(c.value);
      case "in":
        return v !== null && (c.value as unknown[]).some((x) => k(x) === v);
      default: {
        if (v === null) return false;
        const a = cents ? (v as number) / 100 : v;
        const b = c.value as number | string;
        return c.op === "gt" ? a > b : c.op === "gte" ? a >= b : c.op === "lt" ? a < b : a <= b;
      }
    }
  });
}

function add(m: UserMetric, acc: Acc, e: ReferenceEvent): void {
  acc.count++;
  const numeric = new Set(m.aggregates.filter((a) => a.field && a.fn !== "count_distinct").map((a) => a.field!));
  for (const f of numeric) {
    const v = read(m, e, f);
    if (v === null) continue;
    const x = acc.values.get(f.path) ?? { n: 0, sum: 0, min: Infinity, max: -Infinity };
    x.n++;
    x.sum += v as number;
    x.min = Math.min(x.min, v as number);
    x.max = Math.max(x.max, v as number);
    acc.values.set(f.path, x);
  }
  for (const a of m.aggregates) {
    if (a.fn !== "count_distinct") continue;
    const v = read(m, e, a.field!);
    if (v === null) continue;
    const s = acc.distinct.get(a.field!.path) ?? new Set<string>();
    s.add(JSON.stringify(v));
    acc.distinct.set(a.field!.path, s);
  }
}

function row(m: UserMetric, acc: Acc): OutputRow {
  const r: OutputRow = { metric: m.name, window_start: acc.start, window_end: acc.end };
  m.groupBy.forEach((g, k) => {
    const v = acc.group[k];
    r[g.path] = m.input.builtin && g.path === "amount" && typeof v === "number" ? v / 100 : v;
  });
  for (const a of m.aggregates) {
    const x = a.field ? acc.values.get(a.field.path) : undefined;
    if (a.fn === "count") r[a.name] = acc.count;
    else if (a.fn === "count_distinct") r[a.name] = acc.distinct.get(a.field!.path)?.size ?? 0;
    else if (a.fn === "sum") r[a.name] = x?.sum ?? 0;
    else if (a.fn === "avg") r[a.name] = x ? x.sum / x.n : null;
    else r[a.name] = x ? (a.fn === "min" ? x.min : x.max) : null;
  }
  return r;
}

/** Runs `metrics` over `events`; returns their final rows and, per metric, the late events. */
export function referenceUserMetrics(
  metrics: readonly UserMetric[],
  events: readonly ReferenceEvent[],
  opts: { delayMs: number; groupOf: (input: string) => string },
): { rows: OutputRow[]; late: Map<string, number> } {
  const rows: OutputRow[] = [];
  const late = new Map<string, number>(metrics.map((m) => [m.name, 0]));
  const streams = new Map<string, Map<string, number>>();
  const wms = new Map<string, number>();
  const open = new Map<UserMetric, Map<string, Acc[]>>(metrics.map((m) => [m, new Map()]));
  const closeUpTo = (m: UserMetric, wm: number) => {
    for (const [k, list] of open.get(m)!) {
      const keep = list.filter((a) => {
        if (a.end > wm) return true;
        rows.push(row(m, a));
        return false;
      });
      if (keep.length) open.get(m)!.set(k, keep);
      else open.get(m)!.delete(k);
    }
  };
  for (const e of events) {
    const g = opts.groupOf(e.input);
    const wm = wms.get(g) ?? -Infinity;
    for (const m of metrics) {
      if (opts.groupOf(m.input.name) !== g) continue;
      closeUpTo(m, wm);
      if (m.input.name !== e.input || !passes(m, e)) continue;
      const group = m.groupBy.map((f) => read(m, e, f));
      const gk = JSON.stringify(group);
      const accs = open.get(m)!;
      const w = m.window;
      if (w.kind === "session") {
        if (e.t + w.gapMs <= wm) {
          late.set(m.name, late.get(m.name)! + 1);
          continue;
        }
        const list = accs.get(gk) ?? [];
        const touching = list.filter((a) => a.start < e.t + w.gapMs && e.t < a.last + w.gapMs);
        const merged: Acc = { start: e.t, end: e.t + w.gapMs, last: e.t, group, count: 0, values: new Map(), distinct: new Map() };
        const members: ReferenceEvent[][] = [];
        for (const a of touching) {
          merged.start = Math.min(merged.start, a.start);
          merged.last = Math.max(merged.last, a.last);
          members.push((a as Acc & { events: ReferenceEvent[] }).events);
        }
        merged.end = merged.last + w.gapMs;
        const evs = [...members.flat(), e];
        for (const x of evs) add(m, merged, x);
        (merged as Acc & { events: ReferenceEvent[] }).events = evs;
        accs.set(gk, [...list.filter((a) => !touching.includes(a)), merged]);
        continue;
      }
      const size = w.sizeMs;
      const slide = w.kind === "sliding" ? w.slideMs : size;
      let onTime = false;
      for (let start = Math.floor(e.t / slide) * slide; start > e.t - size; start -= slide) {
        if (start + size <= wm) continue;
        onTime = true;
        const list = accs.get(gk) ?? [];
        let acc = list.find((a) => a.start === start);
        if (!acc) {
          acc = { start, end: start + size, last: e.t, group, count: 0, values: new Map(), distinct: new Map() };
          list.push(acc);
          accs.set(gk, list);
        }
        add(m, acc, e);
      }
      if (!onTime) late.set(m.name, late.get(m.name)! + 1);
    }
    const s = streams.get(g) ?? new Map<string, number>();
    s.set(e.stream, Math.max(s.get(e.stream) ?? -Infinity, e.t));
    streams.set(g, s);
    const next = Math.min(...s.values()) - opts.delayMs;
    if (next > wm) wms.set(g, next);
  }
  for (const m of metrics) closeUpTo(m, Infinity);
  return { rows, late };
}
