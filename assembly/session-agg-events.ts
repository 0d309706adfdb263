// Adding events to the sessions of the session aggregate kernel (session-agg.ts), and the
// timer wheel that tells advance() which sessions may have ended. Both follow the SPEC session
// kernel (session.ts), which keeps its own copy: that kernel stays as it is.
//
// Timer wheel: WHEEL slots of max(1, floor(gap / 64)) ms; every session is linked in the slot
// of its end as it was when linked (an overflow list beyond the wheel's reach). Ends only
// grow, so a session found in a due slot with a later end is simply relinked further on;
// events never touch the wheel.
import {
  SA, Rec, OPEN, DETACHED, ZOMBIE, FREE, WHEEL, IN_VALUE, IN_DISTINCT, V_SUM, V_MIN, V_MAX,
  hdr, recAt, presentAt, valAt, disAt, col, ensureRecs,
} from "./session-agg-state";
import { MISSING, setAdd, setUnion, setRelease } from "./session-agg-set";

// ---- records ----

/** A fresh record index (the slab may move). */
export function newRec(s: SA): i32 {
  let i = s.freeHead;
  if (i != 0) {
    s.freeHead = hdr(s, i).next;
  } else {
    if (s.recHi >= s.recCap) ensureRecs(s, s.recHi + 1);
    i = s.recHi++;
  }
  s.live++;
  return i;
}

/** Returns record i to the free list, releasing its sets. */
export function freeRec(s: SA, i: i32): void {
  const r = hdr(s, i);
  if (r.state != ZOMBIE) s.live--;
  const p = recAt(s, i);
  for (let d = 0; d < s.nDistinct; d++) setRelease(s, disAt(s, p, d));
  r.state = FREE;
  r.next = s.freeHead;
  s.freeHead = i;
}

/** A new session's aggregates: nothing present, empty sets (plain stores: no fill call). */
export function initAggs(s: SA, p: usize): void {
  for (let j = 0; j < s.nValues; j++) {
    store<u32>(presentAt(p, j), 0);
    const v = valAt(s, p, j);
    store<f64>(v, 0, V_SUM);
    store<f64>(v, Infinity, V_MIN);
    store<f64>(v, -Infinity, V_MAX);
  }
  for (let d = 0; d < s.nDistinct; d++) {
    const e = disAt(s, p, d);
    store<u64>(e, 0);
    store<u32>(e, 0, 8);
  }
}

// ---- timer wheel ----

/** floor(t / slotMs), exact for integer times (f64 division may round up across an integer). */
// @ts-ignore: decorator
@inline export function slotOf(s: SA, t: f64): f64 {
  let q = Math.floor(t / s.slotMs);
  if (q * s.slotMs > t) q -= 1;
  return q;
}

// @ts-ignore: decorator
@inline export function ring(s: SA, slot: f64): usize {
  return s.wheel + (<usize>(<i64>slot & (WHEEL - 1)) << 2);
}

/** Links record i in the slot of `end` (the cursor's if earlier, the overflow if beyond reach). */
export function wheelLink(s: SA, i: i32, end: f64): void {
  let slot = slotOf(s, end);
  if (s.linked == 0) s.cursor = slot;
  s.linked++;
  if (slot < s.cursor) {
    // Below the cursor (an out-of-order event): its slot is the cursor's, which advance()
    // must then sweep as soon as the watermark reaches this end.
    slot = s.cursor;
    if (end < s.clampMin) s.clampMin = end;
  }
  const r = hdr(s, i);
  if (slot >= s.cursor + <f64>WHEEL) {
    r.tnext = s.overflow;
    s.overflow = i;
    return;
  }
  const h = ring(s, slot);
  r.tnext = load<i32>(h);
  store<i32>(h, i);
}

// ---- events ----

/** Unlinks record `i` from its key's list (a linear walk: lists are short). */
export function unlink(s: SA, i: i32): void {
  const headP = s.heads + (<usize>hdr(s, i).key << 2);
  let cur = load<i32>(headP);
  if (cur == i) {
    store<i32>(headP, hdr(s, i).next);
    return;
  }
  while (cur != 0) {
    const r = hdr(s, cur);
    if (r.next == i) {
      r.next = hdr(s, i).next;
      return;
    }
    cur = r.next;
  }
}

