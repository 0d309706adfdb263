// State of the keyed session aggregate kernel (session-agg.ts): the instance, the session
// record layout and the growth of its blocks.
//
// Records live in one slab, addressed by 1-based index (index 0 = none) because the slab may
// move when it grows; the slab starts on a 64-byte boundary. A record is
//   header    start f64 | last f64 | key u32 | events u32 | next i32 | tnext i32 | state u32
//   present   u32 per value column (values present), then padding to 8 bytes
//   values    sum f64 | min f64 | max f64 per value column
//   distinct  set pointer u32 | capacity i32 | size i32 per distinct column (session-agg-set.ts)
// padded to 8 bytes: 64 bytes (one cache line) with one value column and no distinct one.
import { regrow, zalloc } from "./mem-util";

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

// Record states.
export const FREE: u32 = 0;
export const OPEN: u32 = 1;
/** Found final while processing and unlinked from its key; the next advance emits it. */
export const DETACHED: u32 = 2;
/** Merged into another session; still linked in the wheel, freed when its slot is reached. */
export const ZOMBIE: u32 = 3;

export const HDR: usize = 36;
export const VAL: usize = 24;
export const DIS: usize = 12;
// value block offsets
export const V_SUM: usize = 0;
export const V_MIN: usize = 8;
export const V_MAX: usize = 16;

/** Timer wheel slots (session-agg-wheel.ts). */
export const WHEEL: i32 = 1024;

/** The header of a session record. */
// @ts-ignore: decorator
@unmanaged
export class Rec {
  start: f64 = 0;
  last: f64 = 0;
  key: u32 = 0;
  events: u32 = 0;
  /** Next session of the key (by start), or next free record; 0 = none. */
  next: i32 = 0;
  /** Next record in the same wheel slot; 0 = none. */
  tnext: i32 = 0;
  state: u32 = 0;
}

/** One instance. */
// @ts-ignore: decorator
@unmanaged
export class SA {
  gap: f64 = 0;
  nValues: i32 = 0;
  nDistinct: i32 = 0;
  batchCap: i32 = 0;
  /** Record size in bytes, and the offsets of its value blocks and distinct entries. */
  stride: i32 = 0;
  valOff: i32 = 0;
  disOff: i32 = 0;
  /** IN_COLS input column pointers (0 for unused columns). */
  ins: usize = 0;
  late: usize = 0;
  // key -> first session record (0 = none), keys below keyHi used
  heads: usize = 0;
  keyCap: i32 = 0;
  keyHi: i32 = 0;
  // session records, 1-based; recs = recsRaw rounded up to 64 bytes
  recs: usize = 0;
  recsRaw: usize = 0;
  recCap: i32 = 0;
  recHi: i32 = 0;
  freeHead: i32 = 0;
  /** OPEN + DETACHED records. */
  live: i32 = 0;
  // timer wheel (session-agg-wheel.ts)
  wheel: usize = 0;
  slotMs: f64 = 0;
  cursor: f64 = 0;
  linked: i32 = 0;
  clampMin: f64 = 0;
  overflow: i32 = 0;
  /** OUT_COLS output column pointers (0 for unused columns) and their row capacity. */
  outs: usize = 0;
  outCap: i32 = 0;
  // (end, key, record) entries sorted before emission
  sortBuf: usize = 0;
  sortCap: i32 = 0;
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

/** Address of record i (valid until the slab grows). */
// @ts-ignore: decorator
@inline export function recAt(s: SA, i: i32): usize {
  return s.recs + <usize>i * <usize>s.stride;
}
// @ts-ignore: decorator
@inline export function hdr(s: SA, i: i32): Rec {
  return changetype<Rec>(recAt(s, i));
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

/** Allocates the instance's fixed blocks (input columns, tables). */
export function allocFixed(s: SA): void {
  const cap = <usize>s.batchCap;
  s.ins = zalloc(<usize>IN_COLS << alignof<usize>());
  setCol(s.ins, IN_KEY, zalloc(cap << 2));
  setCol(s.ins, IN_TIME, zalloc(cap << 3));
  setCol(s.ins, IN_WM, zalloc(cap << 3));
  for (let j = 0; j < s.nValues; j++) setCol(s.ins, IN_VALUE + j, zalloc(cap << 3));
  for (let d = 0; d < s.nDistinct; d++) setCol(s.ins, IN_DISTINCT + d, zalloc(cap << 2));
  s.late = zalloc(cap << 2);
  s.outs = zalloc(<usize>OUT_COLS << alignof<usize>());
  s.wheel = zalloc(<usize>WHEEL << 2);
  s.pool = zalloc(32 << 2);
}

/** Frees the blocks allocFixed and the ensure* functions made (not the set blocks). */
export function freeBlocks(s: SA): void {
  for (let c = 0; c < IN_COLS; c++) if (col(s.ins, c)) heap.free(col(s.ins, c));
  for (let c = 0; c < OUT_COLS; c++) if (col(s.outs, c)) heap.free(col(s.outs, c));
  heap.free(s.ins);
  heap.free(s.outs);
  heap.free(s.late);
  heap.free(s.wheel);
  heap.free(s.pool);
  if (s.heads) heap.free(s.heads);
  if (s.recsRaw) heap.free(s.recsRaw);
  if (s.sortBuf) heap.free(s.sortBuf);
}

/** Makes keys [0, need) addressable (heads zeroed). */
export function ensureKeys(s: SA, need: i32): void {
  if (need > s.keyHi) s.keyHi = need;
  if (need <= s.keyCap) return;
  let ncap = s.keyCap == 0 ? 1024 : s.keyCap;
  while (ncap < need) ncap <<= 1;
  s.heads = regrow(s.heads, <usize>ncap << 2);
  memory.fill(s.heads + (<usize>s.keyCap << 2), 0, <usize>(ncap - s.keyCap) << 2);
  s.keyCap = ncap;
}

/** Grows the record slab to at least `need` records (moves it: re-read addresses after). */
export function ensureRecs(s: SA, need: i32): void {
  if (need <= s.recCap) return;
  let ncap = s.recCap == 0 ? 1024 : s.recCap;
  while (ncap < need) ncap <<= 1;
  // realloc (which may grow in place), then shift the records onto a cache line again
  const shift = s.recs - s.recsRaw;
  const raw = regrow(s.recsRaw, <usize>ncap * <usize>s.stride + 64);
  const recs = (raw + 63) & ~(<usize>63);
  if (s.recCap > 0 && recs != raw + shift) memory.copy(recs, raw + shift, <usize>s.recCap * <usize>s.stride);
  s.recsRaw = raw;
  s.recs = recs;
  s.recCap = ncap;
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

/** Grows the sort buffer to `need` 16-byte entries. */
export function ensureSort(s: SA, need: i32): void {
  if (need <= s.sortCap) return;
  let ncap = s.sortCap == 0 ? 1024 : s.sortCap;
  while (ncap < need) ncap <<= 1;
  s.sortBuf = regrow(s.sortBuf, <usize>ncap << 4);
  s.sortCap = ncap;
}
