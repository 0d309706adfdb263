// Adding events to the sessions of the session aggregate kernel (session-agg.ts): the walk of
// a key's sessions and the record slab are shared with the SPEC session kernel
// (session-place-util.ts, session-base-util.ts); this file adds and folds the aggregates.
import { SessionBase, recAt, hdr, freeRec } from "./session-base-util";
import { placeEvent, foldBridged } from "./session-place-util";
import { SA, IN_VALUE, IN_DISTINCT, V_SUM, V_MIN, V_MAX, presentAt, valAt, disAt, col } from "./session-agg-state";
import { MISSING, setAdd, setUnion, setRelease } from "./session-agg-set";

/** Returns record i to the free list, releasing its sets. */
export function freeAggRec(s: SA, i: i32): void {
  const p = recAt(s, i);
  for (let d = 0; d < s.nDistinct; d++) setRelease(s, disAt(s, p, d));
  freeRec(s, i);
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

/** Folds the aggregates of session `from` into `to`; `from`'s sets are left empty. */
function merge(b: SessionBase, to: i32, from: i32): void {
  const s = changetype<SA>(changetype<usize>(b));
  const tp = recAt(s, to), fp = recAt(s, from);
  for (let j = 0; j < s.nValues; j++) {
    const a = valAt(s, tp, j), v = valAt(s, fp, j);
    store<u32>(presentAt(tp, j), load<u32>(presentAt(tp, j)) + load<u32>(presentAt(fp, j)));
    store<f64>(a, load<f64>(a, V_SUM) + load<f64>(v, V_SUM), V_SUM);
    store<f64>(a, min(load<f64>(a, V_MIN), load<f64>(v, V_MIN)), V_MIN);
    store<f64>(a, max(load<f64>(a, V_MAX), load<f64>(v, V_MAX)), V_MAX);
  }
  for (let d = 0; d < s.nDistinct; d++) setUnion(s, disAt(s, tp, d), disAt(s, fp, d));
}

/**
 * Adds on-time event i (key u, time t, watermark wm before it) to the session it belongs to
 * (placeEvent); a session the event bridged to later ones folds them in, in start order, after
 * taking the event (so a float sum is the first session's sum + the event's value + the next
 * sessions' sums, left to right).
 */
export function addEvent(s: SA, u: u32, t: f64, wm: f64, i: i32): void {
  const r = placeEvent(s, u, t, wm);
  if (r < 0) {
    const p = recAt(s, -r);
    initAggs(s, p);
    applyEvent(s, p, i);
    return;
  }
  applyEvent(s, recAt(s, r), i);
  if (hdr(s, r).next != 0) foldBridged(s, r, t, wm, merge);
}
