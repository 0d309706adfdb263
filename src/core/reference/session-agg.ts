/**
 * Plain TypeScript reference of keyed session aggregates: the oracle for the WASM kernel
 * (assembly/session-agg.ts), written for clarity rather than speed. Session rules are those of
 * the SPEC session reference (./session.ts, Spark's `session_window`), with a group key for
 * the user:
 * - an event at t opens [t, t + gap); a key's overlapping windows merge; late when
 *   t + gap <= wm[i] (or t is not finite); final once wm >= last + gap; an on-time event that
 *   meets a session already final at wm[i] leaves it closed (emitted by the next advance) and
 *   starts a new one.
 * - Per value column: values present (finite; anything else is missing), their sum, min, max
 *   (NaN when none). Per distinct column: exact count of distinct ids except the missing id.
 * - Sums are doubles, added in the kernel's order so that they are bit-identical: the first
 *   session (by start) that the event overlaps takes the event's value, then every later
 *   overlapping session's sum is added to it in start order; a new session starts from 0.
 */
import type { SessionAggBatch, SessionAggKernel, SessionAggOptions, SessionAggRows } from "../kernels/session-agg";
import { SESSION_AGG_MISSING_ID, normalizeSessionAggOptions } from "../kernels/session-agg";
import { decodeNum, encodeNum } from "./sums";

interface Agg {
  present: number;
  sum: number;
  min: number;
  max: number;
}

interface Session {
  key: number;
  start: number;
  last: number;
  events: number;
  values: Agg[];
  sets: Set<number>[];
}

type SessionJson = Omit<Session, "values" | "sets"> & { values: [number, number | string, number | string, number | string][]; sets: number[][] };

/** Reference session aggregate: per key, an array of open sessions ordered by start. */
export class ReferenceSessionAgg implements SessionAggKernel {
  readonly options: Readonly<Required<SessionAggOptions>>;
  private open = new Map<number, Session[]>();
  /** Sessions found final while processing; emitted by the next advance. */
  private closed: Session[] = [];

  constructor(options: SessionAggOptions) {
    this.options = normalizeSessionAggOptions(options);
  }

  /** Restores a {@link ReferenceSessionAgg.snapshot}. */
  static restore(bytes: Uint8Array): ReferenceSessionAgg {
    const state = JSON.parse(new TextDecoder().decode(bytes)) as { options: SessionAggOptions; open: SessionJson[]; closed: SessionJson[] };
    const k = new ReferenceSessionAgg(state.options);
    const revive = (s: SessionJson): Session => ({
      ...s,
      values: s.values.map(([present, sum, min, max]) => ({ present, sum: decodeNum(sum), min: decodeNum(min), max: decodeNum(max) })),
      sets: s.sets.map((ids) => new Set(ids)),
    });
    for (const s of state.open) k.open.set(s.key, [...(k.open.get(s.key) ?? []), revive(s)]);
    k.closed = state.closed.map(revive);
    return k;
  }

  private fresh(key: number, t: number): Session {
    const { nValues, nDistinct } = this.options;
    return {
      key, start: t, last: t, events: 0,
      values: Array.from({ length: nValues }, () => ({ present: 0, sum: 0, min: Infinity, max: -Infinity })),
      sets: Array.from({ length: nDistinct }, () => new Set<number>()),
    };
  }

  private addEvent(s: Session, batch: SessionAggBatch, i: number): void {
    const t = batch.time[i]!;
    s.start = Math.min(s.start, t);
    s.last = Math.max(s.last, t);
    s.events++;
    s.values.forEach((a, j) => {
      const v = batch.values?.[j]?.[i] ?? NaN;
      if (!Number.isFinite(v)) return;
      a.present++;
      a.sum += v;
      a.min = Math.min(a.min, v);
      a.max = Math.max(a.max, v);
    });
    s.sets.forEach((set, d) => {
      const id = batch.distinct?.[d]?.[i] ?? SESSION_AGG_MISSING_ID;
      if (id !== SESSION_AGG_MISSING_ID) set.add(id);
    });
  }

