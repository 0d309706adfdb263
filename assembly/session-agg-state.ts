// State of the keyed session aggregate kernel (session-agg.ts): the instance, the session
// record layout and the growth of its blocks; what it shares with the SPEC session kernel
// (record slab, key lists, timer wheel) is session-base-util.ts. A record is
//   header    SessionRec: start f64 | last f64 | key u32 | events u32 | next i32 | tnext i32 | state u32
//   present   u32 per value column (values present), then padding to 8 bytes
//   values    sum f64 | min f64 | max f64 per value column
//   distinct  set pointer u32 | capacity i32 | size i32 per distinct column (session-agg-set.ts)
// padded to 8 bytes: 64 bytes (one cache line) with one value column and no distinct one.
import { regrow, zalloc } from "./mem-util";
import { SessionBase, SessionRec } from "./session-base-util";

/** Most value columns (sum / min / max / present count each). */
export const MAX_VALUES: i32 = 8;
/** Most distinct-id columns. */
export const MAX_DISTINCT: i32 = 4;

// Input columns (session_agg_in): fixed numbers whatever the configuration.
export const IN_KEY: i32 = 0;
export const IN_TIME: i32 = 1;
export const IN_WM: i32 = 2;
/** Value column j (f64) is IN_VALUE + j. */
export const IN_VALUE: i32 = 3;
/** Distinct column d (u32) is IN_DISTINCT + d. */
export const IN_DISTINCT: i32 = IN_VALUE + MAX_VALUES;
export const IN_COLS: i32 = IN_DISTINCT + MAX_DISTINCT;

// Output columns (session_agg_out).
export const OUT_KEY: i32 = 0;
export const OUT_START: i32 = 1;
export const OUT_END: i32 = 2;
export const OUT_EVENTS: i32 = 3;
/** Value column j: present count u32 at OUT_VALUE + 4j, then sum, min, max (f64). */
export const OUT_VALUE: i32 = 4;
/** Distinct column d: distinct count u32 at OUT_DISTINCT + d. */
export const OUT_DISTINCT: i32 = OUT_VALUE + 4 * MAX_VALUES;
export const OUT_COLS: i32 = OUT_DISTINCT + MAX_DISTINCT;

/** Header bytes (SessionRec). */
export const HDR: usize = offsetof<SessionRec>();
export const VAL: usize = 24;
export const DIS: usize = 12;
// value block offsets
export const V_SUM: usize = 0;
export const V_MIN: usize = 8;
export const V_MAX: usize = 16;

/** One instance. */
// @ts-ignore: decorator
@unmanaged
export class SA extends SessionBase {
  nValues: i32 = 0;
  nDistinct: i32 = 0;
  /** Offsets of a record's value blocks and distinct entries (its size is `stride`). */
  valOff: i32 = 0;
  disOff: i32 = 0;
  /** IN_COLS input column pointers (0 for unused columns). */
  ins: usize = 0;
  /** OUT_COLS output column pointers (0 for unused columns) and their row capacity. */
  outs: usize = 0;
  outCap: i32 = 0;
  /** Free set blocks by log2(capacity) (session-agg-set.ts). */
  pool: usize = 0;
}

// @ts-ignore: decorator
@inline export function col(base: usize, c: i32): usize {
  return load<usize>(base + (<usize>c << alignof<usize>()));
}
// @ts-ignore: decorator
@inline function setCol(base: usize, c: i32, p: usize): void {
  store<usize>(base + (<usize>c << alignof<usize>()), p);
}

/** Address of the present count (u32) of value column j of the record at `r`. */
// @ts-ignore: decorator
@inline export function presentAt(r: usize, j: i32): usize {
  return r + HDR + (<usize>j << 2);
}
/** Address of value block j (sum, min, max) of the record at `r`. */
// @ts-ignore: decorator
@inline export function valAt(s: SA, r: usize, j: i32): usize {
  return r + <usize>s.valOff + <usize>j * VAL;
}
/** Address of distinct entry d of the record at `r`. */
// @ts-ignore: decorator
@inline export function disAt(s: SA, r: usize, d: i32): usize {
  return r + <usize>s.disOff + <usize>d * DIS;
}

/** Sets the record layout for nValues / nDistinct (see the header). */
export function layout(s: SA): void {
  s.valOff = <i32>((HDR + (<usize>s.nValues << 2) + 7) & ~7);
  s.disOff = s.valOff + s.nValues * <i32>VAL;
  s.stride = (s.disOff + s.nDistinct * <i32>DIS + 7) & ~7;
}

/** Output column sizes: 4-byte columns are u32, the others f64. */
function outBytes(c: i32): usize {
  if (c == OUT_KEY || c == OUT_EVENTS || c >= OUT_DISTINCT) return 4;
  return c >= OUT_VALUE && (c - OUT_VALUE) % 4 == 0 ? 4 : 8;
}

/** Whether output column c exists in this configuration. */
function outUsed(s: SA, c: i32): bool {
  if (c < OUT_VALUE) return true;
  if (c < OUT_DISTINCT) return (c - OUT_VALUE) / 4 < s.nValues;
  return c - OUT_DISTINCT < s.nDistinct;
}

/** Allocates the instance's own fixed blocks (input columns, tables). */
export function allocFixed(s: SA): void {
  const cap = <usize>s.batchCap;
  s.ins = zalloc(<usize>IN_COLS << alignof<usize>());
  setCol(s.ins, IN_KEY, zalloc(cap << 2));
  setCol(s.ins, IN_TIME, zalloc(cap << 3));
  setCol(s.ins, IN_WM, zalloc(cap << 3));
  for (let j = 0; j < s.nValues; j++) setCol(s.ins, IN_VALUE + j, zalloc(cap << 3));
  for (let d = 0; d < s.nDistinct; d++) setCol(s.ins, IN_DISTINCT + d, zalloc(cap << 2));
  s.outs = zalloc(<usize>OUT_COLS << alignof<usize>());
  s.pool = zalloc(32 << 2);
}

/** Frees the blocks allocFixed and ensureOut made (not the set blocks). */
export function freeBlocks(s: SA): void {
  for (let c = 0; c < IN_COLS; c++) if (col(s.ins, c)) heap.free(col(s.ins, c));
  for (let c = 0; c < OUT_COLS; c++) if (col(s.outs, c)) heap.free(col(s.outs, c));
  heap.free(s.ins);
  heap.free(s.outs);
  heap.free(s.pool);
}

/** Grows the output columns to hold `need` rows. */
export function ensureOut(s: SA, need: i32): void {
  if (need <= s.outCap) return;
  let ncap = s.outCap == 0 ? 1024 : s.outCap;
  while (ncap < need) ncap <<= 1;
  for (let c = 0; c < OUT_COLS; c++) {
    if (outUsed(s, c)) setCol(s.outs, c, regrow(col(s.outs, c), <usize>ncap * outBytes(c)));
  }
  s.outCap = ncap;
}
