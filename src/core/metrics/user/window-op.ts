/**
 * A user-defined metric over a tumbling or sliding window, compiled onto window kernels with the
 * same windows: `events` counts every event that passed `where` per group (and decides lateness),
 * one more instance per number field keeps its sum / min / max over the events that have it (its
 * count is the field's count, for avg), one per count_distinct field counts distinct values. All
 * instances close the same windows in the same (end, key) order, so their rows merge in one pass.
 * With `partials` (a task of a parallel run), rows also carry the hidden fields their merge needs
 * (src/core/metrics/user/declare.ts): an avg's sum and count, a count_distinct's values.
 */
import type { EventBatch } from "../../pipeline/batch";
import type { MetricOp } from "../../pipeline/metrics/op";
import { Scratch } from "../../pipeline/metrics/op";
import type { OutputRow } from "../../pipeline/rows";
import { rowsToObjects, type WindowAggregate, type WindowRow, type WindowSpec } from "../../kernels/window";
import type { KernelFactory } from "../../pipeline/kernel-factory";
import { distinctAddsUp, partialField } from "./declare";
import type { UserMetric } from "./definition";
import { DistinctSets, type WindowSets } from "./distinct-sets";
import { distinctId, type FieldColumns, type FieldSlot, NONE } from "./field-columns";
import { GroupKeys } from "./group-keys";
import { compileWhere, type Predicate, type ValueDictionary } from "./predicate";

/** What a user metric operator needs from the pipeline. */
export interface UserOpContext {
  kernels: KernelFactory;
  capacity: number;
  columns: FieldColumns;
  values: ValueDictionary;
  /** The batch `topic` code of the metric's input. */
  topic: number;
  /** Rows carry the hidden fields of partial rows (a task of a parallel run). */
  partials?: boolean;
}

interface Part {
  /** State name of the kernel instance. */
  name: string;
  slot?: FieldSlot;
  distinct: boolean;
  win: WindowAggregate;
  s: Scratch;
  /** The distinct values themselves (partial rows of a count_distinct that does not add up). */
  sets?: DistinctSets;
}

/** See the module comment. */
export class UserWindowOp implements MetricOp {
  readonly name: string;
  private readonly where: Predicate;
  private readonly groups: GroupKeys;
  private readonly base: Part;
  private readonly parts: Part[] = [];

  constructor(
    private readonly ctx: UserOpContext,
    private readonly m: UserMetric,
    states: ReadonlyMap<string, Uint8Array> = new Map(),
  ) {
    if (m.window.kind === "session") throw new Error(`metric '${m.name}': a session window needs the session operator`);
    this.name = m.name;
    const input = m.input.name;
    this.where = compileWhere(m.where, input, ctx.columns);
    this.groups = new GroupKeys(m.groupBy, input, ctx.columns, states.get("groups"));
    const shape: WindowSpec = { sizeMs: m.window.sizeMs, slideMs: m.window.kind === "sliding" ? m.window.slideMs : undefined };
    const part = (name: string, spec: WindowSpec, slot: FieldSlot | undefined, distinct: boolean): Part => ({
      name,
      slot,
      distinct,
      win: ctx.kernels.window(spec, states.get(name)),
      s: new Scratch(ctx.capacity),
    });
    this.base = part("events", shape, undefined, false);
    const seen = new Set<string>();
    for (const a of m.aggregates) {
      if (!a.field) continue;
      const distinct = a.fn === "count_distinct";
      const name = `${distinct ? "distinct" : "values"}:${a.field.path}`;
      if (seen.has(name)) continue;
      seen.add(name);
      const slot = ctx.columns.slot(input, a.field);
      if (distinct) {
        const p = part(name, { ...shape, distinct: true }, slot, true);
        if (ctx.partials && !distinctAddsUp(m, a)) p.sets = new DistinctSets(shape.sizeMs, shape.slideMs ?? shape.sizeMs, states.get(setsState(a.field.path)));
        this.parts.push(p);
      } else {
        const fns = new Set(m.aggregates.filter((x) => x.field?.path === a.field!.path).map((x) => x.fn));
        const sum = fns.has("sum") || fns.has("avg");
        // floatSum only says how a kept sum adds: a field with only min / max keeps no sum.
        const spec: WindowSpec = { ...shape, sum, min: fns.has("min"), max: fns.has("max"), floatSum: sum && !slot.cents };
        this.parts.push(part(name, spec, slot, false));
      }
    }
  }