  private static fold(into: Session, s: Session): void {
    into.start = Math.min(into.start, s.start);
    into.last = Math.max(into.last, s.last);
    into.events += s.events;
    into.values.forEach((a, j) => {
      const b = s.values[j]!;
      a.present += b.present;
      a.sum += b.sum;
      a.min = Math.min(a.min, b.min);
      a.max = Math.max(a.max, b.max);
    });
    into.sets.forEach((set, d) => s.sets[d]!.forEach((id) => set.add(id)));
  }

  process(batch: SessionAggBatch): Uint32Array {
    const gap = this.options.gapMs;
    const late: number[] = [];
    for (let i = 0; i < batch.n; i++) {
      const t = batch.time[i]!;
      const wm = typeof batch.wm === "number" ? batch.wm : batch.wm[i]!;
      if (!Number.isFinite(t) || !(t + gap > wm)) {
        late.push(i);
        continue;
      }
      const key = batch.key[i]!;
      const kept: Session[] = [];
      let target: Session | undefined;
      for (const s of this.open.get(key) ?? []) {
        if (s.last + gap <= wm) {
          this.closed.push(s); // final already, advance() or not
        } else if (s.start < t + gap && t < s.last + gap) {
          if (target) ReferenceSessionAgg.fold(target, s);
          else {
            target = s;
            this.addEvent(s, batch, i);
            kept.push(s);
          }
        } else {
          kept.push(s);
        }
      }
      if (!target) {
        const s = this.fresh(key, t);
        this.addEvent(s, batch, i);
        kept.push(s);
      }
      kept.sort((a, b) => a.start - b.start);
      this.open.set(key, kept);
    }
    return Uint32Array.from(late);
  }

  advance(wm: number): SessionAggRows {
    const gap = this.options.gapMs;
    const out = this.closed;
    this.closed = [];
    for (const [key, sessions] of this.open) {
      out.push(...sessions.filter((s) => s.last + gap <= wm));
      const kept = sessions.filter((s) => s.last + gap > wm);
      if (kept.length === 0) this.open.delete(key);
      else this.open.set(key, kept);
    }
    return this.toRows(out);
  }

  peek(): SessionAggRows {
    return this.toRows([...this.open.values()].flat());
  }

  openSessions(): number {
    return [...this.open.values()].reduce((n, l) => n + l.length, 0) + this.closed.length;
  }

  /** JSON; sums, min and max through encodeNum (infinities, NaN and -0 survive). */
  snapshot(): Uint8Array {
    const json = (s: Session): SessionJson => ({
      ...s,
      values: s.values.map((a) => [a.present, encodeNum(a.sum), encodeNum(a.min), encodeNum(a.max)]),
      sets: s.sets.map((set) => [...set]),
    });
    const state = { options: this.options, open: [...this.open.values()].flat().map(json), closed: this.closed.map(json) };
    return new TextEncoder().encode(JSON.stringify(state));
  }

  destroy(): void {
    this.open.clear();
    this.closed = [];
  }

  /** Rows ordered by end, then key (the kernel's order). */
  private toRows(sessions: Session[]): SessionAggRows {
    const gap = this.options.gapMs;
    const s = [...sessions].sort((a, b) => a.last - b.last || a.key - b.key);
    return {
      n: s.length,
      key: Uint32Array.from(s, (x) => x.key),
      start: Float64Array.from(s, (x) => x.start),
      end: Float64Array.from(s, (x) => x.last + gap),
      events: Uint32Array.from(s, (x) => x.events),
      values: Array.from({ length: this.options.nValues }, (_, j) => ({
        present: Uint32Array.from(s, (x) => x.values[j]!.present),
        sum: Float64Array.from(s, (x) => x.values[j]!.sum),
        min: Float64Array.from(s, (x) => (x.values[j]!.present ? x.values[j]!.min : NaN)),
        max: Float64Array.from(s, (x) => (x.values[j]!.present ? x.values[j]!.max : NaN)),
      })),
      distinct: Array.from({ length: this.options.nDistinct }, (_, d) => Uint32Array.from(s, (x) => x.sets[d]!.size)),
    };
  }
}
