/**
 * Plain TypeScript reference of session windows (SPEC `sessions`): the oracle for the WASM
 * kernel (assembly/session.ts), written for clarity rather than speed.
 *
 * SPEC: a user's events (both topics) are grouped while the gap between consecutive events is
 * < gap; a session ends at last + gap. SPEC says nothing more, so this is Spark's
 * `session_window`: every event opens the window [t, t + gap) and a user's overlapping windows
 * merge, so out-of-order events may bridge and merge sessions, and events exactly gap apart
 * stay apart (half-open windows).
 * - Late: Spark's watermark filter drops an input row whose window END is <= the watermark
 *   (for a session window, before merging, that is t + gap <= wm), so an event is late when
 *   t + gap <= wm[i]. Non-finite times are late too.
 * - Final: a session closes once wm >= its end (Spark evicts sessions with end <= watermark).
 * - An on-time event may meet a session that is already final (last < t, last + gap <= wm[i]
 *   < t + gap). Spark has evicted that session and starts a new one, and so do we: the final
 *   session is emitted unchanged (by the next advance()) whether or not advance() ran before
 *   this event, so results do not depend on batch boundaries.
 */
import type { SessionBatch, SessionKernel, SessionOptions, SessionRows } from "../kernels/session";
import { SESSION_KIND_PURCHASE, SESSION_KIND_VIEW, normalizeSessionOptions } from "../kernels/session";

interface Session {
  user: number;
  start: number;
  last: number;
  events: number;
  views: number;
  purchases: number;
  revenue: number;
}

/** Reference session kernel: per user, an array of open sessions ordered by start. */
export class ReferenceSession implements SessionKernel {
  readonly options: Readonly<Required<SessionOptions>>;
  private open = new Map<number, Session[]>();
  /** Sessions found final while processing; emitted by the next advance. */
  private closed: Session[] = [];

  constructor(options: SessionOptions = {}) {
    this.options = normalizeSessionOptions(options);
  }

  /** Restores a {@link ReferenceSession.snapshot}. */
  static restore(bytes: Uint8Array): ReferenceSession {
    const state = JSON.parse(new TextDecoder().decode(bytes)) as { options: SessionOptions; open: Session[]; closed: Session[] };
    const k = new ReferenceSession(state.options);
    for (const s of state.open) k.open.set(s.user, [...(k.open.get(s.user) ?? []), s]);
    k.closed = state.closed;
    return k;
  }

  process(batch: SessionBatch): Uint32Array {
    const gap = this.options.gapMs;
    const late: number[] = [];
    for (let i = 0; i < batch.n; i++) {
      const t = batch.time[i]!;
      const wm = typeof batch.wm === "number" ? batch.wm : batch.wm[i]!;
      if (!Number.isFinite(t) || t + gap <= wm) {
        late.push(i);
        continue;
      }
      const user = batch.user[i]!;
      const kind = batch.kind[i]!;
      const merged: Session = {
        user, start: t, last: t, events: 1,
        views: kind === SESSION_KIND_VIEW ? 1 : 0,
        purchases: kind === SESSION_KIND_PURCHASE ? 1 : 0,
        revenue: kind === SESSION_KIND_PURCHASE ? Math.trunc(batch.amount?.[i] ?? 0) : 0,
      };
      const rest: Session[] = [];
      for (const s of this.open.get(user) ?? []) {
        if (s.last + gap <= wm) {
          this.closed.push(s); // final already, advance() or not
        } else if (s.start < t + gap && t < s.last + gap) {
          merged.start = Math.min(merged.start, s.start);
          merged.last = Math.max(merged.last, s.last);
          merged.events += s.events;
          merged.views += s.views;
          merged.purchases += s.purchases;
          merged.revenue += s.revenue;
        } else {
          rest.push(s);
        }
      }
      rest.push(merged);
      rest.sort((a, b) => a.start - b.start);
      this.open.set(user, rest);
    }
    return Uint32Array.from(late);
  }

  advance(wm: number): SessionRows {
    const gap = this.options.gapMs;
    const out = this.closed;
    this.closed = [];
    for (const [user, sessions] of this.open) {
      out.push(...sessions.filter((s) => s.last + gap <= wm));
      const kept = sessions.filter((s) => s.last + gap > wm);
      if (kept.length === 0) this.open.delete(user);
      else this.open.set(user, kept);
    }
    return this.toRows(out);
  }

  peek(): SessionRows {
    return this.toRows([...this.open.values()].flat());
  }

  openSessions(): number {
    return [...this.open.values()].reduce((n, l) => n + l.length, 0) + this.closed.length;
  }

  /** JSON (numbers round-trip exactly through their shortest decimal form). */
  snapshot(): Uint8Array {
    const state = { options: this.options, open: [...this.open.values()].flat(), closed: this.closed };
    return new TextEncoder().encode(JSON.stringify(state));
  }

  destroy(): void {
    this.open.clear();
    this.closed = [];
  }

  /** Rows ordered by end, then user (the kernel's order). */
  private toRows(sessions: Session[]): SessionRows {
    const gap = this.options.gapMs;
    const s = [...sessions].sort((a, b) => a.last - b.last || a.user - b.user);
    return {
      n: s.length,
      user: Uint32Array.from(s, (x) => x.user),
      start: Float64Array.from(s, (x) => x.start),
      end: Float64Array.from(s, (x) => x.last + gap),
      duration: Float64Array.from(s, (x) => x.last - x.start),
      events: Uint32Array.from(s, (x) => x.events),
      views: Uint32Array.from(s, (x) => x.views),
      purchases: Uint32Array.from(s, (x) => x.purchases),
      revenue: Float64Array.from(s, (x) => x.revenue),
    };
  }
}
