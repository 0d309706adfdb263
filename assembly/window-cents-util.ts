// Integer-cent sums of the window kernel (window.ts) without silent wrap-around.
//
// Sums are i64 cents but leave the kernel as f64, exact for |sum| <= 2^53 - 1: a row whose sum
// is outside that range reads NaN and is counted (window_overflows). The i64 must therefore
// never wrap unnoticed:
// - an addend x in [0, CENTS_FAST) is added unchecked. A record counts fewer than 2^32 events
//   (u32), so such addends move a sum by less than 2^61 over its whole life;
// - any other addend (negative, huge, saturated from a huge or infinite f64) is added by
//   centsCombine, which turns a sum that is or would become out of [-2^62, 2^62) into the
//   poison -2^63 for good: unchecked addends then keep it below -2^62 (out of range), and a
//   checked one puts it back to -2^63. A sum that never met the poison is exact.
// The tumbling hot path does not test each addend: it adds every one unchecked and ORs them
// together, and only when that shows an addend outside [0, CENTS_FAST) (never for SPEC
// amounts below 5.3 million, which are > 0) does fixCents undo those addends and re-add them
// checked. The checked adds then come after the batch's small ones rather than in event order, which can change the outcome only when a partial sum leaves [-2^62, 2^62)
// (see the reference's sums.ts).
import { floorDiv, toMs } from "./time-util";
import { Win, Slot, R_SUM, mapGet } from "./window-util";

/** Largest exact integer of an f64 (Number.MAX_SAFE_INTEGER). */
export const CENTS_MAX_EXACT: i64 = (<i64>1 << 53) - 1;
/** Addends in [0, CENTS_FAST) take the unchecked add (2^29 cents, ~5.3 million in money). */
export const CENTS_FAST: u64 = 1 << 29;
const POISON_AT: i64 = <i64>1 << 62;
const CENTS_SMALL: u64 = <u64>1 << 61;
const POISON: i64 = i64.MIN_VALUE;

/** a + b, or the poison when a, b or the sum is outside [-2^62, 2^62). */
// @ts-ignore: decorator
@inline
export function centsCombine(a: i64, b: i64): i64 {
  // both in [0, 2^61) (all sums of SPEC amounts): the sum is in range
  if (<u64>(a | b) < CENTS_SMALL) return a + b;
  return centsCombineChecked(a, b);
}

/** centsCombine for any a and b. */
export function centsCombineChecked(a: i64, b: i64): i64 {
  const r = a + b; // no wrap when a and b are in range; out of range, r is not used
  // x is in range iff x + 2^62 has its top bit clear: one OR tests all three
  const out = (<u64>(a + POISON_AT) | <u64>(b + POISON_AT) | <u64>(r + POISON_AT)) >> 63;
  return out ? POISON : r;
}

/** Adds `v` (cents, truncated toward zero; saturating; NaN adds 0) to record `rec`'s sum. */
// @ts-ignore: decorator
@inline
export function addCents(rec: usize, v: f64): void {
  const x = <i64>v;
  if (<u64>x < CENTS_FAST) store<i64>(rec, load<i64>(rec, R_SUM) + x, R_SUM);
  else store<i64>(rec, centsCombineChecked(load<i64>(rec, R_SUM), x), R_SUM);
}

/**
 * After processTumbling<i64> added events from..to-1 unchecked and the OR of their addends
 * was >= CENTS_FAST: finds the events it added with an addend outside [0, CENTS_FAST) (same
 * window and lateness rule as the loop: the window of one slide starting at lo; late iff
 * wm[i] >= lo + size, wm never decreasing), subtracts them all (i64 arithmetic is exact modulo
 * 2^64, and what remains is bounded, so this restores the exact sum of the other addends),
 * then adds them back checked, in event order. (Windows close only in window_advance, so all
 * are still open.)
 */
export function fixCents(w: Win, from: i32, to: i32): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = from; i < to; i++) {
      const x = <i64>load<f64>(w.inValue + (<usize>i << 3));
      if (<u64>x < CENTS_FAST) continue;
      const t = load<f64>(w.inTime + (<usize>i << 3));
      if (!(t - t == 0)) continue;
      const b = floorDiv(toMs(t), w.slide);
      const lo = <f64>(b * w.slide);
      if (load<f64>(w.wmPtr + <usize>i * w.wmStride) >= lo + <f64>w.size) continue;
      const sp = mapGet(w, b);
      if (sp == 0) continue;
      const rec = changetype<Slot>(sp).recs + <usize>load<u32>(w.inKey + (<usize>i << 2)) * <usize>w.stride;
      if (pass == 0) store<i64>(rec, load<i64>(rec, R_SUM) - x, R_SUM);
      else store<i64>(rec, centsCombineChecked(load<i64>(rec, R_SUM), x), R_SUM);
    }
  }
}