/** Points the link before a list position at `to`: the head when prev = 0, else prev.next. */
// @ts-ignore: decorator
@inline export function relink(s: SA, headP: usize, prev: i32, to: i32): void {
  if (prev == 0) store<i32>(headP, to);
  else hdr(s, prev).next = to;
}

/** Adds event i's values (finite ones) and distinct ids (not MISSING) to the record at p. */
// @ts-ignore: decorator
@inline function applyEvent(s: SA, p: usize, i: i32): void {
  for (let j = 0; j < s.nValues; j++) {
    const x = load<f64>(col(s.ins, IN_VALUE + j) + (<usize>i << 3));
    if (x - x == 0) {
      const c = presentAt(p, j), v = valAt(s, p, j);
      store<u32>(c, load<u32>(c) + 1);
      store<f64>(v, load<f64>(v, V_SUM) + x, V_SUM);
      store<f64>(v, min(load<f64>(v, V_MIN), x), V_MIN);
      store<f64>(v, max(load<f64>(v, V_MAX), x), V_MAX);
    }
  }
  for (let d = 0; d < s.nDistinct; d++) {
    const id = load<u32>(col(s.ins, IN_DISTINCT + d) + (<usize>i << 2));
    if (id != MISSING) setAdd(s, disAt(s, p, d), id);
  }
}

/** Folds session `from` into session `to` (aggregates only; the caller unlinks `from`). */
function merge(s: SA, to: i32, from: i32): void {
  const t = hdr(s, to), f = hdr(s, from);
  if (f.last > t.last) t.last = f.last;
  if (f.start < t.start) t.start = f.start;
  t.events += f.events;
  const tp = recAt(s, to), fp = recAt(s, from);
  for (let j = 0; j < s.nValues; j++) {
    const a = valAt(s, tp, j), b = valAt(s, fp, j);
    store<u32>(presentAt(tp, j), load<u32>(presentAt(tp, j)) + load<u32>(presentAt(fp, j)));
    store<f64>(a, load<f64>(a, V_SUM) + load<f64>(b, V_SUM), V_SUM);
    store<f64>(a, min(load<f64>(a, V_MIN), load<f64>(b, V_MIN)), V_MIN);
    store<f64>(a, max(load<f64>(a, V_MAX), load<f64>(b, V_MAX)), V_MAX);
  }
  for (let d = 0; d < s.nDistinct; d++) setUnion(s, disAt(s, tp, d), disAt(s, fp, d));
}

/**
 * Adds on-time event i (key u, time t, watermark wm before it). Walks the key's sessions in
 * start order: a session already final at wm is detached (advance() emits it, as Spark has
 * evicted it); the first session the event's window [t, t + gap) overlaps takes the event and
 * every later overlapping one is folded into it, in start order (so a float sum is the first
 * session's sum + the event's value + the next sessions' sums, left to right); with none, the
 * event opens a session.
 */
export function addEvent(s: SA, u: u32, t: f64, wm: f64, i: i32): void {
  const gap = s.gap;
  const headP = s.heads + (<usize>u << 2);
  let prev = 0;
  let cur = load<i32>(headP);
  let target = 0;
  while (cur != 0) {
    const r = hdr(s, cur);
    const next = r.next;
    const end = r.last + gap;
    if (end <= wm) {
      relink(s, headP, prev, next);
      r.state = DETACHED;
      cur = next;
      continue;
    }
    if (r.start >= t + gap) break; // this and all later sessions start after the event's window
    if (t < end) {
      if (target == 0) {
        target = cur;
        if (t < r.start) r.start = t;
        if (t > r.last) r.last = t;
        r.events++;
        applyEvent(s, recAt(s, cur), i);
      } else {
        merge(s, target, cur);
        relink(s, headP, prev, next);
        r.state = ZOMBIE; // still in the wheel: freed when its slot comes
        s.live--;
        cur = next;
        continue;
      }
    }
    prev = cur;
    cur = next;
  }
  if (target != 0) return;
  const ni = newRec(s);
  const p = recAt(s, ni);
  const r = changetype<Rec>(p);
  r.start = t;
  r.last = t;
  r.key = u;
  r.events = 1;
  r.state = OPEN;
  initAggs(s, p);
  applyEvent(s, p, i);
  r.next = cur; // before the first session starting after the event's window, or at the end
  relink(s, headP, prev, ni);
  wheelLink(s, ni, t + gap);
}