  ingest(b: EventBatch, wm: Float64Array, late: Uint32Array, lateBit: number): void {
    const base = this.base.s;
    base.n = 0;
    for (const p of this.parts) p.s.n = 0;
    const code = this.ctx.topic;
    for (let i = 0; i < b.n; i++) {
      if (b.topic[i] !== code || !this.where(i)) continue;
      const key = this.groups.keyOf(i);
      base.key[base.take(b, wm, i)] = key;
      for (let k = 0; k < this.parts.length; k++) {
        const p = this.parts[k];
        const slot = p.slot!;
        if (p.distinct) {
          const id = distinctId(slot, i, this.ctx.values);
          if (id === NONE) continue;
          const j = p.s.take(b, wm, i);
          p.s.key[j] = key;
          p.s.key2[j] = id;
        } else {
          const v = slot.num![i];
          if (Number.isNaN(v)) continue;
          const j = p.s.take(b, wm, i);
          p.s.key[j] = key;
          p.s.value[j] = v;
        }
      }
    }
    if (base.n === 0) return;
    base.markLate(this.base.win.process({ n: base.n, time: base.t, key: base.key, wm: base.wm }), late, lateBit);
    // The parts hold subsets of the same events in the same windows: their lateness is the base's.
    for (const p of this.parts) {
      const s = p.s;
      if (s.n === 0) continue;
      p.win.process({ n: s.n, time: s.t, key: s.key, value: p.distinct ? undefined : s.value, distinct: p.distinct ? s.key2 : undefined, wm: s.wm });
      p.sets?.add(s);
    }
  }

  close(wm: number, out: OutputRow[]): void {
    this.emit((w) => w.advance(wm), (d) => d.close(wm), out);
  }

  peek(out: OutputRow[]): void {
    this.emit((w) => w.peek(), (d) => d.open(), out);
  }

  /** The sorted values of distinct ids (hidden field of partial rows). */
  private values(p: Part, ids: Set<number> | undefined): Array<string | number> {
    if (!ids) return [];
    const slot = p.slot!;
    // Numbers and booleans are kept as "\u0001<number>" in the value dictionary (field-columns.ts).
    const vals = slot.str ? [...ids].map((id) => slot.dict!.decode(id)) : [...ids].map((id) => Number(this.ctx.values.decode(id).slice(1)));
    return vals.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** Copies every instance's rows out (a later kernel call may move their views), then merges. */
  private emit(take: (w: WindowAggregate) => ReturnType<WindowAggregate["peek"]>, takeSets: (d: DistinctSets) => WindowSets, out: OutputRow[]): void {
    const base = rowsToObjects(take(this.base.win));
    const parts = this.parts.map((p) => ({ p, rows: rowsToObjects(take(p.win)), at: 0, sets: p.sets && takeSets(p.sets) }));
    const partials = this.ctx.partials;
    if (base.length === 0) return;
    for (const r of base) {
      const row: OutputRow = { metric: this.m.name, window_start: r.start, window_end: r.end };
      const g = this.groups.decode(r.key);
      this.m.groupBy.forEach((f, k) => (row[f.path] = g[k]));
      const match = new Map<string, WindowRow>();
      const sets = partials ? new Map<string, Array<string | number>>() : undefined;
      for (const q of parts) {
        while (q.at < q.rows.length && (q.rows[q.at].end < r.end || (q.rows[q.at].end === r.end && q.rows[q.at].key < r.key))) q.at++;
        const x = q.rows[q.at];
        if (x && x.end === r.end && x.key === r.key) match.set(q.p.name, x);
        if (q.sets) sets!.set(q.p.name, this.values(q.p, q.sets.get(r.end)?.get(r.key)));
      }
      for (const a of this.m.aggregates) {
        if (a.fn === "count") {
          row[a.name] = r.count;
          continue;
        }
        const x = match.get(`${a.fn === "count_distinct" ? "distinct" : "values"}:${a.field!.path}`);
        switch (a.fn) {
          case "count_distinct":
            row[a.name] = x ? x.distinct : 0;
            // Only a count_distinct that does not add up across tasks keeps its values.
            if (sets?.has(`distinct:${a.field!.path}`)) row[partialField.distinct(a.name)] = sets.get(`distinct:${a.field!.path}`);
            break;
          case "sum":
            row[a.name] = x ? x.sum : 0;
            break;
          case "avg":
            row[a.name] = x && x.count > 0 ? x.sum / x.count : null;
            if (partials) {
              row[partialField.sum(a.name)] = x ? x.sum : 0;
              row[partialField.count(a.name)] = x ? x.count : 0;
            }
            break;
          case "min":
            row[a.name] = x && x.count > 0 ? x.min : null;
            break;
          case "max":
            row[a.name] = x && x.count > 0 ? x.max : null;
            break;
        }
      }
      out.push(row);
    }
  }

  openCount(): number {
    return this.base.win.openWindows();
  }

  /** Named state: the group dictionary and each kernel instance. */
  states(): Map<string, Uint8Array> {
    const m = new Map<string, Uint8Array>([["groups", this.groups.dict.snapshot()], ["events", this.base.win.snapshot()]]);
    for (const p of this.parts) {
      m.set(p.name, p.win.snapshot());
      if (p.sets) m.set(setsState(p.slot!.field.path), p.sets.snapshot());
    }
    return m;
  }


  destroy(): void {
    this.base.win.destroy();
    for (const p of this.parts) p.win.destroy();
  }
}

/** State name of a count_distinct field's value sets (partial rows only). */
function setsState(path: string): string {
  return `sets:${path}`;
}
