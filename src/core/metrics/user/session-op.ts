/**
 * A user-defined metric over a session window, compiled onto one keyed session aggregate
 * kernel: the group key, one value column per number field an aggregate reads (present count,
 * sum, min, max) and one distinct column per count_distinct field. Sessions of one group merge
 * as in the SPEC `sessions` metric (Spark's session_window); a row is a session.
 */
import type { EventBatch } from "../../pipeline/batch";
import type { MetricOp } from "../../pipeline/metrics/op";
import { Scratch } from "../../pipeline/metrics/op";
import type { OutputRow } from "../../pipeline/rows";
import { SESSION_AGG_MISSING_ID, type SessionAggKernel, type SessionAggRows } from "../../kernels/session-agg";
import type { UserMetric } from "./definition";
import { distinctId, type FieldSlot, NONE } from "./field-columns";
import { GroupKeys } from "./group-keys";
import { compileWhere, type Predicate } from "./predicate";
import type { UserOpContext } from "./window-op";

// A missing distinct value is the same id on both sides: the column's NONE is the kernel's "missing".
if (NONE !== SESSION_AGG_MISSING_ID) throw new Error("field-columns NONE must equal SESSION_AGG_MISSING_ID");

/** See the module comment. */
export class UserSessionOp implements MetricOp {
  readonly name: string;
  private readonly where: Predicate;
  private readonly groups: GroupKeys;
  private readonly kernel: SessionAggKernel;
  private readonly s: Scratch;
  /** Number fields, in value-column order. */
  private readonly valueSlots: FieldSlot[] = [];
  private readonly valueCols: Float64Array[] = [];
  /** count_distinct fields, in distinct-column order. */
  private readonly distinctSlots: FieldSlot[] = [];
  private readonly distinctCols: Uint32Array[] = [];

  constructor(
    private readonly ctx: UserOpContext,
    private readonly m: UserMetric,
    states: ReadonlyMap<string, Uint8Array> = new Map(),
  ) {
    if (m.window.kind !== "session") throw new Error(`metric '${m.name}': not a session window`);
    this.name = m.name;
    const input = m.input.name;
    this.where = compileWhere(m.where, input, ctx.columns);
    this.groups = new GroupKeys(m.groupBy, input, ctx.columns, states.get("groups"));
    for (const a of m.aggregates) {
      if (!a.field) continue;
      const slot = ctx.columns.slot(input, a.field);
      const list = a.fn === "count_distinct" ? this.distinctSlots : this.valueSlots;
      if (!list.includes(slot)) list.push(slot);
    }
    this.valueCols = this.valueSlots.map(() => new Float64Array(ctx.capacity));
    this.distinctCols = this.distinctSlots.map(() => new Uint32Array(ctx.capacity));
    this.kernel = ctx.kernels.sessionAgg({ gapMs: m.window.gapMs, nValues: this.valueSlots.length, nDistinct: this.distinctSlots.length }, states.get("sessions"));
    this.s = new Scratch(ctx.capacity);
  }

  ingest(b: EventBatch, wm: Float64Array, late: Uint32Array, lateBit: number): void {
    const s = this.s;
    s.n = 0;
    const code = this.ctx.topic;
    for (let i = 0; i < b.n; i++) {
      if (b.topic[i] !== code || !this.where(i)) continue;
      const j = s.take(b, wm, i);
      s.key[j] = this.groups.keyOf(i);
      for (let k = 0; k < this.valueSlots.length; k++) this.valueCols[k][j] = this.valueSlots[k].num![i];
      for (let k = 0; k < this.distinctSlots.length; k++) this.distinctCols[k][j] = distinctId(this.distinctSlots[k], i, this.ctx.values);
    }
    if (s.n === 0) return;
    s.markLate(this.kernel.process({ n: s.n, key: s.key, time: s.t, values: this.valueCols, distinct: this.distinctCols, wm: s.wm }), late, lateBit);
  }

  close(wm: number, out: OutputRow[]): void {
    this.emit(this.kernel.advance(wm), out);
  }

  peek(out: OutputRow[]): void {
    this.emit(this.kernel.peek(), out);
  }

  private emit(r: SessionAggRows, out: OutputRow[]): void {
    for (let i = 0; i < r.n; i++) {
      const row: OutputRow = { metric: this.m.name, window_start: r.start[i], window_end: r.end[i] };
      const g = this.groups.decode(r.key[i]);
      this.m.groupBy.forEach((f, k) => (row[f.path] = g[k]));
      for (const a of this.m.aggregates) {
        if (a.fn === "count") {
          row[a.name] = r.events[i];
          continue;
        }
        const slot = this.ctx.columns.slot(this.m.input.name, a.field!);
        if (a.fn === "count_distinct") {
          row[a.name] = r.distinct[this.distinctSlots.indexOf(slot)][i];
          continue;
        }
        const v = r.values[this.valueSlots.indexOf(slot)];
        const n = v.present[i];
        if (a.fn === "sum") row[a.name] = v.sum[i];
        else if (a.fn === "avg") row[a.name] = n > 0 ? v.sum[i] / n : null;
        else row[a.name] = n > 0 ? (a.fn === "min" ? v.min[i] : v.max[i]) : null;
      }
      out.push(row);
    }
  }

  openCount(): number {
    return this.kernel.openSessions();
  }

  /** Named state: the group dictionary and the session kernel. */
  states(): Map<string, Uint8Array> {
    return new Map([["groups", this.groups.dict.snapshot()], ["sessions", this.kernel.snapshot()]]);
  }


  destroy(): void {
    this.kernel.destroy();
  }
}
